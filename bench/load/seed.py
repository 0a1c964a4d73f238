"""The load test's data: one running edition, seeded through the project's own services, written to a world file.

    DATABASE_URL=postgres://.../malisig_load .venv/bin/python bench/load/seed.py WORLD.json --participants 200

Run by bench/load/run.py on a freshly migrated database (it refuses any database whose name lacks "load"). It seeds:

- the course results of every participant, imported from a French-Excel CSV (run_import), as organisers do;
- 2 organisers, a jury chair and 5 jurors; every account with a verified email and the same password;
- `participants` people in about 30 drafting groups (7 parts each, a few versions already written), placed and
  published as the group formation does; their workspace is open for two weeks;
- 10 more groups of 3 that finished: their document (all 7 parts and the presentation) is submitted and in review,
  each assigned to 3 of the 5 jurors (6 documents per juror).

The world file lists the accounts (email, role; for a participant, the part they mostly write) and the addresses
each role starts from, so the locustfile needs no Django.
"""

import argparse
import csv
import io
import json
import os
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "malisig.settings")

PASSWORD = "load-test-password-not-a-secret"
EMAIL_DOMAIN = "load.example"
DRAFTING_GROUP_SIZE = 200 / 30  # the 200 participants in about 30 groups
SUBMITTED_GROUPS = 10
SUBMITTED_GROUP_SIZE = 3
JURORS = 5
REVIEWERS_PER_DOCUMENT = 3
SEEDED_VERSIONS = 3  # each drafting part has a short history before the test starts
COURSE_HEADER = ["Prénom", "Nom", "Adresse de courriel", "Organisation", "Pays", "Genre", "Note finale"]
PARAGRAPH = (
    "La gouvernance de l'Internet au Mali repose sur une collaboration entre l'État, le secteur privé, la société "
    "civile et le milieu universitaire ; chacun apporte une expertise propre et défend des intérêts différents."
)


def refuse_unless_load_database() -> None:
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    if "load" not in name:
        sys.exit(f"load seed: refusing to seed {name!r}; the database name must contain 'load'")


def course_export(people: list[tuple[str, str, str]]) -> bytes:
    """The participants' course results, as the online course exports them (semicolons, Windows-1252)."""
    from malisig.demo import ORGANISATIONS

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COURSE_HEADER)
    for index, (first, last, email) in enumerate(people):
        grade = f"{12 + index % 8},{index % 10}"
        writer.writerow(
            [first, last, email, ORGANISATIONS[index % len(ORGANISATIONS)][0], "Mali", "FM"[index % 2], grade]
        )
    return buffer.getvalue().encode("cp1252")


def person(kind: str, index: int) -> tuple[str, str, str]:
    from malisig.demo import FIRST_NAMES, LAST_NAMES

    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    last = LAST_NAMES[(index * 7) % len(LAST_NAMES)]
    return first, last, f"{kind}{index:03d}@{EMAIL_DOMAIN}"


def account(email: str, first: str, last: str, password_hash: str):
    """The account of someone the import created (no password yet), or a new one; verified, with the password."""
    from cohorts.services.invitations import mark_email_verified
    from malisig.models import User

    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create(email=email, first_name=first, last_name=last)
    user.password = password_hash
    user.save(update_fields=["password"])
    mark_email_verified(user)
    return user


def staff_account(kind: str, index: int, password_hash: str):
    first, last, email = person(kind, index)
    return account(email, first, last, password_hash)


def create_edition():
    from django.utils import timezone

    from cohorts.models import Edition, Phase, School
    from malisig import demo

    today = timezone.localdate()
    school = School.objects.create(name="École malienne sur la gouvernance de l'Internet", acronym="MaliSIG",
                                   slug="malisig", country="Mali")  # fmt: skip
    edition = Edition.objects.create(
        school=school, slug="malisig-load", year=today.year, number=1, title=f"MaliSIG {today.year}",
        theme="Gouvernance de l'Internet et développement accéléré du numérique", venue="Bamako",
        starts_on=today - timedelta(days=60), ends_on=today + timedelta(days=20), status=Edition.Status.RUNNING,
        pass_mark=Decimal("10"),
    )  # fmt: skip
    timeline = [
        (Phase.Kind.ONLINE_COURSE, -60, -20),
        (Phase.Kind.WORKSHOP, -10, -9),
        (Phase.Kind.MASTERCLASSES, -8, -6),
        (Phase.Kind.GROUP_WORK, -5, 14),
        (Phase.Kind.DEFENSE, 20, 20),
    ]
    for kind, start, end in timeline:
        Phase.objects.create(edition=edition, kind=kind, starts_on=today + timedelta(days=start),
                             ends_on=today + timedelta(days=end))  # fmt: skip
    for index, (title_fr, title_en) in enumerate(demo.MASTERCLASSES):
        edition.masterclasses.create(
            title_fr=title_fr, title_en=title_en, speakers=demo.SPEAKERS[index], place="SIDAN",
            starts_at=timezone.now() - timedelta(days=8) + timedelta(hours=2 * index),
        )  # fmt: skip
    return edition


