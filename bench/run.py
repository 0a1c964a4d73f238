"""The performance benchmark: SQL queries and latency of each main page, at two scales, next to a floor.

    .venv/bin/python bench/run.py
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/malisig_bench .venv/bin/python bench/run.py

It rebuilds its own database (bench/bench.sqlite3, or BENCH_DATABASE_URL), seeds a small and a large
scale, requests every page of PAGES in-process as the page's role, then prints tables and writes
bench/results.json. Targets: each page makes the same number of queries at both scales, and each page's
p95 stays within 3x the floor (the help page: the base layout and nothing else). It reports and exits 0
whether the targets are met or not; it stops with an error only when a page does not answer as expected.

To add a page: one `Page(...)` line in PAGES. To add a write: one `Operation(...)` in OPERATIONS.
"""

import gc
import itertools
import json
import logging
import math
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import django

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = PROJECT_ROOT / "bench"
SQLITE_PATH = BENCH_DIR / "bench.sqlite3"
RESULTS_PATH = BENCH_DIR / "results.json"
BENCH_HOST = "127.0.0.1"


def configure_environment() -> str:
    """Point the settings at the bench's database, in production mode; returns the database URL.

    It must run before django.setup(): the settings module reads the environment once, at import.
    """
    database_url = os.environ.get("BENCH_DATABASE_URL", "").strip() or f"sqlite:///{SQLITE_PATH}"
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "malisig.settings"
    # No broker: Celery tasks run eagerly, inside the request that queues them, so they are measured.
    os.environ.pop("REDIS_URL", None)
    # Measure what production runs: DEBUG logs every query and keeps template debug data, which slows
    # query-heavy pages more than the floor and would blur the ratio.
    os.environ["DEBUG"] = "False"
    os.environ["SECRET_KEY"] = "bench-only-key-never-used-outside-the-benchmark-0123456789abcdef"
    os.environ["ALLOWED_HOSTS"] = BENCH_HOST
    os.environ["SECURE_SSL_REDIRECT"] = "False"  # requests are made in-process, over plain HTTP
    os.environ["LOG_LEVEL"] = "WARNING"  # services log each invitation at INFO: keep the report readable
    return database_url


sys.path.insert(0, str(PROJECT_ROOT))
DATABASE_URL = configure_environment()
django.setup()

import dj_database_url  # noqa: E402
from autosave import autosave_table, measure_autosave, measure_page_weight  # noqa: E402 - bench/autosave.py
from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from documents import seed_documents  # noqa: E402 - bench/documents.py
from group_assignment import groups_table, measure_group_assignment  # noqa: E402 - bench/group_assignment.py
from imports import imports_table, measure_imports  # noqa: E402 - bench/imports.py, beside this script
from review import measure_review, review_table  # noqa: E402 - bench/review.py

from cohorts.models import (  # noqa: E402
    Attendance,
    AttendanceEvent,
    Edition,
    EditionRole,
    Enrolment,
    Invitation,
    Masterclass,
    Phase,
    Profile,
    Role,
    School,
)
from groups.models import Formation as GroupFormation  # noqa: E402
from groups.models import Group, Membership, StakeholderType  # noqa: E402
from groups.services.setup import default_types  # noqa: E402
from malisig import demo  # noqa: E402
from malisig.models import User  # noqa: E402
from submissions.models import Assignment, Question, Section, SectionVersion  # noqa: E402


