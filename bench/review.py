"""The jury's pages at the issue's scale: 300 submissions x 5 jurors x 6 criteria, against 3 submissions.

Called by bench/run.py once Django is set up on the bench's own database. Each scale is its own edition (seeded
with bulk inserts: people, groups, frozen submissions of the default 7 parts, assignments, submitted reviews with
every criterion scored, defense scores, a few staged decisions). Pages are timed in interleaved rounds with the
floor (the help page), as the main bench does; the query count must be the same at both scales.
"""

import gc
import math
import statistics
import time
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cohorts.models import Edition, EditionRole, Role, School
from groups.models import Formation, Group, Membership, StakeholderType
from groups.services.setup import default_types
from malisig.models import User
from submissions.models import (
    Assignment,
    Criterion,
    Decision,
    DefenseScore,
    DefenseSlot,
    Review,
    ReviewAssignment,
    Score,
    SectionTemplate,
    Submission,
    SubmittedSection,
)
from submissions.services.assignment import create_default_structure
from submissions.services.review import review_settings_for

SCALES = {"small": 3, "large": 300}
JURORS = 5
MEMBERS_PER_GROUP = 3
WARMUP = 5
ROUNDS = 40
LIMIT_TIMES_FLOOR = 3.0
BATCH = 2_000
HOST = "127.0.0.1"
BACKEND = "django.contrib.auth.backends.ModelBackend"
SECTION_HTML = (
    "<p>Les coupures d'Internet décidées en période de crise pèsent sur l'économie, sur la confiance des citoyens "
    "et sur la sécurité de ceux qui ont besoin d'alerter. Notre groupe propose une procédure encadrée par la loi, "
    "limitée dans le temps et contrôlée par un juge.</p><ul><li>transparence des ordres reçus ;</li><li>préavis "
    "aux usagers ;</li><li>restrictions ciblées plutôt que générales.</li></ul>"
)


@dataclass
class ReviewWorld:
    slug: str
    chair: User
    organiser: User
    juror: User
    group_pk: int


