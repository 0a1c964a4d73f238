"""The permission matrix's world: one edition (A) with everything a URL of the project can point at, and another
edition (B) of the same school, so that every role of the matrix is a real person.

Edition A: groups "Secteur privé A" (group A: coordinator, member; its submission in review, with an image and an
attachment, and a later image that no submitted section shows; a juror assigned, another juror assigned but
conflicted) and "Gouvernement A" (group B: coordinator,
member; its document published, with an image), a jury chair, an organiser, a certificate of group A's member,
a draft message and a template, a report, an import job, a pending invitation, a masterclass with its attendance
session, a defense slot. Edition B: an organiser and a participant placed in a group.

Rows are written directly where a service is tested elsewhere; the documents go through the real workspace and
submit() services (tests/review/conftest.py) so that the snapshots look like the real thing.
"""

import datetime as dt
from dataclasses import dataclass, field
from io import BytesIO

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from cockpit.models import Certificate, Report
from cohorts.models import AttendanceEvent, ImportJob, Message, MessageTemplate, Role, Sponsor
from cohorts.services.invitations import invitation_token
from groups.models import Formation, Membership
from submissions.models import ConflictOfInterest, DefenseSlot, GroupFile, ReviewAssignment, Submission
from submissions.services import submission as submission_service
from submissions.services.workspace import ensure_sections, save_section
from tests.factories import (
    AssignmentFactory,
    AssignmentSettingsFactory,
    EditionFactory,
    EnrolmentFactory,
    GroupFactory,
    InvitationFactory,
    MasterclassFactory,
    MembershipFactory,
    SectionTemplateFactory,
    StakeholderTypeFactory,
    UserFactory,
)
from tests.review.conftest import person

ROLES = (
    "anonymous",
    "member",
    "other_member",
    "other_edition",
    "juror",
    "conflicted_juror",
    "chair",
    "organiser",
    "other_organiser",
    "staff",
)


@dataclass
class World:
    edition: object = None
    other_edition: object = None
    users: dict = field(default_factory=dict)  # role -> User (no "anonymous")
    kwargs: dict = field(default_factory=dict)  # URL argument name -> value pointing into edition A
    pks: dict = field(default_factory=dict)  # URL name -> its `pk` (a different model in each URL)
    file_pks: dict = field(default_factory=dict)  # URL name -> its `file_pk`, where not group A's image
    juror_pk: int = 0
    group_b_objects: dict = field(default_factory=dict)  # URL argument -> group B's object of that kind
    in_review_pk: int = 0  # group A's submission, not published
    group_a_image_pk: int = 0  # an image of group A's document, not published
    draft_image_pk: int = 0  # an image of group A's workspace that no submitted section shows


def png_bytes() -> bytes:
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (16, 12), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def _group_file(group, role, name, content_type, data, by):
    item = GroupFile(group=group, role=role, display_name=name, content_type=content_type, size=len(data),
                     uploaded_by=by)  # fmt: skip
    item.file.save(name, ContentFile(data), save=False)
    item.save()
    return item


def _document(group, coordinator):
    """Write every section (the first shows one of the group's images) and hand the document in."""
    image = _group_file(group, GroupFile.Role.IMAGE, "carte.png", "image/png", png_bytes(), coordinator)
    _group_file(group, GroupFile.Role.ATTACHMENT, "annexe.txt", "text/plain", b"Annexe.\n", coordinator)
    src = reverse("submissions:group_files", args=[group.edition.slug, group.pk]) + f"{image.pk}/"
    for index, section in enumerate(ensure_sections(group)):
        html = f"<p>{group.name}, partie {index + 1}.</p>"
        if index == 0:
            html += f'<p><img src="{src}" alt="Carte"></p>'
        save_section(section, html, base_version=section.version, by=coordinator)
    submission = submission_service.submit(group, by=coordinator, declaration_accepted=True)
    return submission, image


