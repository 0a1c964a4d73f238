"""The organisers' cockpit at the issue's scale: the dashboard of an edition of 10,000 participants in 300 groups,
against an edition of 50 in 3 groups.

Called by bench/run.py once Django is set up on the bench's own database (`bench/run.py cockpit` runs only this).
Each scale is its own school and edition, seeded with bulk inserts: people with profiles and enrolments of every
status, groups of members, the default 7-part structure with each group's sections at some stage, submissions in
every state, extensions, jurors with assignments and reviews, certificates. Pages are timed in interleaved rounds
with the floor (the help page), as bench/review.py does; the query count must be the same at both scales.
"""

import gc
import math
import statistics
import time
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cockpit.models import Certificate
from cockpit.services.dashboard import edition_dashboard
from cohorts.models import Edition, EditionRole, Enrolment, Profile, Role, School
from groups.models import Formation, Group, Membership, StakeholderType
from groups.services.setup import default_types
from malisig.models import User
from submissions.models import (
    Assignment,
    AssignmentSettings,
    Extension,
    Review,
    ReviewAssignment,
    Section,
    SectionTemplate,
    Submission,
)
from submissions.services.assignment import create_default_structure

# (participants, groups) per scale
SCALES = {"small": (50, 3), "large": (10_000, 300)}
JURORS = 5
JURORS_PER_GROUP = 2
WARMUP = 5
ROUNDS = 40
LIMIT_TIMES_FLOOR = 3.0
BATCH = 2_000
HOST = "127.0.0.1"
BACKEND = "django.contrib.auth.backends.ModelBackend"
E = Enrolment.Status
S = Submission.State
# Cycled over the people not in a group: the funnel's earlier steps.
OTHER_STATUSES = (E.CANDIDATE, E.CANDIDATE, E.ADMITTED, E.INVITED, E.WITHDRAWN)
# Cycled over the groups: their current submission's state ("" none yet).
GROUP_STATES = ("", S.SUBMITTED, S.IN_REVIEW, S.IN_REVIEW, S.ACCEPTED, S.DEFENDED, S.WITHDRAWN, S.CHANGES_REQUESTED)
SECTION_STATUSES = (Section.Status.TODO, Section.Status.DRAFTING, Section.Status.READY)
COUNTRIES = ("Mali", "Sénégal", "Burkina Faso", "Niger", "Côte d'Ivoire", "Guinée")
SECTORS = ("Gouvernement", "Secteur privé", "Société civile", "Technique et académique", "Médias")
SECTION_HTML = "<p>Les coupures d'Internet pèsent sur l'économie et la confiance des citoyens.</p>"


@dataclass
class CockpitWorld:
    slug: str
    school_slug: str
    organiser: User


