"""The group-formation benchmark: automatic assignment of 10,000 participants into 300 groups, end to end.

Called by bench/run.py once Django is set up on the bench's own database. The timed call is the service the web
page and `manage.py assign_groups` use (read the cohort, plan, write groups, memberships and the trail), so the
figure is what an organiser waits for.
"""

import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cohorts.models import Edition, Enrolment, Profile, School
from groups import services
from groups.models import Group, Membership
from malisig.models import User

PARTICIPANTS = 10_000
GROUPS_PER_TYPE = 100  # three default types: 300 groups
TARGET_SECONDS = 5.0
GENDERS = ["female", "male"]
COUNTRIES = ["Mali", "Sénégal", "Burkina Faso", "Guinée", "Niger", "Côte d'Ivoire"]
SECTORS = ["Gouvernement", "Secteur privé", "Société civile", "Milieu universitaire", ""]


def assignment_edition() -> Edition:
    school, _ = School.objects.get_or_create(slug="groups-bench", defaults={"name": "Groups bench", "acronym": "GB"})
    edition, created = Edition.objects.get_or_create(
        slug="groups-bench-2023", defaults={"school": school, "year": 2023, "number": 1, "title": "Groups bench"}
    )
    if created:
        _seed_cohort(edition)
    return edition


def _seed_cohort(edition: Edition) -> None:
    users = User.objects.bulk_create(
        User(email=f"groupe{index}@groups.bench.example", first_name="Awa", last_name=f"Diallo {index}")
        for index in range(PARTICIPANTS)
    )
    Profile.objects.bulk_create(
        Profile(
            user=user,
            gender=GENDERS[index % 2],
            country=COUNTRIES[index % len(COUNTRIES)],
            organisation=f"Organisation {index % 700}",
            sector=SECTORS[index % len(SECTORS)],
        )
        for index, user in enumerate(users)
    )
    Enrolment.objects.bulk_create(
        Enrolment(edition=edition, user=user, status=Enrolment.Status.ACTIVE, eligible=True) for user in users
    )


def _timed(action) -> tuple[float, int, object]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = action()
        seconds = time.perf_counter() - started
    return round(seconds, 2), len(queries.captured_queries), result


def measure_group_assignment() -> dict:
    edition = assignment_edition()
    Membership.objects.filter(edition=edition).delete()
    Group.objects.filter(edition=edition).delete()
    arguments = {"groups_per_type": GROUPS_PER_TYPE, "seed": 1, "by": None}
    preview_seconds, preview_queries, _ = _timed(lambda: services.preview(edition, **arguments))
    apply_seconds, apply_queries, plan = _timed(lambda: services.apply(edition, **arguments))
    sizes = [figures.size for figures in plan.groups]
    return {
        "participants": PARTICIPANTS,
        "groups": len(plan.groups),
        "preview": {"seconds": preview_seconds, "queries": preview_queries},
        "apply": {"seconds": apply_seconds, "queries": apply_queries},
        "size_spread": max(sizes) - min(sizes),
        "placed": Membership.objects.filter(edition=edition).count(),
        "unplaced": plan.unplaced,
        "targets": {"seconds": TARGET_SECONDS, "met": apply_seconds < TARGET_SECONDS and plan.unplaced == 0},
    }


def groups_table(figures: dict) -> str:
    lines = [
        f"| automatic assignment, {figures['participants']:,} people into {figures['groups']} groups | seconds "
        "| queries |",
        "|---|---|---|",
        f"| preview | {figures['preview']['seconds']} | {figures['preview']['queries']} |",
        f"| apply (plan + writes) | {figures['apply']['seconds']} | {figures['apply']['queries']} |",
    ]
    lines.append(f"\nsize spread {figures['size_spread']}, placed {figures['placed']:,}")
    return "\n".join(lines)