def _people_in_group(edition, group, prefix):
    coordinator = person(edition, f"{prefix}.coordinator@example.org", "Awa", "Traoré")
    MembershipFactory(group=group, user=coordinator, group_role=Membership.GroupRole.COORDINATOR)
    member = person(edition, f"{prefix}.member@example.org", "Sékou", "Keita")
    MembershipFactory(group=group, user=member)
    for user in (coordinator, member):
        EnrolmentFactory(edition=edition, user=user)
    return coordinator, member


def build_world() -> World:
    w = World()
    edition = w.edition = EditionFactory(slug="matrice-a", title="Matrice A", year=2024)
    other = w.other_edition = EditionFactory(slug="matrice-b", title="Matrice B", year=2023, school=edition.school)

    assignment = AssignmentFactory(edition=edition)
    for position in (1, 2):
        SectionTemplateFactory(assignment=assignment, position=position)
    AssignmentSettingsFactory(
        assignment=assignment,
        deadline=timezone.now() + dt.timedelta(days=2),
        late_cutoff=timezone.now() + dt.timedelta(days=3),
        presentation_required=False,
    )
    Formation.objects.create(edition=edition, published_at=timezone.now())
    private = StakeholderTypeFactory(edition=edition, code="secteur-prive", name_fr="Secteur privé", position=1)
    government = StakeholderTypeFactory(
        edition=edition, code="gouvernement", name_fr="Gouvernement", name_en="Government", position=2
    )
    group_a = GroupFactory(edition=edition, stakeholder_type=private, name="Secteur privé A")
    group_b = GroupFactory(edition=edition, stakeholder_type=government, name="Gouvernement A")
    coordinator_a, member_a = _people_in_group(edition, group_a, "a")
    coordinator_b, member_b = _people_in_group(edition, group_b, "b")

    juror = person(edition, "juror@example.org", "Oumar", "Sanogo", role=Role.JUROR, organisation="Université")
    conflicted = person(edition, "conflicted@example.org", "Mariam", "Coulibaly", role=Role.JUROR)
    chair = person(edition, "chair@example.org", "Présidente", "Jury", role=Role.JURY_CHAIR)
    organiser = person(edition, "organiser@example.org", "Kadiatou", "Dembélé", role=Role.ORGANISER)

    # Edition B: its organiser, and a participant in one of its groups.
    other_organiser = person(other, "organiser.b@example.org", "Ibrahim", "Touré", role=Role.ORGANISER)
    Formation.objects.create(edition=other, published_at=timezone.now())
    group_elsewhere = GroupFactory(
        edition=other, stakeholder_type=StakeholderTypeFactory(edition=other, code="gouvernement"), name="Groupe B"
    )
    elsewhere = person(other, "participant.b@example.org", "Binta", "Sidibé")
    MembershipFactory(group=group_elsewhere, user=elsewhere, group_role=Membership.GroupRole.COORDINATOR)

    staff = UserFactory(email="staff@example.org", is_staff=True)

    # Group A's document in review, its jury; group B's document published.
    submission_a, image_a = _document(group_a, coordinator_a)
    Submission.objects.filter(pk=submission_a.pk).update(state=Submission.State.IN_REVIEW)
    # An image uploaded after the submission: in the workspace, in no submitted section.
    draft_image = _group_file(group_a, GroupFile.Role.IMAGE, "brouillon.png", "image/png", png_bytes(), member_a)
    for someone in (juror, conflicted):
        ReviewAssignment.objects.create(group=group_a, juror=someone, assigned_by=chair)
    conflict = ConflictOfInterest.objects.create(
        juror=conflicted, group=group_a, kind=ConflictOfInterest.Kind.PERSONAL,
        status=ConflictOfInterest.Status.DECLARED, reason="Ma cousine est dans ce groupe.",
    )  # fmt: skip
    submission_b, image_b = _document(group_b, coordinator_b)
    Submission.objects.filter(pk=submission_b.pk).update(state=Submission.State.PUBLISHED)
    DefenseSlot.objects.create(edition=edition, group=group_a, position=1)
    DefenseSlot.objects.create(edition=edition, group=group_b, position=2)

    # The cockpit's objects.
    certificate = Certificate.objects.create(
        edition=edition, user=member_a, full_name="Sékou Keita", issued_by=organiser
    )
    certificate.file.save("attestation.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    report = Report.objects.create(
        edition=edition, kind=Report.Kind.PROCEEDINGS, format=Report.Format.PDF, version_key="matrice",
        requested_by=organiser,
    )  # fmt: skip
    report.file.save("actes.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    template = MessageTemplate.objects.create(edition=edition, name="Bienvenue", subject_fr="Bienvenue",
                                              body_fr="Bonjour {prenom}.")  # fmt: skip
    message = Message.objects.create(edition=edition, subject_fr="Rappel", body_fr="Bonjour.", created_by=organiser)

    # Cohorts' objects.
    job = ImportJob(edition=edition, created_by=organiser, original_name="resultats.csv",
                    status=ImportJob.Status.PREVIEWED, headers=["email"], mapping={"email": "email"})  # fmt: skip
    job.file.save("resultats.csv", ContentFile(b"email\nnew@example.org\n"), save=False)
    job.save()
    invitation = InvitationFactory(edition=edition, email="invitee@example.org", invited_by=organiser)
    masterclass = MasterclassFactory(edition=edition)
    sponsor = Sponsor(edition=edition, name="Mécène")
    sponsor.logo.save("logo.png", ContentFile(png_bytes()))
    event = AttendanceEvent.objects.create(edition=edition, title="Atelier", date=timezone.localdate())

    w.users = {
        "member": member_a,
        "other_member": member_b,
        "other_edition": elsewhere,
        "juror": juror,
        "conflicted_juror": conflicted,
        "chair": chair,
        "organiser": organiser,
        "other_organiser": other_organiser,
        "staff": staff,
    }
    w.kwargs = {
        "slug": edition.slug,
        "school_slug": edition.school.slug,
        "token": invitation_token(invitation),
        "group_pk": group_a.pk,
        "section_pk": ensure_sections(group_a)[0].pk,
        "number": submission_a.number,
        "file_pk": image_a.pk,
        "conflict_pk": conflict.pk,
        "event_pk": event.pk,
        "kind": "docx",
        "code": certificate.code,
        "uidb36": "1",
        "key": "x",
        # Admin addresses: any object (non-staff are sent to the login before any lookup).
        "object_id": str(edition.pk),
        "id": str(organiser.pk),
        "content_type_id": "1",
        "app_label": "cohorts",
        "url": "nowhere/",
    }
    w.juror_pk = juror.pk
    w.in_review_pk = submission_a.pk
    w.group_a_image_pk = image_a.pk
    w.draft_image_pk = draft_image.pk
    w.group_b_objects = {
        "section_pk": ensure_sections(group_b)[0].pk,
        "file_pk": image_b.pk,
        "submissions:review_file": submission_b.files.get(group_file__role=GroupFile.Role.ATTACHMENT).pk,
    }
    w.pks = {
        "cohorts:settings_materials": masterclass.pk,
        "cohorts:sponsor_logo": sponsor.pk,
        "cohorts:import_detail": job.pk,
        "cohorts:import_mapping": job.pk,
        "cohorts:import_apply": job.pk,
        "cohorts:import_rejected_csv": job.pk,
        "cohorts:participant_profile": member_a.enrolments.get(edition=edition).pk,
        "cohorts:participant_transition": member_a.enrolments.get(edition=edition).pk,
        "submissions:publish_one": submission_a.pk,
        "submissions:published_detail": submission_b.pk,
        "submissions:published_pdf": submission_b.pk,
        "submissions:published_image": submission_b.pk,
        "groups:group_detail": group_a.pk,
        "cockpit:message_template_edit": template.pk,
        "cockpit:message_detail": message.pk,
        "cockpit:message_edit": message.pk,
        "cockpit:certificate_revoke": certificate.pk,
        "cockpit:certificate_download": certificate.pk,
        "cockpit:report_download": report.pk,
    }
    w.file_pks = {
        "submissions:review_file": submission_a.files.get(group_file__role=GroupFile.Role.ATTACHMENT).pk,
        "submissions:published_image": image_b.pk,
    }
    return w