def seed_cockpit_world(name: str, participants: int, group_count: int, password_hash: str) -> CockpitWorld:
    now = timezone.now()
    school = School.objects.create(name=f"Cockpit bench {name}", acronym=f"CB{name[:1].upper()}",
                                   slug=f"cockpit-bench-{name}")  # fmt: skip
    edition = Edition.objects.create(
        school=school, slug=f"cockpit-bench-{name}", year=now.year, number=1, title=f"Cockpit bench {name}",
        status=Edition.Status.RUNNING,
    )  # fmt: skip
    # A past edition of the same school, so that the statistics compare two.
    past = Edition.objects.create(
        school=school, slug=f"cockpit-bench-{name}-past", year=now.year - 1, number=2, title=f"Past {name}",
        status=Edition.Status.CLOSED,
    )  # fmt: skip
    users = _users(f"{name}-", participants + JURORS + 1, password_hash)
    organiser, jurors, people = users[0], users[1 : 1 + JURORS], users[1 + JURORS :]
    Profile.objects.bulk_create(
        (
            Profile(user=user, gender=("female", "male", "", "female", "male")[index % 5],
                    country=COUNTRIES[index % len(COUNTRIES)], sector=SECTORS[index % len(SECTORS)])
            for index, user in enumerate(people)
        ),
        batch_size=BATCH,
    )  # fmt: skip
    EditionRole.objects.bulk_create(
        [EditionRole(edition=edition, user=organiser, role=Role.ORGANISER),
         EditionRole(edition=edition, user=jurors[0], role=Role.JURY_CHAIR)]
        + [EditionRole(edition=edition, user=juror, role=Role.JUROR) for juror in jurors[1:]]
        + [EditionRole(edition=edition, user=person, role=Role.PARTICIPANT) for person in people],
        batch_size=BATCH,
    )  # fmt: skip
    members = people[: participants * 9 // 10]  # nine in ten in a group, the others at earlier steps
    others = people[len(members) :]
    Enrolment.objects.bulk_create(
        [Enrolment(edition=edition, user=person, status=E.ACTIVE if index % 7 else E.COMPLETED, eligible=True)
         for index, person in enumerate(members)]
        + [Enrolment(edition=edition, user=person, status=OTHER_STATUSES[index % len(OTHER_STATUSES)],
                     eligible=index % len(OTHER_STATUSES) > 1)
           for index, person in enumerate(others)]
        + [Enrolment(edition=past, user=person, status=E.COMPLETED, eligible=True) for person in people[::3]],
        batch_size=BATCH,
    )  # fmt: skip
    groups = _groups(edition, group_count, members)
    _documents(edition, groups, members, now)
    _jury(groups, jurors, now)
    Certificate.objects.bulk_create(
        (Certificate(edition=edition, user=person, full_name=str(person)) for person in members[::4]), batch_size=BATCH
    )
    return CockpitWorld(edition.slug, school.slug, organiser)


def _users(prefix: str, count: int, password_hash: str) -> list[User]:
    return User.objects.bulk_create(
        (
            User(email=f"{prefix}{index}@cockpit.bench.example", first_name="Awa", last_name=f"Diallo {index}",
                 password=password_hash)
            for index in range(count)
        ),
        batch_size=BATCH,
    )  # fmt: skip


def _groups(edition: Edition, count: int, members: list[User]) -> list[Group]:
    types = StakeholderType.objects.bulk_create(default_types(edition))
    groups = Group.objects.bulk_create(
        Group(edition=edition, stakeholder_type=types[index % len(types)],
              name=f"{types[index % len(types)].name_fr} {index}")
        for index in range(count)
    )  # fmt: skip
    Membership.objects.bulk_create(
        (Membership(edition=edition, group=groups[index % count], user=member) for index, member in enumerate(members)),
        batch_size=BATCH,
    )
    Formation.objects.create(edition=edition, published_at=timezone.now())
    return groups


def _documents(edition: Edition, groups: list[Group], members: list[User], now) -> None:
    assignment = Assignment.objects.create(edition=edition, title_fr="Les coupures d'Internet", statement_fr="Énoncé.")
    create_default_structure(assignment, by=None)
    settings, _created = AssignmentSettings.objects.get_or_create(assignment=assignment)
    settings.deadline = now + timedelta(days=5)
    settings.save()
    templates = list(SectionTemplate.objects.filter(assignment=assignment).order_by("position"))
    Section.objects.bulk_create(
        (
            Section(group=group, template=template, html=SECTION_HTML if (index + position) % 3 else "",
                    words=((index + position) % 3) * 120, status=SECTION_STATUSES[(index + position) % 3],
                    updated_at=now - timedelta(hours=index % 48 + position))
            for index, group in enumerate(groups)
            for position, template in enumerate(templates)
        ),
        batch_size=BATCH,
    )  # fmt: skip
    Extension.objects.create(assignment=assignment, deadline=now + timedelta(days=6), reason="Coupure nationale")
    Extension.objects.bulk_create(
        Extension(assignment=assignment, group=group, deadline=now + timedelta(days=9), reason="Membre malade")
        for group in groups[::10]
    )
    submissions = []
    for index, group in enumerate(groups):
        state = GROUP_STATES[index % len(GROUP_STATES)]
        if state:
            if state == S.CHANGES_REQUESTED:  # a resubmission on top
                submissions.append(Submission(group=group, number=1, state=S.CHANGES_REQUESTED, declaration="Oui."))
                state, number = S.RESUBMITTED, 2
            else:
                number = 1
            submissions.append(Submission(group=group, number=number, state=state, declaration="Oui."))
    Submission.objects.bulk_create(submissions, batch_size=BATCH)


def _jury(groups: list[Group], jurors: list[User], now) -> None:
    ReviewAssignment.objects.bulk_create(
        (
            ReviewAssignment(group=group, juror=jurors[(index + offset) % len(jurors)])
            for index, group in enumerate(groups)
            for offset in range(JURORS_PER_GROUP)
        ),
        batch_size=BATCH,
    )
    latest = {}
    for submission in Submission.objects.filter(group__in=groups).order_by("number"):
        latest[submission.group_id] = submission
    reviews = []
    for index, group in enumerate(groups):
        submission = latest.get(group.pk)
        if submission is None or submission.state == S.WITHDRAWN:
            continue
        for offset in range(JURORS_PER_GROUP):
            if (index + offset) % 3 == 0:
                continue  # not started
            state = Review.State.SUBMITTED if (index + offset) % 3 == 1 else Review.State.DRAFT
            reviews.append(
                Review(submission=submission, juror=jurors[(index + offset) % len(jurors)], state=state,
                       submitted_at=now if state == Review.State.SUBMITTED else None)
            )  # fmt: skip
    Review.objects.bulk_create(reviews, batch_size=BATCH)


# ---------------------------------------------------------------------------
# Measuring

# (page name, url name, arguments from the world); every page is requested as the edition's organiser.
PAGES = [
    ("dashboard", "cockpit:dashboard", lambda w: [w.slug]),
    ("dashboard sorted by words", "cockpit:dashboard", lambda w: [w.slug]),
    ("statistics", "cockpit:statistics", lambda w: [w.school_slug]),
    ("public school", "cohorts:school_public", lambda w: [w.school_slug]),
]
QUERIES = {"dashboard sorted by words": "?sort=-words"}


def _client(user: User) -> Client:
    client = Client(HTTP_HOST=HOST)
    client.force_login(user, backend=BACKEND)
    return client


def _p95(seconds: list[float]) -> float:
    ordered = sorted(seconds)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def measure_world(world: CockpitWorld) -> dict:
    client = _client(world.organiser)
    targets = [("floor (help)", reverse("help"))]
    targets += [(name, reverse(url, args=args(world)) + QUERIES.get(name, "")) for name, url, args in PAGES]
    for _ in range(WARMUP):
        for name, path in targets:
            response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"bench: {name} ({path}) answered {response.status_code}")
    gc.collect()
    seconds: dict[str, list[float]] = {name: [] for name, _path in targets}
    for _ in range(ROUNDS):
        for name, path in targets:
            started = time.perf_counter()
            client.get(path)
            seconds[name].append(time.perf_counter() - started)
    figures = {}
    for name, path in targets:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        figures[name] = {
            "path": path,
            "queries": len(captured.captured_queries),
            "kb": round(len(response.content) / 1024, 1),
            "median_ms": round(statistics.median(seconds[name]) * 1000, 2),
            "p95_ms": round(_p95(seconds[name]) * 1000, 2),
        }
    return figures