def _load_bench_module(name: str):
    """bench/<name>.py under another module name: bench/cockpit.py would otherwise shadow the cockpit app."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench_cockpit = _load_bench_module("cockpit")

WARMUP_REQUESTS = 5
TIMED_REQUESTS = 50
P95_LIMIT_TIMES_FLOOR = 3.0
BATCH_SIZE = 2_000
EMAIL_DOMAIN = "bench.example"
BENCH_PASSWORD = "bench-password-not-a-secret"
LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"

ROLES = ("anonymous", "participant", "juror", "jury_chair", "organiser", "staff")


# ---------------------------------------------------------------------------
# Scales: what each one seeds
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Scale:
    name: str
    editions: int
    participants_per_edition: int
    groups_per_edition: int
    invitations_per_other_edition: int


SCALES = (
    Scale("small", editions=1, participants_per_edition=50, groups_per_edition=3, invitations_per_other_edition=0),
    Scale(
        "large", editions=10, participants_per_edition=1_000, groups_per_edition=30, invitations_per_other_edition=500
    ),
)
ORGANISERS_PER_EDITION = 2
JURORS_PER_EDITION = 3  # the first one chairs the jury
# The measured edition has the same invitations at both scales, so its list renders the same rows.
INVITATIONS_IN_MEASURED_EDITION = 50
MEASURED_EDITION_NUMBER = 1
# Cycled over an edition's invitations: 40% accepted, 40% pending, 10% expired, 10% revoked.
INVITATION_OUTCOMES = ("accepted",) * 4 + ("pending",) * 4 + ("expired", "revoked")
# Days from today: the edition is half-way, so its pages show past, current and upcoming phases.
PHASE_DAYS = [
    (Phase.Kind.ONLINE_COURSE, -60, -20),
    (Phase.Kind.WORKSHOP, -10, -9),
    (Phase.Kind.MASTERCLASSES, -8, -6),
    (Phase.Kind.GROUP_WORK, -5, 5),
    (Phase.Kind.DEFENSE, 10, 10),
]


@dataclass
class World:
    """What the pages need from the seeded data: the measured edition and one user per role (None: anonymous)."""

    edition_slug: str
    users: dict[str, User | None]
    enrolment_pk: int = 0
    attendance_event_pk: int = 0
    group_pk: int = 0
    section_pk: int = 0
    school_slug: str = "benchsig"


# ---------------------------------------------------------------------------
# Pages and operations: later issues add theirs here
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Page:
    """A page requested with GET as `role`; it must answer 200."""

    name: str
    role: str
    url: Callable[[World], str]


@dataclass(frozen=True)
class Operation:
    """A write, repeated like a page and measured the same way (queries, median, p95).

    `perform(client, world, iteration)` makes the request and returns the response. It runs many times on
    the same data, so it must not depend on an earlier run: use `iteration` (unique within a scale) to
    make fresh input, e.g. a new email address. Operations run after every page, so their writes never
    change what a page renders.
    """

    name: str
    role: str
    perform: Callable[[Client, World, int], HttpResponse]
    expected_status: int


def site_url(name: str) -> Callable[[World], str]:
    return lambda world: reverse(name)


def edition_url(name: str, query: str = "") -> Callable[[World], str]:
    return lambda world: reverse(name, kwargs={"slug": world.edition_slug}) + query


def group_url(name: str) -> Callable[[World], str]:
    return lambda world: reverse(name, kwargs={"slug": world.edition_slug, "group_pk": world.group_pk})


def section_url(name: str) -> Callable[[World], str]:
    return lambda world: reverse(
        name, kwargs={"slug": world.edition_slug, "group_pk": world.group_pk, "section_pk": world.section_pk}
    )


FLOOR = Page("help (floor)", "participant", site_url("help"))

PAGES = [
    *[Page("home", role, site_url("home")) for role in ROLES],
    Page("login", "anonymous", site_url("account_login")),
    Page("healthz", "anonymous", site_url("healthz")),
    Page("edition detail", "participant", edition_url("cohorts:edition_detail")),
    Page("edition detail", "juror", edition_url("cohorts:edition_detail")),
    Page("edition detail", "organiser", edition_url("cohorts:edition_detail")),
    Page("assignment", "participant", edition_url("submissions:assignment_detail")),
    Page("assignment", "juror", edition_url("submissions:assignment_detail")),
    Page("invitation list", "organiser", edition_url("cohorts:invitation_list")),
    Page("invitation form", "organiser", edition_url("cohorts:invitation_create")),
    # Issue 3: enrolment. The measured edition's roster holds the whole course export (10,000 people large).
    Page("roster", "organiser", edition_url("cohorts:roster")),
    Page("roster search", "organiser", edition_url("cohorts:roster", "?q=traore")),
    Page("roster not admitted", "organiser", edition_url("cohorts:roster", "?status=candidate&sort=-grade")),
    Page(
        "participant profile",
        "organiser",
        lambda world: reverse(
            "cohorts:participant_profile", kwargs={"slug": world.edition_slug, "pk": world.enrolment_pk}
        ),
    ),
    Page("attendance sessions", "organiser", edition_url("cohorts:attendance_list")),
    Page(
        "attendance checklist",
        "organiser",
        lambda world: reverse(
            "cohorts:attendance_take", kwargs={"slug": world.edition_slug, "event_pk": world.attendance_event_pk}
        ),
    ),
    Page("import upload", "organiser", edition_url("cohorts:import_start")),
    Page("edition settings", "organiser", edition_url("cohorts:edition_settings")),
    Page("my profile", "participant", site_url("cohorts:my_profile")),
    Page("public edition", "anonymous", edition_url("cohorts:edition_public")),
    # Issue 4: groups. The measured edition has 1,000 participants large, one in ten without a group.
    Page("group formation", "organiser", edition_url("groups:formation")),
    Page("group formation search", "organiser", edition_url("groups:formation", "?q=traore")),
    Page("automatic assignment preview", "organiser", edition_url("groups:automatic", "?mode=other&seed=7")),
    Page("group settings", "organiser", edition_url("groups:group_settings")),
    Page(
        "group page",
        "organiser",
        lambda world: reverse("groups:group_detail", kwargs={"slug": world.edition_slug, "pk": world.group_pk}),
    ),
    Page("my group", "participant", edition_url("groups:my_group")),
    Page(
        "public school",
        "anonymous",
        lambda world: reverse("cohorts:school_public", kwargs={"school_slug": world.school_slug}),
    ),
    # Issue 5: the group's document. Every group of every edition has 7 sections x 50 versions (large: 300 groups).
    Page("workspace", "participant", group_url("submissions:workspace")),
    Page("section history", "participant", section_url("submissions:section_history")),
]


def invite_someone(client: Client, world: World, iteration: int) -> HttpResponse:
    """An organiser sends an invitation; the email task runs eagerly, inside the request."""
    form = {"email": f"operation{iteration:05d}@{EMAIL_DOMAIN}", "role": Role.PARTICIPANT, "language": "fr"}
    return client.post(reverse("cohorts:invitation_create", kwargs={"slug": world.edition_slug}), form)


OPERATIONS = [
    Operation("invite", "organiser", invite_someone, expected_status=302),
]


# ---------------------------------------------------------------------------
# Database: the bench's own, rebuilt at every run
# ---------------------------------------------------------------------------
def refuse_unless_bench_database(name: str) -> None:
    # The run deletes this database: a mistyped BENCH_DATABASE_URL must not wipe a real one.
    if "bench" not in Path(name).name:
        sys.exit(f"bench: refusing to rebuild {name!r}; the database name must contain 'bench'")


def recreate_database(database_url: str) -> None:
    scheme = urlsplit(database_url).scheme
    name = dj_database_url.parse(database_url)["NAME"]
    refuse_unless_bench_database(str(name))
    if scheme == "sqlite":
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)
    elif scheme in ("postgres", "postgresql"):
        recreate_postgres_database(database_url, str(name))
    else:
        sys.exit("bench: BENCH_DATABASE_URL must be a postgres:// or sqlite:// URL")
    call_command("migrate", interactive=False, verbosity=0)


def recreate_postgres_database(database_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    # CREATE/DROP DATABASE cannot run in a transaction, nor while connected to that database.
    with psycopg.connect(make_conninfo(database_url, dbname="postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def empty_database() -> None:
    call_command("flush", interactive=False, verbosity=0)
    cache.clear()


def analyse_tables() -> None:
    # A real database has planner statistics; freshly bulk-loaded tables have none until autovacuum runs,
    # which would make query plans, hence latencies, depend on timing.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def database_description() -> str:
    version = ".".join(str(part) for part in connection.get_database_version())
    return f"{connection.display_name} {version}"


# ---------------------------------------------------------------------------
# Seeding: bulk inserts, one password hash for everyone
# ---------------------------------------------------------------------------
def seed(scale: Scale) -> World:
    password_hash = make_password(BENCH_PASSWORD)  # hashing is slow on purpose: do it once
    with transaction.atomic():
        school = School.objects.create(name="École benchmark", acronym="BenchSIG", slug="benchsig", country="Mali")
        staff = User.objects.create(
            email=f"staff@{EMAIL_DOMAIN}", password=password_hash, first_name="Awa", is_staff=True, is_superuser=True
        )
        measured = {}
        other_editions_participants: list[User] = []
        for number in range(1, scale.editions + 1):
            people = seed_edition(school, number, scale, password_hash)
            participants = people.pop("participants")
            if number == MEASURED_EDITION_NUMBER:
                measured = people
            else:
                other_editions_participants += participants
        measured_edition = Edition.objects.get(slug=edition_slug(MEASURED_EDITION_NUMBER))
        seed_course_learners(measured_edition, other_editions_participants)
        enrolment_pk = Enrolment.objects.get(edition=measured_edition, user=measured["participant"]).pk
        event_pk = seed_attendance(measured_edition)
        group_pk = Group.objects.filter(edition=measured_edition).order_by("pk").values_list("pk", flat=True)[0]
        seed_documents()
        section_pk = (
            Section.objects.filter(group_id=group_pk).order_by("template__position").values_list("pk", flat=True)[0]
        )
    analyse_tables()
    return World(
        edition_slug=edition_slug(MEASURED_EDITION_NUMBER),
        users={"anonymous": None, "staff": staff, **measured},
        enrolment_pk=enrolment_pk,
        attendance_event_pk=event_pk,
        group_pk=group_pk,
        section_pk=section_pk,
    )


def edition_slug(number: int) -> str:
    return f"bench-{number:02d}"


def seed_edition(school: School, number: int, scale: Scale, password_hash: str) -> dict[str, User]:
    """One edition with its timeline, assignment, people, groups and invitations; returns who is measured."""
    edition = create_edition(school, number)
    seed_timeline(edition)
    seed_assignment(edition)
    organisers = create_users("organiser", number, ORGANISERS_PER_EDITION, password_hash)
    jurors = create_users("juror", number, JURORS_PER_EDITION, password_hash)
    participants = create_users("participant", number, scale.participants_per_edition, password_hash)
    chair, members_of_jury = jurors[0], jurors[1:]
    grant_roles(edition, organisers, Role.ORGANISER, granted_by=None)
    grant_roles(edition, [chair], Role.JURY_CHAIR, granted_by=organisers[0])
    grant_roles(edition, members_of_jury, Role.JUROR, granted_by=organisers[0])
    grant_roles(edition, participants, Role.PARTICIPANT, granted_by=organisers[0])
    seed_groups(edition, participants, scale.groups_per_edition)
    seed_enrolments(edition, participants, status=Enrolment.Status.ACTIVE)
    measured_edition = number == MEASURED_EDITION_NUMBER
    invitation_count = INVITATIONS_IN_MEASURED_EDITION if measured_edition else scale.invitations_per_other_edition
    seed_invitations(edition, invitation_count, inviter=organisers[0], participants=participants)
    return {
        "organiser": organisers[0],
        "jury_chair": chair,
        "juror": members_of_jury[0],
        "participant": participants[0],
        "participants": participants,
    }


UNASSIGNED_EVERY = 10
GENDERS = ("female", "male")
ORGANISATIONS = ("Orange Mali", "AMRTP", "AGETIC", "ISOC Mali", "USTTB", "Ecobank Mali", "Studio Tamani")


def seed_enrolments(edition: Edition, users: list[User], *, status: str) -> None:
    """Each person with a profile (once) and an enrolment, as the course import leaves them."""
    Profile.objects.bulk_create(
        (
            Profile(
                user=user,
                gender=GENDERS[index % 2],
                country="Mali",
                organisation=ORGANISATIONS[index % len(ORGANISATIONS)],
            )
            for index, user in enumerate(users)
        ),
        batch_size=BATCH_SIZE,
        ignore_conflicts=True,
    )
    eligible = status != Enrolment.Status.CANDIDATE
    Enrolment.objects.bulk_create(
        (
            Enrolment(
                edition=edition,
                user=user,
                status=status,
                eligible=eligible,
                eligibility_reason="" if eligible else "grade 8 is below the pass mark 10",
                grade=Decimal(12 if eligible else 8) + Decimal(index % 8) / 4,
            )
            for index, user in enumerate(users)
        ),
        batch_size=BATCH_SIZE,
    )


def seed_course_learners(edition: Edition, learners: list[User]) -> None:
    """The measured edition's course export listed every learner: those of other editions are not admitted."""
    seed_enrolments(edition, learners, status=Enrolment.Status.CANDIDATE)


