"""Values read from a whole edition, kept in the shared cache under a generation token that every write replaces.

Used where a page needs an edition-wide figure that is costly to read and changes only on writes (the roster's
facts, the jury's results). The writer side calls `changed()`: at once (a later read of the same transaction sees
the write) and again once the transaction commits (a read from another connection in between saw the rows as they
were before). The reader side calls `cached(edition_id, name, read)`: it takes the token before it reads, and files
what it read under that token, so what the cache holds is never older than its token. A write made behind the
application's back (SQL by hand) shows when the values expire, within `timeout`.

The cache must be the one every process shares (REDIS_URL): with the local-memory cache of the embedded default, a
write is seen at once only by the process that made it. When the cache server is unreachable, values are read from
the database (slower, still right), and the tokens are forgotten when it answers again.
"""

import logging
import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction

from .cache import forget_after_outage

logger = logging.getLogger(__name__)


class GenerationCache:
    """One family of cached values (`prefix`), with its own token; `label` names it in the logs."""

    def __init__(self, prefix: str, label: str, timeout: int):
        self.prefix = prefix
        self.label = label
        self.timeout = timeout
        self.generation_key = f"{prefix}:generation"
        # A token replaced while the cache server was unreachable must not come back with it (malisig/cache.py).
        forget_after_outage(self.generation_key)

    def changed(self, using: str = DEFAULT_DB_ALIAS) -> None:
        """Forget every edition's cached values, now and again once the current transaction commits."""
        if transaction.get_connection(using).in_atomic_block:
            self._new_generation()
        # Outside a transaction, the write is committed already and this runs at once.
        transaction.on_commit(self._new_generation, using=using)

    def cached(self, edition_id: int, name: str, read: Callable[[], object]):
        """The edition's `name`: from the cache if filed under the current token, else `read()` and filed."""
        key = f"{self.prefix}:{edition_id}:{name}"
        try:
            found = cache.get_many([self.generation_key, key])
            generation = self._current_generation(found)
        except Exception:  # the cache server is down: the page still answers, from the database
            logger.warning(
                "%s: the cache is unreachable, reading %s from the database", self.label, name, exc_info=True
            )
            return read()
        stored = found.get(key)
        if stored is not None and stored[0] == generation:
            return stored[1]
        value = read()
        try:
            cache.set(key, (generation, value), timeout=self.timeout)
        except Exception:
            logger.warning("%s: the cache is unreachable, %s not kept", self.label, name, exc_info=True)
        return value

    def _new_generation(self) -> None:
        try:
            cache.set(self.generation_key, uuid.uuid4().hex, timeout=None)
        except Exception:  # the cache server is down: the write stands; reads go to the database meanwhile
            logger.warning("%s: the cache is unreachable, the new generation was not set", self.label, exc_info=True)

    def _current_generation(self, found: dict) -> str:
        generation = found.get(self.generation_key)
        if generation is None:  # never set, or evicted: whatever is cached was filed under another token
            generation = uuid.uuid4().hex
            if not cache.add(self.generation_key, generation, timeout=None):
                generation = cache.get(self.generation_key) or generation  # another process set one first
        return generation
