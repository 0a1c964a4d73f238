"""What the roster needs to know of a whole edition, cached: the countries of its people, how many enrolments each
status has (the filter's choices and the page's total) and the dates of its attendance sessions.

Reading the first two is a pass over every enrolment of the edition and its people's profiles: at 10,000 people,
more than the rest of the page. They change only when an enrolment, a profile or a session is written, so they are
kept in the cache (Redis in production) under a generation token that every such write replaces, through
roster_facts_changed():

- a write of one row through the ORM (save, delete, the cascade of deleting a person or an edition): the
  receivers in cohorts.receivers, on post_save and post_delete of Enrolment, Profile and AttendanceEvent;
- a bulk write, which sends no signal (the import's COPY and bulk queries, the masterclasses' sessions): its
  writer calls roster_facts_changed() itself;
- a migration (data migrations write without signals): cohorts.receivers, on post_migrate.

A read takes the token before it queries, and files what it read under that token: what the cache holds is never
older than its token. The new token is set at once (a later read of the same transaction sees the write) and again
once the transaction commits (a read from another connection in between saw the rows as they were before). A write
made behind the application's back (SQL by hand) shows when the facts expire, within FACTS_TIMEOUT.

The cache must be the one every process shares (REDIS_URL): with the local-memory cache of the embedded default, a
write is seen at once only by the process that made it. When the cache server is unreachable, the facts are read
from the database (slower, still right).
"""

import datetime as dt

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Count

from malisig.generations import GenerationCache

from ..models import AttendanceEvent, Enrolment, Profile

# The token keeps the facts right; the timeout lets old editions' facts go, and bounds how long a write made behind
# the application's back goes unseen.
FACTS_TIMEOUT = 24 * 60 * 60
_FACTS = GenerationCache("cohorts:roster-facts", "Roster facts", FACTS_TIMEOUT)
GENERATION_KEY = _FACTS.generation_key
_cached = _FACTS.cached


def roster_facts_changed(using: str = DEFAULT_DB_ALIAS) -> None:
    """Forget every edition's cached facts, now and again once the current transaction commits.

    Call it after any write of enrolments, profiles or attendance sessions that sends no post_save/post_delete signal
    (bulk_create, update(), bulk_update(), raw SQL): the receivers in cohorts.receivers cover the others.
    """
    _FACTS.changed(using)


def roster_countries(edition) -> list[str]:
    """The countries of the edition's people, sorted, for the roster's filter (cached)."""

    def read() -> list[str]:
        # Profiles of the edition's people, not joined through their user: one join fewer on every row.
        people = Enrolment.objects.filter(edition_id=edition.pk).values("user_id")
        return list(
            Profile.objects.filter(user_id__in=people)
            .exclude(country="")
            .order_by("country")
            .values_list("country", flat=True)
            .distinct()
        )

    return _cached(edition.pk, "countries", read)


def status_counts(edition_id: int) -> dict[str, int]:
    """How many enrolments the edition has in each status (a status with none is missing) (cached)."""

    def read() -> dict[str, int]:
        counts = Enrolment.objects.filter(edition_id=edition_id).values_list("status").annotate(n=Count("*"))
        return dict(counts.order_by())

    return _cached(edition_id, "status_counts", read)


def session_dates(edition_id: int) -> list[dt.date]:
    """The dates of the edition's attendance sessions, in order (cached)."""

    def read() -> list[dt.date]:
        sessions = AttendanceEvent.objects.filter(edition_id=edition_id).order_by("date")
        return list(sessions.values_list("date", flat=True))

    return _cached(edition_id, "session_dates", read)