def seed_attendance(edition: Edition) -> int:
    """Two workshop days, the first with every active participant marked present; returns the first's id."""
    day_one, _day_two = AttendanceEvent.objects.bulk_create(
        AttendanceEvent(
            edition=edition, title=f"Atelier, jour {day}", date=timezone.localdate() - timedelta(days=10 - day)
        )
        for day in (1, 2)
    )
    active = Enrolment.objects.filter(edition=edition, status=Enrolment.Status.ACTIVE)
    Attendance.objects.bulk_create(
        (Attendance(event=day_one, enrolment=enrolment, present=True) for enrolment in active.iterator()),
        batch_size=BATCH_SIZE,
    )
    return day_one.pk


def create_edition(school: School, number: int) -> Edition:
    today = timezone.localdate()
    year = today.year - (number - 1)  # edition 1 is the newest, as it would be in real use
    return Edition.objects.create(
        school=school,
        slug=edition_slug(number),
        year=year,
        number=number,
        title=f"BenchSIG {year}",
        theme="Gouvernance de l'Internet et développement accéléré du numérique",
        venue="Bamako",
        starts_on=today + timedelta(days=PHASE_DAYS[0][1]),
        ends_on=today + timedelta(days=PHASE_DAYS[-1][2]),
        status=Edition.Status.RUNNING,
    )


