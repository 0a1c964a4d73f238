"""Data for the dashboard's and the statistics' tests: a crafted edition whose every figure is known."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from cockpit.models import Certificate
from cohorts.models import Edition, EditionRole, Enrolment, Role
from groups.models import Group, Membership
from malisig.models import User
from submissions.models import (
    ConflictOfInterest,
    Extension,
    Review,
    ReviewAssignment,
    Section,
    SectionTemplate,
    Submission,
)
from tests.factories import (
    AssignmentFactory,
    AssignmentSettingsFactory,
    GroupFactory,
    SectionTemplateFactory,
    StakeholderTypeFactory,
    UserFactory,
)

E = Enrolment.Status
S = Submission.State


def enrol(edition: Edition, status: str, *, eligible: bool = True, user: User | None = None) -> Enrolment:
    user = user or UserFactory()
    EditionRole.objects.get_or_create(edition=edition, user=user, role=Role.PARTICIPANT)
    return Enrolment.objects.create(edition=edition, user=user, status=status, eligible=eligible)


def group_with_members(edition: Edition, name: str, members: int, *, stakeholder_type=None) -> Group:
    group = GroupFactory(
        edition=edition, name=name, **({"stakeholder_type": stakeholder_type} if stakeholder_type else {})
    )
    for _ in range(members):
        user = enrol(edition, E.ACTIVE).user
        Membership.objects.create(edition=edition, group=group, user=user)
    return group


def submit(group: Group, state: str, number: int = 1) -> Submission:
    return Submission.objects.create(group=group, number=number, state=state, declaration="Nous certifions.")


def juror_of(edition: Edition, email: str, role: str = Role.JUROR) -> User:
    user = UserFactory(email=email)
    EditionRole.objects.create(edition=edition, user=user, role=role)
    return user


@dataclass
class Crafted:
    edition: Edition
    groups: dict[str, Group]
    jurors: dict[str, User]
    deadline: dt.datetime


def crafted_edition(edition: Edition) -> Crafted:
    """10 enrolments outside groups (2 candidates not eligible, 1 admitted, 2 invited, 2 active, 1 completed,
    1 withdrawn, 1 active not eligible) and 8 active members in 4 groups:

    - "Alpha" (3 members): accepted; 2 of 3 sections started, 1 ready, 150 words
    - "Beta" (2 members): withdrew its submission; its own extension
    - "Gamma" (1 member): in review
    - "Delta" (2 members): defended

    Jurors: "one" assigned to Alpha (submitted), Gamma (draft) and Beta (withdrawn: waiting); "two" to Alpha
    (nothing yet) and Delta (in conflict: left out). 2 valid certificates, 1 revoked.
    """
    for status, eligible in [
        (E.CANDIDATE, False), (E.CANDIDATE, False), (E.ADMITTED, True), (E.INVITED, True), (E.INVITED, True),
        (E.ACTIVE, True), (E.ACTIVE, True), (E.COMPLETED, True), (E.WITHDRAWN, True), (E.ACTIVE, False),
    ]:  # fmt: skip
        enrol(edition, status, eligible=eligible)
    first_type = StakeholderTypeFactory(edition=edition, code="gov", name_fr="Gouvernement", position=1)
    second_type = StakeholderTypeFactory(edition=edition, code="civ", name_fr="Société civile", position=2)
    groups = {
        "alpha": group_with_members(edition, "Alpha", 3, stakeholder_type=second_type),
        "beta": group_with_members(edition, "Beta", 2, stakeholder_type=first_type),
        "gamma": group_with_members(edition, "Gamma", 1, stakeholder_type=first_type),
        "delta": group_with_members(edition, "Delta", 2, stakeholder_type=second_type),
    }
    current = {
        "alpha": submit(groups["alpha"], S.ACCEPTED),
        "beta": submit(groups["beta"], S.WITHDRAWN),
        "gamma": submit(groups["gamma"], S.IN_REVIEW),
        "delta": submit(groups["delta"], S.DEFENDED),
    }
    submit(groups["alpha"], S.CHANGES_REQUESTED, number=0)  # an older one: the current is the latest

    assignment = AssignmentFactory(edition=edition)
    now = timezone.now()
    deadline = now + dt.timedelta(days=5)
    settings = AssignmentSettingsFactory(assignment=assignment, deadline=deadline)
    Extension.objects.create(assignment=assignment, group=None, deadline=now + dt.timedelta(days=6), reason="Coupure")
    Extension.objects.create(
        assignment=assignment, group=groups["beta"], deadline=now + dt.timedelta(days=8), reason="Malade"
    )
    templates = [SectionTemplateFactory(assignment=assignment, position=n) for n in (1, 2, 3)]
    assert SectionTemplate.objects.filter(assignment=assignment).count() == 3
    Section.objects.create(
        group=groups["alpha"], template=templates[0], words=100, status=Section.Status.DRAFTING,
        updated_at=now - dt.timedelta(hours=3),
    )  # fmt: skip
    Section.objects.create(
        group=groups["alpha"], template=templates[1], words=50, status=Section.Status.READY,
        updated_at=now - dt.timedelta(hours=1),
    )  # fmt: skip
    Section.objects.create(group=groups["alpha"], template=templates[2], words=0, status=Section.Status.TODO)

    one = juror_of(edition, "one@example.org")
    two = juror_of(edition, "two@example.org", Role.JURY_CHAIR)
    for juror, group in [(one, "alpha"), (one, "gamma"), (one, "beta"), (two, "alpha"), (two, "delta")]:
        ReviewAssignment.objects.create(juror=juror, group=groups[group])
    ConflictOfInterest.objects.create(
        juror=two, group=groups["delta"], kind=ConflictOfInterest.Kind.PERSONAL,
        status=ConflictOfInterest.Status.DECLARED,
    )  # fmt: skip
    Review.objects.create(submission=current["alpha"], juror=one, state=Review.State.SUBMITTED)
    Review.objects.create(submission=current["gamma"], juror=one, state=Review.State.DRAFT)

    members = list(Membership.objects.filter(edition=edition).select_related("user")[:3])
    for index, membership in enumerate(members):
        Certificate.objects.create(
            edition=edition, user=membership.user, full_name=str(membership.user),
            revoked_at=now if index == 2 else None,
        )  # fmt: skip
    assert settings.deadline == deadline
    return Crafted(edition, groups, {"one": one, "two": two}, deadline)


def sized_edition(edition: Edition, group_count: int) -> None:
    """`group_count` groups of 3 active members, each with 3 sections, a submission in review and two jurors'
    reviews: what makes each row of the dashboard cost something."""
    stakeholder_type = StakeholderTypeFactory(edition=edition)
    assignment = AssignmentFactory(edition=edition)
    AssignmentSettingsFactory(assignment=assignment, deadline=timezone.now() + dt.timedelta(days=3))
    templates = [SectionTemplateFactory(assignment=assignment, position=n) for n in (1, 2, 3)]
    jurors = [juror_of(edition, f"juror{n}.{group_count}@example.org") for n in range(2)]
    for index in range(group_count):
        group = group_with_members(edition, f"Groupe {index}", 3, stakeholder_type=stakeholder_type)
        for template in templates:
            Section.objects.create(group=group, template=template, words=10, status=Section.Status.DRAFTING,
                                   updated_at=timezone.now())  # fmt: skip
        Extension.objects.create(
            assignment=assignment, group=group, deadline=timezone.now() + dt.timedelta(days=4), reason="x"
        )
        submission = submit(group, S.IN_REVIEW)
        for juror in jurors:
            ReviewAssignment.objects.create(juror=juror, group=group)
            Review.objects.create(submission=submission, juror=juror, state=Review.State.DRAFT)