def seed_review_world(name: str, submissions: int, password_hash: str) -> ReviewWorld:
    school, _ = School.objects.get_or_create(slug="review-bench", defaults={"name": "Review bench", "acronym": "RB"})
    edition = Edition.objects.create(
        school=school,
        slug=f"review-bench-{name}",
        year=2023,
        number=list(SCALES).index(name) + 1,
        title=f"Review bench {name}",
    )
    users = _users(f"{name}-", MEMBERS_PER_GROUP * submissions + JURORS + 2, password_hash)
    organiser, chair, jurors = users[0], users[1], users[2 : 2 + JURORS]
    members = users[2 + JURORS :]
    EditionRole.objects.bulk_create(
        [EditionRole(edition=edition, user=organiser, role=Role.ORGANISER),
         EditionRole(edition=edition, user=chair, role=Role.JURY_CHAIR)]
        + [EditionRole(edition=edition, user=juror, role=Role.JUROR) for juror in jurors]
        + [EditionRole(edition=edition, user=member, role=Role.PARTICIPANT) for member in members],
        batch_size=BATCH,
    )  # fmt: skip
    groups = _groups(edition, submissions, members)
    review_settings = review_settings_for(edition)
    Criterion.objects.create(
        edition=edition, rubric=Criterion.Rubric.DOCUMENT, position=6, name_fr="Originalité", name_en="Originality",
        informational=True,
    )  # fmt: skip
    frozen = _submissions(edition, groups, members)
    _reviews(edition, frozen, groups, jurors)
    _defense(edition, groups, jurors)
    Decision.objects.bulk_create(
        Decision(submission=submission, outcome=Decision.Outcome.ACCEPTED, decided_by=chair)
        for submission in frozen[: max(1, submissions // 10)]
    )
    review_settings.save()
    return ReviewWorld(edition.slug, chair, organiser, jurors[0], groups[0].pk)


def _users(prefix: str, count: int, password_hash: str) -> list[User]:
    return User.objects.bulk_create(
        (
            User(email=f"{prefix}{index}@review.bench.example", first_name="Awa", last_name=f"Diallo {index}",
                 password=password_hash)
            for index in range(count)
        ),
        batch_size=BATCH,
    )  # fmt: skip


def _groups(edition: Edition, count: int, members: list[User]) -> list[Group]:
    types = StakeholderType.objects.bulk_create(default_types(edition))
    groups = Group.objects.bulk_create(
        Group(
            edition=edition,
            stakeholder_type=types[index % len(types)],
            name=f"{types[index % len(types)].name_fr} {index}",
        )
        for index in range(count)
    )
    Membership.objects.bulk_create(
        (
            Membership(edition=edition, group=groups[index // MEMBERS_PER_GROUP], user=member,
                       group_role=Membership.GroupRole.COORDINATOR if index % MEMBERS_PER_GROUP == 0
                       else Membership.GroupRole.MEMBER)
            for index, member in enumerate(members)
        ),
        batch_size=BATCH,
    )  # fmt: skip
    Formation.objects.create(edition=edition, published_at=timezone.now())
    return groups


def _submissions(edition: Edition, groups: list[Group], members: list[User]) -> list[Submission]:
    assignment = Assignment.objects.create(
        edition=edition, title_fr="Les coupures d'Internet", statement_fr="Énoncé du problème."
    )
    create_default_structure(assignment, by=None)
    templates = list(SectionTemplate.objects.filter(assignment=assignment).order_by("position"))
    frozen = Submission.objects.bulk_create(
        Submission(group=group, number=1, state=Submission.State.IN_REVIEW, submitted_by=members[index * 3],
                   declaration="Nous certifions que ce travail est le nôtre.")
        for index, group in enumerate(groups)
    )  # fmt: skip
    SubmittedSection.objects.bulk_create(
        (
            SubmittedSection(submission=submission, template=template, position=template.position,
                             title=template.title_fr, html=SECTION_HTML, words=60, version=3)
            for submission in frozen
            for template in templates
        ),
        batch_size=BATCH,
    )  # fmt: skip
    return frozen


def _reviews(edition: Edition, frozen: list[Submission], groups: list[Group], jurors: list[User]) -> None:
    criteria = list(Criterion.objects.filter(edition=edition, rubric=Criterion.Rubric.DOCUMENT))
    assigned = jurors
    ReviewAssignment.objects.bulk_create(
        (ReviewAssignment(group=group, juror=juror) for group in groups for juror in assigned), batch_size=BATCH
    )
    now = timezone.now()
    reviews = Review.objects.bulk_create(
        (
            Review(submission=submission, juror=juror, state=Review.State.SUBMITTED, submitted_at=now,
                   message_to_group="Un travail sérieux ; précisez le financement.", private_note="À discuter.")
            for submission in frozen
            for juror in assigned
        ),
        batch_size=BATCH,
    )  # fmt: skip
    Score.objects.bulk_create(
        (
            Score(review=review, criterion=criterion, value=Decimal((index + position) % 6), comment="Argumenté.")
            for index, review in enumerate(reviews)
            for position, criterion in enumerate(criteria)
        ),
        batch_size=BATCH,
    )  # fmt: skip


def _defense(edition: Edition, groups: list[Group], jurors: list[User]) -> None:
    criteria = list(Criterion.objects.filter(edition=edition, rubric=Criterion.Rubric.DEFENSE))
    DefenseSlot.objects.bulk_create(
        DefenseSlot(edition=edition, group=group, position=index) for index, group in enumerate(groups, start=1)
    )
    DefenseScore.objects.bulk_create(
        (
            DefenseScore(group=group, juror=juror, criterion=criterion, value=Decimal((index + n) % 5 + 1))
            for index, group in enumerate(groups)
            for n, juror in enumerate(jurors)
            for criterion in criteria
        ),
        batch_size=BATCH,
    )


# ---------------------------------------------------------------------------
# Measuring

# (page name, who, url name, arguments from the world)
PAGES = [
    ("chair dashboard", "chair", "submissions:chair_dashboard", lambda w: [w.slug]),
    ("results", "organiser", "submissions:results", lambda w: [w.slug]),
    ("juror dashboard", "juror", "submissions:juror_dashboard", lambda w: [w.slug]),
    ("comparison (jury)", "chair", "submissions:comparison_jury", lambda w: [w.slug]),
    ("review page", "juror", "submissions:review_page", lambda w: [w.slug, w.group_pk]),
]


def _client(user: User) -> Client:
    client = Client(HTTP_HOST=HOST)
    client.force_login(user, backend=BACKEND)
    return client


def _p95(seconds: list[float]) -> float:
    ordered = sorted(seconds)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def measure_world(world: ReviewWorld) -> dict:
    clients = {"chair": _client(world.chair), "organiser": _client(world.organiser), "juror": _client(world.juror)}
    targets = [("floor (help)", "juror", reverse("help"))]
    targets += [(name, role, reverse(url, args=args(world))) for name, role, url, args in PAGES]
    for _ in range(WARMUP):
        for name, role, path in targets:
            response = clients[role].get(path)
            if response.status_code != 200:
                raise SystemExit(f"bench: {name} as {role} ({path}) answered {response.status_code}")
    gc.collect()
    seconds: dict[str, list[float]] = {name: [] for name, _role, _path in targets}
    for _ in range(ROUNDS):
        for name, role, path in targets:
            started = time.perf_counter()
            clients[role].get(path)
            seconds[name].append(time.perf_counter() - started)
    figures = {}
    for name, role, path in targets:
        with CaptureQueriesContext(connection) as captured:
            clients[role].get(path)
        figures[name] = {
            "role": role,
            "path": path,
            "queries": len(captured.captured_queries),
            "median_ms": round(statistics.median(seconds[name]) * 1000, 2),
            "p95_ms": round(_p95(seconds[name]) * 1000, 2),
        }
    return figures


def measure_review(password_hash: str) -> dict:
    """Seeds both scales, measures each page at both, compares."""
    runs = {name: measure_world(seed_review_world(name, count, password_hash)) for name, count in SCALES.items()}
    pages = []
    for name, role, _url, _args in PAGES:
        small, large = runs["small"][name], runs["large"][name]
        floor = runs["large"]["floor (help)"]["p95_ms"]
        ratio = round(large["p95_ms"] / floor, 2) if floor else None
        pages.append({
            "page": name, "role": role, "queries_small": small["queries"], "queries_large": large["queries"],
            "same_queries": small["queries"] == large["queries"], "p95_ms_small": small["p95_ms"],
            "p95_ms_large": large["p95_ms"], "median_ms_large": large["median_ms"], "p95_over_floor_large": ratio,
            "met": small["queries"] == large["queries"] and ratio is not None and ratio <= LIMIT_TIMES_FLOOR,
        })  # fmt: skip
    return {
        "submissions": SCALES,
        "jurors": JURORS,
        "criteria": 6,
        "floor_p95_ms": {name: run["floor (help)"]["p95_ms"] for name, run in runs.items()},
        "pages": pages,
        "limit_times_floor": LIMIT_TIMES_FLOOR,
    }


def review_table(figures: dict) -> str:
    lines = [
        f"| jury pages, {figures['submissions']['large']} submissions x {figures['jurors']} jurors x "
        f"{figures['criteria']} criteria | queries small / large | p95 ms small | p95 ms large | x floor |",
        "|---|---|---|---|---|",
    ]
    for page in figures["pages"]:
        lines.append(
            f"| {page['page']} ({page['role']}) | {page['queries_small']} / {page['queries_large']} | "
            f"{page['p95_ms_small']} | {page['p95_ms_large']} | {page['p95_over_floor_large']} |"
        )
    lines.append(f"\nfloor p95: {figures['floor_p95_ms']}")
    return "\n".join(lines)
