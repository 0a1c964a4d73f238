"""Statistics across a school's editions: participants, completion and submission rates, gender balance, countries
and sectors of origin, as a table (also exported) and charts.

Who sees them: site staff, every school; an organiser, the schools where they organise at least one edition (all
of that school's editions). People's figures come from cohorts.services.figures (the rules the school's public page
uses too); the groups' from here. A constant number of queries whatever the number of editions and people.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from cohorts.models import Edition, Role, School
from cohorts.rules import roles_by_edition
from cohorts.services.figures import NOT_STATED, Headline, PeopleFigures, cached_headline, cached_people_by_edition
from groups.models import Group
from submissions.models import Submission

from .dashboard import SUBMITTED_STATES

# Countries and sectors shown one by one in the charts; the others are summed up.
TOP = 10


def schools_for(user) -> list[School]:
    """The schools whose statistics `user` may read: every one for site staff; for an organiser, the schools where
    they organise at least one edition. One query (the user's roles are cached on them)."""
    if not user.is_authenticated:
        return []
    if user.is_staff:
        return list(School.objects.order_by("acronym"))
    organised = [edition_id for edition_id, roles in roles_by_edition(user).items() if Role.ORGANISER in roles]
    if not organised:
        return []
    return list(School.objects.filter(editions__in=organised).distinct().order_by("acronym"))


@dataclass
class EditionStatistics:
    edition: Edition
    people: PeopleFigures
    groups: int = 0
    groups_submitted: int = 0  # groups whose current submission is not withdrawn (as the dashboard's funnel)

    @property
    def submission_rate(self) -> float | None:
        return self.groups_submitted / self.groups if self.groups else None


@dataclass
class SchoolStatistics:
    school: School
    editions: list[EditionStatistics]  # oldest first: the charts read left to right
    headline: Headline  # distinct people across these editions
    countries: list[tuple[str, int]] = field(default_factory=list)  # participations, most first; "" not stated
    sectors: list[tuple[str, int]] = field(default_factory=list)


def school_statistics(school: School) -> SchoolStatistics:
    """Every edition of the school, drafts included (organisers plan them here too). Seven queries."""
    editions = list(Edition.objects.filter(school=school).order_by("year", "number", "pk"))
    ids = [edition.pk for edition in editions]
    people = cached_people_by_edition(ids)
    groups = _groups_by_edition(ids)
    rows = [EditionStatistics(edition, people[edition.pk], *groups.get(edition.pk, (0, 0))) for edition in editions]
    return SchoolStatistics(
        school=school,
        editions=rows,
        headline=cached_headline(editions),
        countries=_merged(figures.countries for figures in people.values()),
        sectors=_merged(figures.sectors for figures in people.values()),
    )


def _groups_by_edition(edition_ids: list[int]) -> dict[int, tuple[int, int]]:
    """{edition id: (groups, groups whose current submission is not withdrawn)}: two queries grouped by edition."""
    counts = dict(
        Group.objects.filter(edition_id__in=edition_ids)
        .values_list("edition_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    # Each group's current submission (its latest by number), picked from one plain read, as the dashboard does.
    current: dict[int, tuple[int, str]] = {}
    for edition_id, group_id, state in (
        Submission.objects.filter(group__edition_id__in=edition_ids)
        .order_by("number")
        .values_list("group__edition_id", "group_id", "state")
    ):
        current[group_id] = (edition_id, state)
    submitted = Counter(edition_id for edition_id, state in current.values() if state in SUBMITTED_STATES)
    return {edition_id: (count, submitted.get(edition_id, 0)) for edition_id, count in counts.items()}


def _merged(counters) -> list[tuple[str, int]]:
    """The editions' counts added up, "Mali" and "mali" as one (the first spelling met is shown), most first."""
    total: Counter = Counter()
    spelling: dict[str, str] = {}
    for counter in counters:
        for value, count in counter.items():
            key = value.casefold()
            spelling.setdefault(key, value)
            total[key] += count
    return sorted(((spelling[key], count) for key, count in total.items()), key=lambda item: (-item[1], item[0]))


def top_items(items: list[tuple[str, int]], *, others: str, not_stated: str) -> list[tuple[str, int]]:
    """The TOP first (not stated last, named), the rest summed as `others`: what a chart shows."""
    stated = [(label, count) for label, count in items if label != NOT_STATED]
    missing = sum(count for label, count in items if label == NOT_STATED)
    shown = stated[:TOP]
    rest = sum(count for _label, count in stated[TOP:])
    if rest:
        shown.append((others, rest))
    if missing:
        shown.append((not_stated, missing))
    return shown


# ---------------------------------------------------------------------------
# The table, on the page and in the exports

TABLE_HEADER = (
    _("Edition"),
    _("Year"),
    _("Participants"),
    _("Completed"),
    _("Completion rate (%)"),
    _("Groups"),
    _("Groups that submitted"),
    _("Submission rate (%)"),
    _("Women"),
    _("Men"),
    _("Other gender"),
    _("Gender not stated"),
    _("Women (%)"),
    _("Countries"),
    _("Sectors of origin"),
)


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def table_rows(statistics: SchoolStatistics) -> list[list]:
    """One row per edition, in TABLE_HEADER's order: numbers stay numbers (typed cells in XLSX)."""
    return [
        [
            row.edition.title,
            row.edition.year,
            row.people.participants,
            row.people.completed,
            _percent(row.people.completion_rate),
            row.groups,
            row.groups_submitted,
            _percent(row.submission_rate),
            row.people.women,
            row.people.men,
            row.people.other_gender,
            row.people.gender_not_stated,
            _percent(row.people.women_share),
            row.people.country_count,
            row.people.sector_count,
        ]
        for row in statistics.editions
    ]