def create_assignment(edition, organiser):
    from django.utils import timezone

    from malisig import demo
    from submissions.models import Assignment, AssignmentSettings, Question
    from submissions.services.assignment import create_default_structure

    assignment = Assignment.objects.create(
        edition=edition, title_fr=demo.ASSIGNMENT_TITLE[0], title_en=demo.ASSIGNMENT_TITLE[1],
        statement_fr=demo.ASSIGNMENT_STATEMENT[0], statement_en=demo.ASSIGNMENT_STATEMENT[1],
    )  # fmt: skip
    for position, (text_fr, text_en, guidance_fr, guidance_en) in enumerate(demo.QUESTIONS, start=1):
        Question.objects.create(assignment=assignment, position=position, text_fr=text_fr, text_en=text_en,
                                guidance_fr=guidance_fr, guidance_en=guidance_en)  # fmt: skip
    AssignmentSettings.objects.create(
        assignment=assignment, opens_at=None, deadline=timezone.now() + timedelta(days=14)
    )
    create_default_structure(assignment, by=organiser)
    return assignment


def form_groups(edition, drafting: list, finished: list, organiser) -> tuple[list, list]:
    """Groups as the formation screen makes them: created per stakeholder type, people placed, coordinators named,
    then published. Returns (drafting groups, finished groups), each a list of (group, members in order)."""
    from django.db.models import F

    from groups import services as group_services
    from groups.defaults import DEFAULT_TYPES
    from groups.models import Membership
    from groups.services.setup import add_default_types, create_groups

    codes = [kind.code for kind in DEFAULT_TYPES]  # all five stakeholder types
    add_default_types(edition, by=organiser, codes=codes)
    wanted = max(1, round(len(drafting) / DRAFTING_GROUP_SIZE)) + SUBMITTED_GROUPS
    groups = create_groups(edition, per_type=-(-wanted // len(codes)), by=organiser)
    step = len(groups) // SUBMITTED_GROUPS  # the finished groups spread over the stakeholder types
    finished_groups = groups[::step][:SUBMITTED_GROUPS]
    drafting_groups = [group for group in groups if group not in finished_groups]
    drafting_count = len(drafting_groups)
    placed: list[tuple] = []
    for index, group in enumerate(drafting_groups):
        members = drafting[index::drafting_count]
        placed.append((group, members))
    for index, group in enumerate(finished_groups):
        members = finished[index * SUBMITTED_GROUP_SIZE : (index + 1) * SUBMITTED_GROUP_SIZE]
        placed.append((group, members))
    for group, members in placed:
        group_services.place(edition, [user.pk for user in members], group.pk, by=organiser)
        group_services.make_coordinator(edition, members[0].pk, by=organiser)
    # Seeding sends nobody a placement email: everyone counts as told about their group.
    Membership.objects.filter(edition=edition, notified_group=None).update(notified_group=F("group"))
    group_services.publish(edition, by=organiser)
    return placed[:drafting_count], placed[drafting_count:]


def paragraph(group_index: int, part: int, number: int) -> str:
    return f"<p>{PARAGRAPH}</p><p>Groupe {group_index + 1}, partie {part + 1} : version {number} du brouillon.</p>"


def write_drafts(drafting) -> None:
    """A few saved versions of every part, each by the member who writes it (the history has several authors)."""
    from submissions.services.workspace import ensure_sections, save_section

    for group_index, (group, members) in enumerate(drafting):
        for part, section in enumerate(ensure_sections(group)):
            author = members[part % len(members)]
            for number in range(1, SEEDED_VERSIONS + 1):
                save_section(section, paragraph(group_index, part, number), base_version=section.version, by=author)


def submit_finished(edition, finished, chair, jurors) -> None:
    """Every part written, the presentation uploaded, the document submitted, 3 jurors assigned, review started."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from submissions.documents import DocumentContent, SectionContent, build_presentation_starter
    from submissions.models import GroupFile
    from submissions.services.files import upload_file
    from submissions.services.jury import assign_juror
    from submissions.services.review import review_settings_for, start_review
    from submissions.services.submission import submit
    from submissions.services.workspace import ensure_sections, save_section

    review_settings_for(edition)
    for index, (group, members) in enumerate(finished):
        sections = ensure_sections(group)
        for part, section in enumerate(sections):
            save_section(section, paragraph(100 + index, part, 1), base_version=section.version,
                         by=members[part % len(members)])  # fmt: skip
        sections = ensure_sections(group)
        content = DocumentContent(
            edition_title=edition.title, school_name=edition.school.name, assignment_title=edition.assignment.tr.title,
            group_name=group.name, stakeholder=group.stakeholder_type.tr.name, members=None,
            sections=[SectionContent(str(s.pk), s.template.tr.title, s.html) for s in sections],
            generated_at=timezone.now(),
        )  # fmt: skip
        slides = ContentFile(build_presentation_starter(content), name="presentation.pptx")
        upload_file(group, slides, GroupFile.Role.PRESENTATION, by=members[0])
        submission = submit(group, by=members[0], declaration_accepted=True)
        for offset in range(REVIEWERS_PER_DOCUMENT):
            assign_juror(group, jurors[(index + offset) % len(jurors)], by=chair)
        start_review(submission, by=chair)


def seed(participants: int) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.urls import reverse

    from cohorts.importing.columns import guess_mapping
    from cohorts.models import Role
    from cohorts.services import activate_enrolment, grant_role
    from cohorts.services.imports import run_import

    password_hash = make_password(PASSWORD)  # hashing is slow on purpose: once for everyone
    with transaction.atomic():
        edition = create_edition()
        organisers = [staff_account("organiser", i, password_hash) for i in range(1, 3)]
        for organiser in organisers:
            grant_role(edition, organiser, Role.ORGANISER, by=None)
        organiser = organisers[0]
        chair = staff_account("chair", 1, password_hash)
        grant_role(edition, chair, Role.JURY_CHAIR, by=organiser)
        jurors = [staff_account("juror", i, password_hash) for i in range(1, JURORS + 1)]
        for juror in jurors:
            grant_role(edition, juror, Role.JUROR, by=organiser)
        create_assignment(edition, organiser)
        finished_count = SUBMITTED_GROUPS * SUBMITTED_GROUP_SIZE
        people = [person("participant", i) for i in range(1, participants + finished_count + 1)]
        run_import(edition, io.BytesIO(course_export(people)), mapping=guess_mapping(COURSE_HEADER), dry_run=False)
        users = []
        for first, last, email in people:
            user = account(email, first, last, password_hash)  # the import created it, without a password
            grant_role(edition, user, Role.PARTICIPANT, by=organiser)
            activate_enrolment(edition, user)  # as if they accepted the invitation sent after the import
            users.append(user)
        drafting, finished = form_groups(edition, users[:participants], users[participants:], organiser)
        write_drafts(drafting)
        submit_finished(edition, finished, chair, jurors)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics, as a database in use has them
    slug = edition.slug
    accounts = []
    for group, members in drafting:
        for position, member in enumerate(members):
            accounts.append({"role": "participant", "email": member.email, "group": group.pk, "part": position})
    accounts += [{"role": "juror", "email": juror.email} for juror in jurors]
    accounts += [{"role": "organiser", "email": organiser.email} for organiser in organisers]
    return {
        "password": PASSWORD,
        "edition": slug,
        "urls": {
            "login": reverse("account_login"),
            "home": reverse("home"),
            "edition": reverse("cohorts:edition_detail", kwargs={"slug": slug}),
            "my_workspace": reverse("submissions:my_workspace", kwargs={"slug": slug}),
            "juror_dashboard": reverse("submissions:juror_dashboard", kwargs={"slug": slug}),
            "import_start": reverse("cohorts:import_start", kwargs={"slug": slug}),
            "dashboard": reverse("cockpit:dashboard", kwargs={"slug": slug}),
            "roster": reverse("cohorts:roster", kwargs={"slug": slug}),
        },
        "accounts": accounts,
        "counts": {
            "participants": len(accounts) - len(jurors) - len(organisers),
            "drafting_groups": len(drafting),
            "submitted_groups": len(finished),
            "jurors": len(jurors),
            "organisers": len(organisers),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("world", type=Path, help="where to write the accounts and addresses (JSON)")
    parser.add_argument("--participants", type=int, default=200)
    args = parser.parse_args()
    django.setup()
    refuse_unless_load_database()
    world = seed(args.participants)
    args.world.write_text(json.dumps(world, indent=1), encoding="utf-8")
    print(json.dumps(world["counts"]))


if __name__ == "__main__":
    main()
