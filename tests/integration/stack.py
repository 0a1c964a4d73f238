"""What the real-stack drills share: the check that the stack is there (skip locally, fail in CI), the address of
pytest's committed test database for subprocesses, free loopback ports and polling."""

import os
import shutil
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

CHROMIUM = Path("/usr/bin/chromium")


def require(what: str, *, redis_url: bool = True, redis_server: bool = False, chromium: bool = False) -> None:
    """Skip `what` when the stack it needs is missing, except with CI=true, where a missing piece fails the run."""
    missing = []
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        missing.append("a PostgreSQL DATABASE_URL")
    if redis_url and not os.environ.get("REDIS_URL"):
        missing.append("REDIS_URL")
    if redis_server and not shutil.which("redis-server"):
        missing.append("redis-server")
    if chromium and not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (Debian's chromium)")
    if missing:
        reason = f"{what} needs {' and '.join(missing)} (see README)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def committed_database_url() -> str:
    """DATABASE_URL, pointing at pytest's test database (the one each test's rows are committed to)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + settings.DATABASES["default"]["NAME"]))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, timeout: float = 20.0, every: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False
