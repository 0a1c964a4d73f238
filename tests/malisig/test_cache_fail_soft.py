"""The Redis cache answers as a miss when Redis is down or frozen, quickly, logs once, and forgets on its return
what a write made during the outage would have replaced."""

import logging
import os
import shutil
import signal
import socket
import subprocess
import time

import pytest
from django.core.cache import cache

from malisig import cache as fail_soft
from malisig.generations import GenerationCache
from malisig.ratelimit import Rate, hit

BACKEND = "malisig.cache.FailSoftRedisCache"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def use_cache(settings):
    """use_cache(location, **options): the default cache becomes a fail-soft Redis cache there."""

    def configure(location: str, **options):
        options = {"socket_connect_timeout": 0.2, "socket_timeout": 0.2, **options}
        settings.CACHES = {"default": {"BACKEND": BACKEND, "LOCATION": location, "OPTIONS": options}}

    fail_soft._outages.clear()
    yield configure
    fail_soft._outages.clear()


@pytest.fixture
def frozen_server():
    """A server that accepts connections and never answers (a frozen or cut-off Redis)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    listener.close()


@pytest.fixture
def redis_server(tmp_path):
    """A private redis-server on a free port: (url, process)."""
    if not shutil.which("redis-server"):
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is needed (apt-get install redis-server)")
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    import redis

    client = redis.Redis(port=port, socket_timeout=1)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0", process
    process.send_signal(signal.SIGCONT)
    process.kill()
    process.wait()


def test_every_call_on_a_closed_port_answers_as_a_miss_without_raising(use_cache):
    use_cache(f"redis://127.0.0.1:{free_port()}/0", RETRY_AFTER=0)

    started = time.monotonic()
    cache.set("a", 1)
    answers = {
        "get": cache.get("a", "default"),
        "get_many": cache.get_many(["a", "b"]),
        "add": cache.add("a", 1),
        "delete": cache.delete("a"),
        "has_key": cache.has_key("a"),
        "touch": cache.touch("a"),
        "get_or_set": cache.get_or_set("a", "computed"),
        "set_many": cache.set_many({"a": 1, "b": 2}),
        "delete_many": cache.delete_many(["a"]),
    }
    with pytest.raises(ValueError):
        cache.incr("a")

    assert answers == {
        "get": "default",
        "get_many": {},
        "add": False,
        "delete": False,
        "has_key": False,
        "touch": False,
        "get_or_set": "computed",
        "set_many": ["a", "b"],
        "delete_many": None,
    }
    assert time.monotonic() - started < 1


def test_a_frozen_server_costs_one_timeout_then_calls_answer_at_once(use_cache, frozen_server):
    use_cache(frozen_server, RETRY_AFTER=30)

    started = time.monotonic()
    first = cache.get("a")
    first_took = time.monotonic() - started
    for _ in range(20):
        cache.get("a")
        cache.set("a", 1)
    total = time.monotonic() - started

    assert first is None
    assert 0.15 < first_took < 1
    assert total < first_took + 0.2


def test_an_outage_is_logged_once_per_period_not_per_call(use_cache, caplog):
    use_cache(f"redis://127.0.0.1:{free_port()}/0", RETRY_AFTER=0, LOG_EVERY=60)

    with caplog.at_level(logging.WARNING, logger="malisig.cache"):
        for _ in range(25):
            cache.get("a")

    warnings = [record for record in caplog.records if record.name == "malisig.cache"]
    assert len(warnings) == 1
    assert "unreachable" in warnings[0].getMessage()


def test_the_rate_limiter_lets_requests_through_while_the_cache_is_down(use_cache):
    use_cache(f"redis://127.0.0.1:{free_port()}/0")

    answers = [hit("autosave", "user:1", Rate(amount=1, period=60))[0] for _ in range(3)]

    assert answers == [True, True, True]


def test_edition_wide_values_are_read_from_the_database_while_the_cache_is_down(use_cache):
    use_cache(f"redis://127.0.0.1:{free_port()}/0")
    family = GenerationCache("test:down", "Test", 60)
    reads = []

    values = [family.cached(1, "facts", lambda: reads.append(1) or len(reads)) for _ in range(3)]

    assert values == [1, 2, 3]


def test_a_token_replaced_while_redis_was_frozen_is_forgotten_when_it_answers_again(use_cache, redis_server, db):
    url, process = redis_server
    use_cache(url, RETRY_AFTER=0.1)
    family = GenerationCache("test:frozen-write", "Test", 3600)
    facts = {"value": "before"}
    assert family.cached(1, "facts", lambda: facts["value"]) == "before"

    for pool in cache._cache._pools.values():
        pool.disconnect()  # the write below then never reaches Redis (a frozen server would run it when thawed)
    process.send_signal(signal.SIGSTOP)
    facts["value"] = "after"
    family.changed()  # a write replaces the token: lost, Redis does not answer
    process.send_signal(signal.SIGCONT)
    time.sleep(0.15)

    assert family.cached(1, "facts", lambda: facts["value"]) == "after"


def test_a_process_that_only_saw_the_outage_forgets_the_tokens_another_may_have_failed_to_replace(
    use_cache, redis_server
):
    url, process = redis_server
    use_cache(url, RETRY_AFTER=0.1)
    family = GenerationCache("test:seen-outage", "Test", 3600)
    facts = {"value": "before"}
    assert family.cached(1, "facts", lambda: facts["value"]) == "before"

    process.send_signal(signal.SIGSTOP)
    assert cache.get("anything") is None  # this process notices the outage; another one's write fails meanwhile
    facts["value"] = "after"
    process.send_signal(signal.SIGCONT)
    time.sleep(0.15)

    assert family.cached(1, "facts", lambda: facts["value"]) == "after"
    assert family.cached(1, "facts", lambda: "read again") == "after"  # cached again, under a new token


def test_the_settings_use_the_fail_soft_cache_with_short_timeouts_when_redis_is_set():
    from tests.malisig.test_settings_from_environment import run_python

    probe = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps(settings.CACHES['default']))"
    )

    result = run_python(probe, REDIS_URL="redis://127.0.0.1:6379/0", REDIS_CACHE_TIMEOUT="0.7")

    assert result.stdout.strip() == (
        '{"BACKEND": "malisig.cache.FailSoftRedisCache", "LOCATION": "redis://127.0.0.1:6379/0", '
        '"OPTIONS": {"socket_connect_timeout": 0.7, "socket_timeout": 0.7}}'
    )