def seed_timeline(edition: Edition) -> None:
    today = timezone.localdate()
    Phase.objects.bulk_create(
        Phase(edition=edition, kind=kind, starts_on=today + timedelta(days=start), ends_on=today + timedelta(days=end))
        for kind, start, end in PHASE_DAYS
    )
    first_session = timezone.now() + timedelta(days=PHASE_DAYS[2][1])
    Masterclass.objects.bulk_create(
        Masterclass(
            edition=edition,
            title_fr=title_fr,
            title_en=title_en,
            speakers=speaker,
            starts_at=first_session + timedelta(hours=2 * index),
            place="SIDAN",
        )
        for index, ((title_fr, title_en), speaker) in enumerate(zip(demo.MASTERCLASSES, demo.SPEAKERS, strict=True))
    )


def seed_assignment(edition: Edition) -> None:
    assignment = Assignment.objects.create(
        edition=edition,
        title_fr=demo.ASSIGNMENT_TITLE[0],
        title_en=demo.ASSIGNMENT_TITLE[1],
        statement_fr=demo.ASSIGNMENT_STATEMENT[0],
        statement_en=demo.ASSIGNMENT_STATEMENT[1],
    )
    Question.objects.bulk_create(
        Question(
            assignment=assignment,
            position=position,
            text_fr=text_fr,
            text_en=text_en,
            guidance_fr=g_fr,
            guidance_en=g_en,
        )
        for position, (text_fr, text_en, g_fr, g_en) in enumerate(demo.QUESTIONS, start=1)
    )


def create_users(kind: str, edition_number: int, count: int, password_hash: str) -> list[User]:
    users = [
        User(
            email=f"{kind}{index:05d}.e{edition_number:02d}@{EMAIL_DOMAIN}",
            first_name=demo.FIRST_NAMES[index % len(demo.FIRST_NAMES)],
            last_name=demo.LAST_NAMES[(index * 7) % len(demo.LAST_NAMES)],
            password=password_hash,
        )
        for index in range(1, count + 1)
    ]
    return User.objects.bulk_create(users, batch_size=BATCH_SIZE)


def grant_roles(edition: Edition, users: list[User], role: str, granted_by: User | None) -> None:
    EditionRole.objects.bulk_create(
        (EditionRole(edition=edition, user=user, role=role, granted_by=granted_by) for user in users),
        batch_size=BATCH_SIZE,
    )


