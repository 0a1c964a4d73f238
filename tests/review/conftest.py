"""The review's common ground: an edition whose three stakeholder groups (Government, Private Sector, Civil Society)
have each submitted their document through the real submit() service, three jurors and a chair.

Names are fixed so tests can assert blind review hides them: groups "Gouvernement A", "Secteur privé A",
"Société civile A"; members "Awa Traoré" (coordinator) and "Sékou Keita" in Secteur privé A.
"""

import datetime as dt

import pytest
from django.utils import timezone

from cohorts.models import Role
from groups.models import Formation, Membership
from submissions.models import ReviewAssignment
from submissions.services import submission as submission_service
from submissions.services.review import review_settings_for
from submissions.services.workspace import ensure_sections, save_section
from tests.factories import (
    AssignmentFactory,
    AssignmentSettingsFactory,
    EditionRoleFactory,
    GroupFactory,
    MembershipFactory,
    ProfileFactory,
    SectionTemplateFactory,
    StakeholderTypeFactory,
    UserFactory,
)

SECTION_TITLES = ["Introduction", "Légalité et légitimité des coupures", "Conclusion"]
TYPES = [("gouvernement", "Gouvernement", "Government"), ("secteur-prive", "Secteur privé", "Private Sector"),
         ("societe-civile", "Société civile", "Civil Society")]  # fmt: skip


def person(edition, email, first_name, last_name, role=Role.PARTICIPANT, organisation=""):
    user = UserFactory(email=email, first_name=first_name, last_name=last_name)
    EditionRoleFactory(edition=edition, user=user, role=role)
    if organisation:
        ProfileFactory(user=user, organisation=organisation)
    return user


def write_and_submit(group, coordinator, texts):
    for section, text in zip(ensure_sections(group), texts, strict=True):
        save_section(section, text, base_version=section.version, by=coordinator)
    return submission_service.submit(group, by=coordinator, declaration_accepted=True)


@pytest.fixture
def assignment(edition):
    assignment = AssignmentFactory(edition=edition)
    for position, title in enumerate(SECTION_TITLES, start=1):
        SectionTemplateFactory(assignment=assignment, position=position, title_fr=title, title_en=title)
    AssignmentSettingsFactory(
        assignment=assignment,
        deadline=timezone.now() + dt.timedelta(days=2),
        late_cutoff=timezone.now() + dt.timedelta(days=3),
        presentation_required=False,
    )
    return assignment


@pytest.fixture
def groups(edition, assignment):
    """{code: group} for the three stakeholder types, groups published."""
    Formation.objects.create(edition=edition, published_at=timezone.now())
    made = {}
    for position, (code, name_fr, name_en) in enumerate(TYPES, start=1):
        kind = StakeholderTypeFactory(edition=edition, code=code, name_fr=name_fr, name_en=name_en, position=position)
        made[code] = GroupFactory(edition=edition, stakeholder_type=kind, name=f"{name_fr} A")
    return made


@pytest.fixture
def coordinator(edition, groups):
    """Coordinator of Secteur privé A."""
    user = person(edition, "awa@example.org", "Awa", "Traoré", organisation="Orange Mali")
    MembershipFactory(group=groups["secteur-prive"], user=user, group_role=Membership.GroupRole.COORDINATOR)
    return user


@pytest.fixture
def member(edition, groups, coordinator):
    """A member of Secteur privé A (not its coordinator)."""
    user = person(edition, "sekou@example.org", "Sékou", "Keita")
    MembershipFactory(group=groups["secteur-prive"], user=user)
    return user


@pytest.fixture
def other_member(edition, groups):
    """Coordinator of Gouvernement A: a member of another group."""
    user = person(edition, "fatou@example.org", "Fatoumata", "Diarra")
    MembershipFactory(group=groups["gouvernement"], user=user, group_role=Membership.GroupRole.COORDINATOR)
    return user


@pytest.fixture
def submissions(groups, coordinator, member, other_member, edition):
    """{code: submission}: every group has submitted (Société civile A through its own coordinator)."""
    civil = person(edition, "mariam@example.org", "Mariam", "Coulibaly")
    MembershipFactory(group=groups["societe-civile"], user=civil, group_role=Membership.GroupRole.COORDINATOR)
    writers = {"gouvernement": other_member, "secteur-prive": coordinator, "societe-civile": civil}
    return {
        code: write_and_submit(group, writers[code], [f"<p>{code} : {title}.</p>" for title in SECTION_TITLES])
        for code, group in groups.items()
    }


@pytest.fixture
def jurors(edition):
    """Three jurors (plain jury members)."""
    return [
        person(edition, f"juror{n}@example.org", f"Juré{n}", "Jury", role=Role.JUROR, organisation=f"Université {n}")
        for n in (1, 2, 3)
    ]


@pytest.fixture
def chair(edition):
    return person(edition, "chair@example.org", "Présidente", "Jury", role=Role.JURY_CHAIR)


@pytest.fixture
def review_settings(edition):
    """The edition's review settings with the default rubrics (5 document criteria, 4 defense criteria)."""
    return review_settings_for(edition)


@pytest.fixture
def assigned(groups, jurors, chair):
    """Every juror assigned to every group (assignment rows written directly: the service is tested apart)."""
    for group in groups.values():
        for juror in jurors:
            ReviewAssignment.objects.create(group=group, juror=juror, assigned_by=chair)
    return jurors