def measure_uncached(world: CockpitWorld) -> dict:
    """What a cache miss costs: the dashboard's facts read from the database (the service, without the page)."""
    edition = Edition.objects.get(slug=world.slug)
    for _ in range(WARMUP):
        edition_dashboard(edition, fresh=True)
    seconds = []
    for _ in range(ROUNDS // 2):
        started = time.perf_counter()
        edition_dashboard(edition, fresh=True)
        seconds.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as captured:
        edition_dashboard(edition, fresh=True)
    return {
        "queries": len(captured.captured_queries),
        "median_ms": round(statistics.median(seconds) * 1000, 2),
        "p95_ms": round(_p95(seconds) * 1000, 2),
    }


def measure_cockpit(password_hash: str) -> dict:
    """Seeds both scales, measures each page at both, compares."""
    runs, uncached = {}, {}
    for name, (participants, groups) in SCALES.items():
        world = seed_cockpit_world(name, participants, groups, password_hash)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # fresh bulk loads have no planner statistics
        runs[name] = measure_world(world)
        uncached[name] = measure_uncached(world)
    pages = []
    for name, _url, _args in PAGES:
        small, large = runs["small"][name], runs["large"][name]
        floor = runs["large"]["floor (help)"]["p95_ms"]
        ratio = round(large["p95_ms"] / floor, 2) if floor else None
        pages.append({
            "page": name, "role": "organiser", "queries_small": small["queries"], "queries_large": large["queries"],
            "same_queries": small["queries"] == large["queries"], "p95_ms_small": small["p95_ms"],
            "p95_ms_large": large["p95_ms"], "median_ms_large": large["median_ms"], "kb_large": large["kb"],
            "p95_over_floor_large": ratio,
            "met": small["queries"] == large["queries"] and ratio is not None and ratio <= LIMIT_TIMES_FLOOR,
        })  # fmt: skip
    return {
        "scales": {name: {"participants": people, "groups": groups} for name, (people, groups) in SCALES.items()},
        "floor_p95_ms": {name: run["floor (help)"]["p95_ms"] for name, run in runs.items()},
        "pages": pages,
        # Not a page: the dashboard's ten queries on a cache miss (once per write or per DASHBOARD_TIMEOUT).
        "dashboard_uncached": uncached,
        "limit_times_floor": LIMIT_TIMES_FLOOR,
    }


def cockpit_table(figures: dict) -> str:
    large = figures["scales"]["large"]
    lines = [
        f"| cockpit, {large['participants']:,} participants x {large['groups']} groups | queries small / large | "
        "p95 ms small | p95 ms large | x floor | KB large |",
        "|---|---|---|---|---|---|",
    ]
    for page in figures["pages"]:
        lines.append(
            f"| {page['page']} ({page['role']}) | {page['queries_small']} / {page['queries_large']} | "
            f"{page['p95_ms_small']} | {page['p95_ms_large']} | {page['p95_over_floor_large']} | {page['kb_large']} |"
        )
    uncached = figures["dashboard_uncached"]
    lines.append(
        f"\ndashboard facts read from the database (cache miss, service only): queries "
        f"{uncached['small']['queries']} / {uncached['large']['queries']}, p95 ms {uncached['small']['p95_ms']} / "
        f"{uncached['large']['p95_ms']}"
    )
    lines.append(f"floor p95: {figures['floor_p95_ms']}")
    return "\n".join(lines)
