"""Django's Redis cache, failing soft: a cache server that is down, frozen or cut off makes every page slower (read
from the database), never broken.

- Short socket timeouts (settings.REDIS_CACHE_TIMEOUT, 0.5 s by default): a frozen server costs one request half a
  second, not a hung worker.
- A call that meets a connection error or a timeout is answered as a miss or a no-op: get() returns the default,
  get_many() {}, add() and delete() False, set() nothing, incr() raises ValueError as for a missing key (the rate
  limiter then lets the request through). Other errors (a value that cannot be pickled) still raise.
- After a failure, calls are answered at once without trying, for RETRY_AFTER seconds (5 by default): a page making
  ten cache calls while Redis is unreachable waits for one timeout, not ten.
- One warning per LOG_EVERY seconds (60) per process, with how many calls were answered blind meanwhile; one line when
  the server answers again.
- Nothing kept may be older than a write that was meant to replace it: the keys a failed set() or delete() was
  meant to change, and the keys registered with forget_after_outage() (generation tokens, see generations.py), are
  deleted when the server answers again, before the call that found it back. Another process that wrote during the
  outage forgets its own keys when it next reaches the server; the registered keys are forgotten by every process
  that saw the outage.

In settings: CACHES = {"default": {"BACKEND": "malisig.cache.FailSoftRedisCache", "LOCATION": REDIS_URL, ...}};
OPTIONS takes redis-py's pool options (socket_timeout, socket_connect_timeout) and RETRY_AFTER, LOG_EVERY.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ReadOnlyError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# At most this many keys remembered for deletion per server and process; beyond, the outage's end says so.
MAX_REMEMBERED = 10_000
DELETE_CHUNK = 500

_registered: set[str] = set()
_registered_lock = threading.Lock()


def forget_after_outage(key: str) -> None:
    """Delete `key` (as the application names it) whenever a process finds the cache server back after an outage:
    for a token that every write replaces, so that a write made while the server was unreachable is not hidden."""
    with _registered_lock:
        _registered.add(key)


def is_outage(error: Exception) -> bool:
    """The server is unreachable, frozen, loading, read-only or refusing writes (out of memory, disk full)."""
    if isinstance(error, RedisConnectionError | RedisTimeoutError | ReadOnlyError | OSError):
        return True
    return isinstance(error, ResponseError) and str(error).startswith(("OOM", "MISCONF"))


class Outage:
    """What one process knows of one server's health; shared by the threads' cache objects."""

    def __init__(self, retry_after: float, log_every: float):
        self.retry_after = retry_after
        self.log_every = log_every
        self.lock = threading.Lock()
        self.down_since: float | None = None
        self.next_try = 0.0
        self.last_warning = float("-inf")
        self.blind = 0  # calls answered without the server since the outage began
        self.unlogged = 0  # ... since the last warning
        self.keys: set[str] = set()
        self.overflowed = False

    def may_try(self, now: float) -> bool:
        return self.down_since is None or now >= self.next_try

    def remember(self, keys) -> None:
        with self.lock:
            for key in keys:
                if len(self.keys) >= MAX_REMEMBERED:
                    self.overflowed = True
                    return
                self.keys.add(key)

    def skipped(self, written) -> None:
        self.remember(written)
        with self.lock:
            self.blind += 1
            self.unlogged += 1

    def failed(self, error: Exception, written, now: float) -> None:
        self.remember(written)
        with self.lock:
            if self.down_since is None:
                self.down_since = now
            self.next_try = now + self.retry_after
            self.blind += 1
            self.unlogged += 1
            if now - self.last_warning < self.log_every:
                return
            self.last_warning, calls, self.unlogged = now, self.unlogged, 0
        logger.warning(
            "Cache server unreachable (%s: %s): %s call(s) answered as misses; pages read the database. "
            "Trying again every %s s.",
            type(error).__name__,
            error,
            calls,
            self.retry_after,
        )

    def keys_to_forget(self) -> list[str]:
        with self.lock:
            return sorted(self.keys)

    def recovered(self, now: float, forgotten: list[str]) -> None:
        with self.lock:
            if self.down_since is None:
                return
            seconds, blind, overflowed = now - self.down_since, self.blind, self.overflowed
            self.down_since, self.blind, self.unlogged, self.overflowed = None, 0, 0, False
            self.keys.difference_update(forgotten)  # a key remembered meanwhile by another thread stays
        logger.warning(
            "Cache server reachable again after %.1f s (%s call(s) answered as misses); %s key(s) forgotten.",
            seconds,
            blind,
            len(forgotten),
        )
        if overflowed:
            logger.warning("Over %s keys written in the outage: some may stay stale until they expire.", MAX_REMEMBERED)


_outages: dict[tuple, Outage] = {}
_outages_lock = threading.Lock()


def outage_for(servers, retry_after: float, log_every: float) -> Outage:
    key = (tuple(servers), retry_after, log_every)
    with _outages_lock:
        if key not in _outages:
            _outages[key] = Outage(retry_after, log_every)
        return _outages[key]


class FailSoftRedisCache(RedisCache):
    RETRY_AFTER = 5.0
    LOG_EVERY = 60.0
    TIMEOUT = 0.5

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        retry_after = float(options.pop("RETRY_AFTER", self.RETRY_AFTER))
        log_every = float(options.pop("LOG_EVERY", self.LOG_EVERY))
        options.setdefault("socket_connect_timeout", self.TIMEOUT)
        options.setdefault("socket_timeout", self.TIMEOUT)
        super().__init__(server, {**params, "OPTIONS": options})
        self.outage = outage_for(self._servers, retry_after, log_every)

    def _soft(self, fallback, call, written=()):
        """call(), or `fallback` when the server cannot be reached (and the keys meant to be written remembered)."""
        outage = self.outage
        forgotten: list[str] = []
        if outage.down_since is not None and not outage.may_try(time.monotonic()):
            outage.skipped(written)
            return fallback
        try:
            if outage.down_since is not None:
                forgotten = self._forget(outage)
            result = call()
        except Exception as error:
            if not is_outage(error):
                raise
            outage.failed(error, written, time.monotonic())
            return fallback
        if outage.down_since is not None:
            outage.recovered(time.monotonic(), forgotten)
        return result

    def _forget(self, outage: Outage) -> list[str]:
        """The first call after an outage: delete what may have been hidden by a failed write, then carry on."""
        with _registered_lock:
            keys = set(_registered)
        keys.update(outage.keys_to_forget())
        ordered = sorted(keys)
        for start in range(0, len(ordered), DELETE_CHUNK):
            super().delete_many(ordered[start : start + DELETE_CHUNK])
        return ordered

    # Reads: a miss.
    def get(self, key, default=None, version=None):
        return self._soft(default, lambda: super(FailSoftRedisCache, self).get(key, default, version))

    def get_many(self, keys, version=None):
        keys = list(keys)
        return self._soft({}, lambda: super(FailSoftRedisCache, self).get_many(keys, version))

    def has_key(self, key, version=None):
        return self._soft(False, lambda: super(FailSoftRedisCache, self).has_key(key, version))

    # Writes: nothing stored; what they were meant to replace is deleted once the server is back.
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # Not remembered: a failed add changed nothing that could go stale (and a claim must not be deleted later).
        return self._soft(False, lambda: super(FailSoftRedisCache, self).add(key, value, timeout, version))

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._soft(None, lambda: super(FailSoftRedisCache, self).set(key, value, timeout, version), [key])

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        data = dict(data)
        failed = list(data)
        return self._soft(failed, lambda: super(FailSoftRedisCache, self).set_many(data, timeout, version), failed)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._soft(False, lambda: super(FailSoftRedisCache, self).touch(key, timeout, version))

    def delete(self, key, version=None):
        return self._soft(False, lambda: super(FailSoftRedisCache, self).delete(key, version), [key])

    def delete_many(self, keys, version=None):
        keys = list(keys)
        self._soft(None, lambda: super(FailSoftRedisCache, self).delete_many(keys, version), keys)

    def incr(self, key, delta=1, version=None):
        missing = object()
        result = self._soft(missing, lambda: super(FailSoftRedisCache, self).incr(key, delta, version))
        if result is missing:
            raise ValueError(f"Key '{key}' not found (the cache server is unreachable)")
        return result

    def clear(self):
        return self._soft(False, lambda: super(FailSoftRedisCache, self).clear())