def seed_groups(edition: Edition, participants: list[User], group_count: int) -> None:
    """The default stakeholder types and groups over them; nine participants in ten dealt round-robin (the first
    of each group coordinates), the tenth left for the formation screen's unassigned list; groups published."""
    stakeholder_types = StakeholderType.objects.bulk_create(default_types(edition))
    plays = [stakeholder_types[index % len(stakeholder_types)] for index in range(group_count)]
    groups = Group.objects.bulk_create(
        Group(edition=edition, stakeholder_type=plays[index], name=f"{plays[index].name_fr} {index + 1}")
        for index in range(group_count)
    )
    Membership.objects.bulk_create(
        (
            Membership(
                edition=edition,
                group=groups[index % group_count],
                user=participant,
                group_role=Membership.GroupRole.COORDINATOR if index < group_count else Membership.GroupRole.MEMBER,
                notified_group=groups[index % group_count],
            )
            for index, participant in enumerate(participants)
            if index % UNASSIGNED_EVERY != UNASSIGNED_EVERY - 1
        ),
        batch_size=BATCH_SIZE,
    )
    GroupFormation.objects.create(edition=edition, published_at=timezone.now())


def seed_invitations(edition: Edition, count: int, *, inviter: User, participants: list[User]) -> None:
    now = timezone.now()
    Invitation.objects.bulk_create(
        (build_invitation(edition, index, now, inviter, participants) for index in range(count)), batch_size=BATCH_SIZE
    )


def build_invitation(
    edition: Edition, index: int, now: datetime, inviter: User, participants: list[User]
) -> Invitation:
    """The index-th invitation of an edition; accepted ones were accepted by a participant of that edition."""
    outcome = INVITATION_OUTCOMES[index % len(INVITATION_OUTCOMES)]
    created_at = now - timedelta(hours=index + 1)
    invitation = Invitation(
        edition=edition,
        email=f"invitee{index:05d}.e{edition.number:02d}@{EMAIL_DOMAIN}",
        role=Role.PARTICIPANT,
        invited_by=inviter,
        created_at=created_at,
        sent_at=created_at,
        expires_at=created_at + timedelta(days=settings.INVITATION_MAX_AGE_DAYS),
    )
    if outcome == "accepted":
        invitee = participants[index % len(participants)]
        invitation.email = invitee.email
        invitation.first_name = invitee.first_name
        invitation.last_name = invitee.last_name
        invitation.accepted_by = invitee
        invitation.accepted_at = created_at + timedelta(hours=1)
    elif outcome == "expired":
        invitation.expires_at = now - timedelta(days=1)
    elif outcome == "revoked":
        invitation.revoked_at = created_at + timedelta(hours=1)
    return invitation


def row_counts() -> dict[str, int]:
    models = {
        "users": User,
        "editions": Edition,
        "edition roles": EditionRole,
        "groups": Group,
        "memberships": Membership,
        "invitations": Invitation,
        "enrolments": Enrolment,
        "attendance marks": Attendance,
        "sections": Section,
        "section versions": SectionVersion,
    }
    return {name: model.objects.count() for name, model in models.items()}


# ---------------------------------------------------------------------------
# Measuring: in-process requests, timed one by one
# ---------------------------------------------------------------------------
@dataclass
class Result:
    name: str
    role: str
    path: str
    queries: int
    median_ms: float
    p95_ms: float


def clients_by_role(world: World) -> dict[str, Client]:
    clients = {}
    for role, user in world.users.items():
        client = Client(HTTP_HOST=BENCH_HOST)
        if user is not None:
            client.force_login(user, backend=LOGIN_BACKEND)
        clients[role] = client
    return clients


def expect_status(name: str, role: str, response: HttpResponse, expected: int) -> None:
    if response.status_code != expected:
        where = response.get("Location", "")
        sys.exit(
            f"bench: {name} as {role} ({response.request['PATH_INFO']}) answered {response.status_code}, "
            f"expected {expected}{f' (redirect to {where})' if where else ''}"
        )


def timed(request: Callable[[], HttpResponse]) -> tuple[float, HttpResponse]:
    started = time.perf_counter()
    response = request()
    return time.perf_counter() - started, response


def count_queries(request: Callable[[], HttpResponse]) -> tuple[int, HttpResponse]:
    # Counts every query whatever DEBUG says: the context forces the debug cursor while it is open.
    with CaptureQueriesContext(connection) as captured:
        response = request()
    return len(captured.captured_queries), response


def percentile_95(seconds: list[float]) -> float:
    ordered = sorted(seconds)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]  # nearest rank: a latency that was really observed


def summarise(name: str, role: str, path: str, queries: int, seconds: list[float]) -> Result:
    return Result(
        name=name,
        role=role,
        path=path,
        queries=queries,
        median_ms=round(statistics.median(seconds) * 1000, 3),
        p95_ms=round(percentile_95(seconds) * 1000, 3),
    )


def measure_pages(world: World, clients: dict[str, Client]) -> tuple[Result, list[Result]]:
    """The floor and every page, timed in rounds: each round requests each page once.

    Interleaving spreads drift (CPU frequency, garbage collection, database caches) over every page and
    the floor alike, instead of penalising whichever page happened to run during it.
    """
    targets = [FLOOR, *PAGES]
    paths = [page.url(world) for page in targets]

    def get(index: int) -> HttpResponse:
        page = targets[index]
        response = clients[page.role].get(paths[index])
        expect_status(page.name, page.role, response, 200)
        return response

    for _round in range(WARMUP_REQUESTS):
        for index in range(len(targets)):
            get(index)
    gc.collect()
    seconds: list[list[float]] = [[] for _ in targets]
    for _round in range(TIMED_REQUESTS):
        for index, page in enumerate(targets):
            elapsed, response = timed(lambda page=page, index=index: clients[page.role].get(paths[index]))
            expect_status(page.name, page.role, response, 200)
            seconds[index].append(elapsed)
    queries = [count_queries(lambda index=index: get(index))[0] for index in range(len(targets))]
    results = [
        summarise(page.name, page.role, path, count, samples)
        for page, path, count, samples in zip(targets, paths, queries, seconds, strict=True)
    ]
    return results[0], results[1:]


