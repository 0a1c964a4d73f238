"""Builders for the certificates' tests: participants with their course, attendance and group, jurors with what
they did. Rows are written directly: these tests read them, the services that write them have their own tests."""

import datetime as dt
from io import BytesIO

from pypdf import PdfReader

from cohorts.models import Attendance, AttendanceEvent, Enrolment, Role
from submissions.models import Criterion, DefenseScore, Review, Submission
from tests.factories import (
    EditionRoleFactory,
    EnrolmentFactory,
    GroupFactory,
    MembershipFactory,
    StakeholderTypeFactory,
    UserFactory,
)


def group_in(
    edition, name="Groupe Kati", *, submitted=True, stakeholder_fr="Secteur privé", stakeholder_en="Private Sector"
):
    stakeholder = StakeholderTypeFactory(edition=edition, name_fr=stakeholder_fr, name_en=stakeholder_en)
    group = GroupFactory(edition=edition, name=name, stakeholder_type=stakeholder)
    if submitted:
        submit(group)
    return group


def submit(group, state=Submission.State.SUBMITTED):
    number = group.submissions.count() + 1
    return Submission.objects.create(group=group, number=number, state=state, declaration="Nous déclarons.")


def participant_in(
    edition,
    email,
    *,
    first_name="Awa",
    last_name="Traoré",
    completed=True,
    completion_date=None,
    status=Enrolment.Status.ACTIVE,
    group=None,
    language="fr",
    enrolled=True,
):
    user = UserFactory(email=email, first_name=first_name, last_name=last_name, preferred_language=language)
    EditionRoleFactory(edition=edition, user=user, role=Role.PARTICIPANT)
    if enrolled:
        EnrolmentFactory(
            edition=edition, user=user, status=status, completed_course=completed, completion_date=completion_date
        )
    if group is not None:
        MembershipFactory(group=group, user=user)
    return user


def sessions(edition, count):
    return [
        AttendanceEvent.objects.create(edition=edition, title=f"Atelier {n}", date=dt.date(2023, 11, 20 + n))
        for n in range(count)
    ]


def attend(user, edition, events, present: int):
    """`user` marked present at the first `present` events, absent at the others."""
    enrolment = Enrolment.objects.get(edition=edition, user=user)
    for index, event in enumerate(events):
        Attendance.objects.create(event=event, enrolment=enrolment, present=index < present)


def juror_in(edition, email, *, role=Role.JUROR, first_name="Oumar", last_name="Sanogo", language="fr"):
    user = UserFactory(email=email, first_name=first_name, last_name=last_name, preferred_language=language)
    EditionRoleFactory(edition=edition, user=user, role=role)
    return user


def review_by(juror, group, state=Review.State.SUBMITTED):
    submission = group.submissions.first() or submit(group)
    return Review.objects.create(submission=submission, juror=juror, state=state)


def defense_score_by(juror, group):
    criterion = Criterion.objects.create(edition=group.edition, rubric=Criterion.Rubric.DEFENSE, name_fr="Clarté")
    return DefenseScore.objects.create(group=group, juror=juror, criterion=criterion, value=4)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def pdf_image_count(data: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(BytesIO(data)).pages)


def read_file(certificate) -> bytes:
    with certificate.file.open("rb") as handle:
        return handle.read()


def qr_modules(data: bytes) -> list[list[int]]:
    """The dark (1) and light (0) modules of the certificate's QR image, read from the PDF: the image is drawn
    without a border, every module the same number of pixels."""
    (image,) = [image for page in PdfReader(BytesIO(data)).pages for image in page.images]
    picture = image.image.convert("L")
    width, _height = picture.size
    size = next(n for n in range(21, 178, 4) if width % n == 0)  # QR sizes: 21, 25, ... 177 modules
    step = width // size
    return [
        [1 if picture.getpixel((x * step + step // 2, y * step + step // 2)) < 128 else 0 for x in range(size)]
        for y in range(size)
    ]
