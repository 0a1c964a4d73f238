"""Figures about people across editions, read from cohorts' data only: who counts as a participant, completion,
gender balance, countries and sectors of origin.

One place per rule: the school's public page (its headline figures) and the organisers' statistics (cockpit) read
them from here. Every function makes a constant number of queries, however many editions and people.
"""

import logging
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, JSONObject, Lower, NullIf, Trim

from ..models import Edition, Enrolment, Profile, School
from . import roster_facts

logger = logging.getLogger(__name__)

S = Enrolment.Status

# People counted as an edition's participants: admitted to it, whatever happened next, unless they withdrew.
PARTICIPANT_STATUSES = (S.ADMITTED, S.INVITED, S.ACTIVE, S.COMPLETED)
# Participants who went through the whole edition.
COMPLETED_STATUSES = (S.COMPLETED,)
GENDERS = (Profile.Gender.FEMALE, Profile.Gender.MALE, Profile.Gender.OTHER)
NOT_STATED = ""  # the gender, country or sector when the profile says nothing (or there is no profile)


def participants_of(edition_ids):
    """The enrolments counted as participants of these editions (ids, or a queryset of their pks)."""
    if not hasattr(edition_ids, "query"):
        edition_ids = list(edition_ids)
    return Enrolment.objects.filter(edition_id__in=edition_ids, status__in=PARTICIPANT_STATUSES)


def share(part: int, whole: int) -> float | None:
    """part / whole as a fraction (0..1), None when there is nobody to divide by."""
    return part / whole if whole else None


@dataclass
class PeopleFigures:
    """Who the participants of one edition (or of several) are."""

    participants: int = 0
    completed: int = 0
    genders: dict[str, int] = field(default_factory=dict)  # {Profile.Gender value or NOT_STATED: count}
    countries: Counter = field(default_factory=Counter)  # {country as typed, NOT_STATED included: count}
    sectors: Counter = field(default_factory=Counter)  # {sector of origin as typed, NOT_STATED included: count}

    @property
    def completion_rate(self) -> float | None:
        return share(self.completed, self.participants)

    @property
    def women(self) -> int:
        return self.genders.get(Profile.Gender.FEMALE, 0)

    @property
    def men(self) -> int:
        return self.genders.get(Profile.Gender.MALE, 0)

    @property
    def other_gender(self) -> int:
        return self.genders.get(Profile.Gender.OTHER, 0)

    @property
    def gender_not_stated(self) -> int:
        return self.participants - self.women - self.men - self.other_gender

    @property
    def women_share(self) -> float | None:
        """Women among the participants whose gender is known."""
        return share(self.women, self.participants - self.gender_not_stated)

    @property
    def country_count(self) -> int:
        return len({country.casefold() for country in self.countries if country != NOT_STATED})

    @property
    def sector_count(self) -> int:
        return len({sector.casefold() for sector in self.sectors if sector != NOT_STATED})