def measure_operations(world: World, clients: dict[str, Client]) -> list[Result]:
    iterations = itertools.count(1)
    return [measure_operation(operation, world, clients[operation.role], iterations) for operation in OPERATIONS]


def measure_operation(operation: Operation, world: World, client: Client, iterations: itertools.count) -> Result:
    def perform() -> HttpResponse:
        response = operation.perform(client, world, next(iterations))
        expect_status(operation.name, operation.role, response, operation.expected_status)
        return response

    for _ in range(WARMUP_REQUESTS):
        perform()
    gc.collect()
    seconds = [timed(perform)[0] for _ in range(TIMED_REQUESTS)]
    queries, response = count_queries(perform)
    return summarise(operation.name, operation.role, response.request["PATH_INFO"], queries, seconds)


# ---------------------------------------------------------------------------
# One scale, end to end
# ---------------------------------------------------------------------------
@dataclass
class ScaleRun:
    scale: Scale
    seed_seconds: float
    rows: dict[str, int]
    floor: Result
    pages: list[Result]
    operations: list[Result]
    world: World | None = None


def run_scale(scale: Scale) -> ScaleRun:
    empty_database()
    started = time.perf_counter()
    world = seed(scale)
    seed_seconds = round(time.perf_counter() - started, 2)
    rows = row_counts()
    print(f"\n## {scale.name}: seeded in {seed_seconds:.1f} s", flush=True)
    print(", ".join(f"{count:,} {name}" for name, count in rows.items()), flush=True)
    clients = clients_by_role(world)
    floor, pages = measure_pages(world, clients)
    operations = measure_operations(world, clients)
    run = ScaleRun(scale, seed_seconds, rows, floor, pages, operations, world)
    print(scale_table(run), flush=True)
    return run


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------
def markdown_table(headers: list[str], rows: list[list[object]]) -> str:
    cells = [headers, *[[str(cell) for cell in row] for row in rows]]
    widths = [max(len(row[column]) for row in cells) for column in range(len(headers))]
    lines = [
        "| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + " |" for row in cells
    ]
    lines.insert(1, "|" + "|".join("-" * (width + 2) for width in widths) + "|")
    return "\n".join(lines)


def ms(value: float) -> str:
    return f"{value:.2f}"


def times(value: float) -> str:
    return f"{value:.1f}x"


def scale_table(run: ScaleRun) -> str:
    headers = ["page", "role", "path", "queries", "median ms", "p95 ms", "p95/floor"]
    rows = [
        [r.name, r.role, r.path, r.queries, ms(r.median_ms), ms(r.p95_ms), times(r.p95_ms / run.floor.p95_ms)]
        for r in [run.floor, *run.pages, *run.operations]
    ]
    return markdown_table(headers, rows)


def compare_pages(small: ScaleRun, large: ScaleRun) -> list[dict]:
    rows = []
    for at_small, at_large in zip(small.pages, large.pages, strict=True):
        ratio_small = at_small.p95_ms / small.floor.p95_ms
        ratio_large = at_large.p95_ms / large.floor.p95_ms
        rows.append(
            {
                "page": at_small.name,
                "role": at_small.role,
                "path": at_small.path,
                "queries_small": at_small.queries,
                "queries_large": at_large.queries,
                "same_queries": at_small.queries == at_large.queries,
                "median_ms_small": at_small.median_ms,
                "median_ms_large": at_large.median_ms,
                "p95_ms_small": at_small.p95_ms,
                "p95_ms_large": at_large.p95_ms,
                "p95_over_floor_small": round(ratio_small, 2),
                "p95_over_floor_large": round(ratio_large, 2),
                "within_3x_floor": max(ratio_small, ratio_large) <= P95_LIMIT_TIMES_FLOOR,
            }
        )
    return rows


def compare_operations(small: ScaleRun, large: ScaleRun) -> list[dict]:
    return [
        {
            "operation": at_small.name,
            "role": at_small.role,
            "path": at_small.path,
            "queries_small": at_small.queries,
            "queries_large": at_large.queries,
            "same_queries": at_small.queries == at_large.queries,
            "median_ms_small": at_small.median_ms,
            "median_ms_large": at_large.median_ms,
            "p95_ms_small": at_small.p95_ms,
            "p95_ms_large": at_large.p95_ms,
            "p95_over_floor_large": round(at_large.p95_ms / large.floor.p95_ms, 2),
        }
        for at_small, at_large in zip(small.operations, large.operations, strict=True)
    ]


def yes_no(value: bool) -> str:
    return "yes" if value else "NO"


def comparison_table(pages: list[dict]) -> str:
    headers = ["page", "role", "queries small", "queries large", "same?", "p95 small", "p95 large"]
    headers += ["p95/floor (large)", "within 3x?"]
    rows = [
        [
            row["page"],
            row["role"],
            row["queries_small"],
            row["queries_large"],
            yes_no(row["same_queries"]),
            ms(row["p95_ms_small"]),
            ms(row["p95_ms_large"]),
            times(row["p95_over_floor_large"]),
            yes_no(row["within_3x_floor"]),
        ]
        for row in pages
    ]
    return markdown_table(headers, rows)