def people_by_edition(edition_ids: Iterable[int]) -> dict[int, PeopleFigures]:
    """{edition id: its participants' figures}, every edition asked included (zeros if nobody). One query: the
    participants counted by edition, status, gender, country and sector (a few hundred rows at most)."""
    edition_ids = list(edition_ids)
    figures = {edition_id: PeopleFigures() for edition_id in edition_ids}
    rows = (
        participants_of(edition_ids)
        .values_list("edition_id", "status", "user__profile__gender", "user__profile__country", "user__profile__sector")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for edition_id, status, gender, country, sector, count in rows:
        edition = figures[edition_id]
        edition.participants += count
        if status in COMPLETED_STATUSES:
            edition.completed += count
        gender = _clean(gender)
        edition.genders[gender] = edition.genders.get(gender, 0) + count
        edition.countries[_clean(country)] += count
        edition.sectors[_clean(sector)] += count
    return figures


@dataclass
class Headline:
    """A school's figures for its public page: distinct people, not enrolments (one person, many editions)."""

    editions: int
    participants: int  # distinct people who took part in at least one edition
    countries: int  # distinct countries they come from
    women: int
    gender_known: int

    @property
    def women_share(self) -> float | None:
        return share(self.women, self.gender_known)

    @property
    def women_percent(self) -> int | None:
        value = self.women_share
        return None if value is None else round(value * 100)


def _headline_counts() -> dict:
    """The headline's counts over people (User rows, each person once, their profile if any): one rule for
    headline() and with_headline()."""
    # Typed by hand: "Mali", "mali " and "MALI" are one country; blank is none (COUNT skips NULL).
    country = NullIf(Lower(Trim("profile__country")), Value(""))
    return {
        "participants": Count("pk"),
        "women": Count("pk", filter=Q(profile__gender=Profile.Gender.FEMALE)),
        "gender_known": Count("pk", filter=Q(profile__gender__in=GENDERS)),
        "countries": Count(country, distinct=True),
    }


def headline(editions: Iterable[Edition]) -> Headline:
    """The headline figures of these editions together, counted by the database in one query: the people who
    hold a participant's enrolment (a semi-join: each person once, no DISTINCT over the enrolments)."""
    editions = list(editions)
    people = participants_of(edition.pk for edition in editions).values("user_id")
    figures = get_user_model().objects.filter(pk__in=people).aggregate(**_headline_counts())
    return Headline(editions=len(editions), **figures)


def with_headline(schools, editions):
    """`schools` (a School queryset) annotated with the headline of their `editions` (an Edition queryset, e.g. the
    published ones), for school_headline(): no query more than the school's own, two subqueries (the people's
    counts together, as one JSON object, and the editions')."""
    people = Enrolment.objects.filter(
        edition__in=editions.values("pk"), status__in=PARTICIPANT_STATUSES, edition__school=OuterRef(OuterRef("pk"))
    ).values("user_id")
    counts = (
        get_user_model()
        .objects.filter(pk__in=people)
        .order_by()  # the user model's ordering would join the GROUP BY
        .annotate(all=Value(1))
        .values("all")
        .annotate(value=JSONObject(**_headline_counts()))
        .values("value")
    )
    return schools.annotate(
        headline_counts=Subquery(counts),
        headline_editions=Coalesce(
            Subquery(
                editions.filter(school=OuterRef("pk")).values("school").annotate(value=Count("pk")).values("value")
            ),
            0,
        ),
    )


def school_headline(school) -> Headline:
    """The headline of a school read from with_headline()'s annotations."""
    counts = school.headline_counts or {}
    return Headline(
        editions=school.headline_editions,
        **{name: int(counts.get(name) or 0) for name in ("participants", "countries", "women", "gender_known")},
    )


# ---------------------------------------------------------------------------
# The cache: the figures read every enrolment of the editions and their people's profiles (at 10,000 people, more
# than the rest of a page), and change exactly when the roster's facts do: they are filed under the roster facts'
# generation token (services.roster_facts), which every write of an enrolment or a profile replaces, bulk writes
# included. Read the token first, then the database, then file what was read under that token: what the cache holds
# is never older than its token. A cache that does not answer only makes the figures read from the database.

# Part of every key: change it when what is cached changes shape.
SHAPE = 1
FIGURES_TIMEOUT = roster_facts.FACTS_TIMEOUT


def _token() -> str | None:
    try:
        token = cache.get(roster_facts.GENERATION_KEY)
        if token is None:  # never set, or evicted: start one (another process may have just done so)
            cache.add(roster_facts.GENERATION_KEY, uuid.uuid4().hex, timeout=None)
            token = cache.get(roster_facts.GENERATION_KEY)
        return token
    except Exception:
        logger.warning("Figures: the cache is unreachable, reading from the database", exc_info=True)
        return None


def _key(token: str, name: str) -> str:
    return f"cohorts:figures:{SHAPE}:{token}:{name}"


def _peek(token: str | None, name: str):
    if token is None:
        return None
    try:
        return cache.get(_key(token, name))
    except Exception:
        return None


def _file(token: str | None, name: str, value) -> None:
    if token is not None:
        try:
            cache.set(_key(token, name), value, timeout=FIGURES_TIMEOUT)
        except Exception:
            logger.warning("Figures: the cache is unreachable, %s not kept", name, exc_info=True)


def cached_people_by_edition(edition_ids: Iterable[int]) -> dict[int, PeopleFigures]:
    """people_by_edition(), from the cache while no enrolment or profile was written."""
    edition_ids = sorted(edition_ids)
    token, name = _token(), "people:" + ",".join(map(str, edition_ids))
    found = _peek(token, name)
    if found is None:
        found = people_by_edition(edition_ids)
        _file(token, name, found)
    return found


def cached_headline(editions: Iterable[Edition]) -> Headline:
    """headline(), from the cache while no enrolment or profile was written."""
    editions = list(editions)
    token, name = _token(), "headline:" + ",".join(str(edition.pk) for edition in sorted(editions, key=lambda e: e.pk))
    found = _peek(token, name)
    if found is None:
        found = headline(editions)
        _file(token, name, found)
    return found


def public_school_headline(school_slug: str, published) -> tuple:
    """The school's page in two queries, its headline from the cache when it can be.

    Returns (the school, with_headline()'s annotations when the cache had nothing; a function that takes the
    editions shown and returns the headline). The cached headline is kept with the editions it counted: when one was
    published or hidden since, it is read again (one query more, once)."""
    token = _token()
    name = f"public:{school_slug}"
    found = _peek(token, name)
    schools = School.objects.all() if found is not None else with_headline(School.objects.all(), published)

    def headline_of(school, editions) -> Headline:
        ids = sorted(edition.pk for edition in editions)
        if found is not None and found[0] == ids:
            return found[1]
        value = school_headline(school) if found is None else headline(editions)
        _file(token, name, (ids, value))
        return value

    return schools, headline_of


def _clean(value: str | None) -> str:
    return (value or "").strip()