def operations_table(operations: list[dict]) -> str:
    headers = ["operation", "role", "queries small", "queries large", "same?", "p95 small", "p95 large"]
    headers += ["p95/floor (large)"]
    rows = [
        [
            row["operation"],
            row["role"],
            row["queries_small"],
            row["queries_large"],
            yes_no(row["same_queries"]),
            ms(row["p95_ms_small"]),
            ms(row["p95_ms_large"]),
            times(row["p95_over_floor_large"]),
        ]
        for row in operations
    ]
    return markdown_table(headers, rows)


def target_failures(
    pages: list[dict],
    operations: list[dict],
    imports: dict | None = None,
    groups: dict | None = None,
    autosave: dict | None = None,
    weight: dict | None = None,
    review: dict | None = None,
    cockpit: dict | None = None,
) -> list[str]:
    """The contract: same queries at both scales (pages and operations); pages' p95 within 3x the floor."""
    failures = [
        f"{row.get('page') or row.get('operation')} ({row['role']}): "
        f"{row['queries_small']} queries small, {row['queries_large']} large"
        for row in [*pages, *operations]
        if not row["same_queries"]
    ]
    failures += [
        f"{row['page']} ({row['role']}): p95 is {row['p95_over_floor_small']}x the floor small, "
        f"{row['p95_over_floor_large']}x large (limit {P95_LIMIT_TIMES_FLOOR:g}x)"
        for row in pages
        if not row["within_3x_floor"]
    ]
    if imports is not None and not imports["targets"]["met"]:
        failures.append(
            f"import: {imports['dry_run']['rows_per_second']} rows/s dry run, {imports['apply']['rows_per_second']} "
            f"apply (target {imports['targets']['rows_per_second']}), "
            f"{imports['peak_memory_mb_50k_dry_run']} MB peak for 50,000 rows (limit {imports['targets']['peak_mb']})"
        )
    if groups is not None and not groups["targets"]["met"]:
        failures.append(
            f"automatic assignment: {groups['apply']['seconds']} s for {groups['participants']} people into "
            f"{groups['groups']} groups (target {groups['targets']['seconds']} s), {groups['unplaced']} unplaced"
        )
    if autosave is not None and not autosave["targets"]["met"]:
        failures.append(
            f"autosave with {autosave['writers']} concurrent writers: p95 {autosave['p95_ms']} ms is "
            f"{autosave['p95_over_floor']}x the floor's {autosave['floor']['p95_ms']} ms under the same load "
            f"(limit {autosave['targets']['p95_times_floor']:g}x), {autosave['errors']} errors ({autosave['database']})"
        )
    if weight is not None and not weight["targets"]["met"]:
        failures.append(
            f"workspace weight: first load {weight['first_load_kb']} KB (limit {weight['targets']['first_load_kb']}), "
            f"repeat visit {weight['repeat_visit_kb']} KB (limit {weight['targets']['repeat_visit_kb']})"
            + (f", assets not found: {', '.join(weight['missing_assets'])}" if weight["missing_assets"] else "")
        )
    if review is not None:
        failures += [
            f"{page['page']} ({page['role']}), {review['submissions']['large']} submissions: "
            f"{page['queries_small']} queries small, {page['queries_large']} large, p95 "
            f"{page['p95_over_floor_large']}x the floor (limit {review['limit_times_floor']:g}x)"
            for page in review["pages"]
            if not page["met"]
        ]
    if cockpit is not None:
        failures += [
            f"cockpit {page['page']} ({page['role']}), {cockpit['scales']['large']['participants']} participants: "
            f"{page['queries_small']} queries small, {page['queries_large']} large, p95 "
            f"{page['p95_over_floor_large']}x the floor (limit {cockpit['limit_times_floor']:g}x)"
            for page in cockpit["pages"]
            if not page["met"]
        ]
    return failures


def scale_summary(run: ScaleRun) -> dict:
    return {
        **asdict(run.scale),
        "seed_seconds": run.seed_seconds,
        "rows": run.rows,
        "floor": asdict(run.floor),
        "pages": [asdict(result) for result in run.pages],
        "operations": [asdict(result) for result in run.operations],
    }


def write_results(
    runs: dict[str, ScaleRun],
    pages: list[dict],
    operations: list[dict],
    *,
    imports: dict,
    groups: dict,
    autosave: dict,
    weight: dict,
    review: dict,
    cockpit: dict,
    run_seconds: float,
    load: dict,
) -> None:
    failures = target_failures(pages, operations, imports, groups, autosave, weight, review, cockpit)
    results = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": connection.vendor,
        "database_version": database_description(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "requests_per_page": {"warmup": WARMUP_REQUESTS, "timed": TIMED_REQUESTS},
        "run_seconds": run_seconds,
        "machine": {**load, "platform": platform.platform()},
        "scales": {name: scale_summary(run) for name, run in runs.items()},
        "pages": pages,
        "operations": operations,
        "imports": imports,
        "group_assignment": groups,
        "autosave": autosave,
        "workspace_weight": weight,
        "review": review,
        "cockpit": cockpit,
        "floor": {
            "page": "help",
            "role": FLOOR.role,
            "path": runs["small"].floor.path,
            **{name: asdict(run.floor) for name, run in runs.items()},
        },
        "targets": {
            "same_queries_at_both_scales": all(row["same_queries"] for row in [*pages, *operations]),
            "p95_within_3x_floor": all(row["within_3x_floor"] for row in pages),
            "autosave_p95_within_3x_floor": autosave["targets"]["met"],
            "workspace_weight": weight["targets"]["met"],
            "review_pages": all(page["met"] for page in review["pages"]),
            "cockpit_pages": all(page["met"] for page in cockpit["pages"]),
            "met": not failures,
            "failures": failures,
        },
    }
    # Write then rename, so an interrupted run never leaves a half-written results file behind.
    temporary = RESULTS_PATH.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    temporary.replace(RESULTS_PATH)


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------
BENCH_SETTINGS = {
    # With DEBUG off the manifest storage would need collectstatic first; the plain storage builds the
    # same links at a comparable cost.
    "STORAGES": {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    },
    # Operations send emails: keep them in memory, off the console and the report.
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
}


def machine_load() -> dict:
    return {"cpus": os.cpu_count(), "load_average_1min": round(os.getloadavg()[0], 2)}


def machine_load_note(load: dict) -> str:
    # Latencies are wall-clock: other processes competing for the CPU inflate them, p95 first.
    note = f"load average {load['load_average_1min']} on {load['cpus']} CPUs"
    if load["load_average_1min"] >= (load["cpus"] or 1):
        note += ": the machine is busy, so latencies (p95 most of all) will be noisy"
    return note


def quieten_noise() -> None:
    # WhiteNoise warns that STATIC_ROOT does not exist: the bench never serves static files.
    warnings.filterwarnings("ignore", message="No directory at")
    # Eager Celery still builds a broker connection object, and kombu warns that it has no host.
    logging.getLogger("kombu").setLevel(logging.ERROR)


def main_review_only() -> None:
    """`bench/run.py review`: only the jury's pages, printed (results.json is written by the full run)."""
    recreate_database(DATABASE_URL)
    with override_settings(**BENCH_SETTINGS):
        print(review_table(measure_review(make_password(BENCH_PASSWORD))))


def main_cockpit_only() -> None:
    """`bench/run.py cockpit`: only the organisers' cockpit, printed (results.json is written by the full run)."""
    recreate_database(DATABASE_URL)
    print(f"# malisig cockpit benchmark on {database_description()}", flush=True)
    with override_settings(**BENCH_SETTINGS):
        print(bench_cockpit.cockpit_table(bench_cockpit.measure_cockpit(make_password(BENCH_PASSWORD))))


def main() -> None:
    if sys.argv[1:] == ["review"]:
        main_review_only()
        return
    if sys.argv[1:] == ["cockpit"]:
        main_cockpit_only()
        return
    started = time.perf_counter()
    load_at_start = machine_load()  # before the bench itself adds to it
    quieten_noise()
    recreate_database(DATABASE_URL)
    print(f"# malisig benchmark on {database_description()}, {TIMED_REQUESTS} timed requests per page", flush=True)
    print(machine_load_note(load_at_start), flush=True)
    with override_settings(**BENCH_SETTINGS):
        runs = {scale.name: run_scale(scale) for scale in SCALES}
        # On the large scale's data, still in place: 300 groups x 7 sections x 50 versions.
        large_world = runs["large"].world
        weight_figures = measure_page_weight(
            clients_by_role(large_world)["participant"], group_url("submissions:workspace")(large_world)
        )
        autosave_figures = measure_autosave(large_world.edition_slug)
        empty_database()
        import_figures = measure_imports()
        empty_database()
        group_figures = measure_group_assignment()
        empty_database()
        review_figures = measure_review(make_password(BENCH_PASSWORD))
        empty_database()
        cockpit_figures = bench_cockpit.measure_cockpit(make_password(BENCH_PASSWORD))
    pages = compare_pages(runs["small"], runs["large"])
    operations = compare_operations(runs["small"], runs["large"])
    print("\n## small vs large\n")
    print(comparison_table(pages))
    if operations:
        print()
        print(operations_table(operations))
    print()
    print(imports_table(import_figures))
    print()
    print(groups_table(group_figures))
    print()
    print(autosave_table(autosave_figures, weight_figures))
    print()
    print(review_table(review_figures))
    print()
    print(bench_cockpit.cockpit_table(cockpit_figures))
    run_seconds = round(time.perf_counter() - started, 1)
    write_results(
        runs,
        pages,
        operations,
        imports=import_figures,
        groups=group_figures,
        autosave=autosave_figures,
        weight=weight_figures,
        review=review_figures,
        cockpit=cockpit_figures,
        run_seconds=run_seconds,
        load=load_at_start,
    )
    failures = target_failures(
        pages,
        operations,
        import_figures,
        group_figures,
        autosave_figures,
        weight_figures,
        review_figures,
        cockpit_figures,
    )
    print(f"\nfloor: help page as participant; run took {run_seconds:.0f} s; results in bench/{RESULTS_PATH.name}")
    if failures:
        print("targets missed:\n" + "\n".join(f"- {failure}" for failure in failures))
    else:
        print("targets met")


if __name__ == "__main__":
    main()
