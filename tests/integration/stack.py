"""What the real-stack drills share: the check that the stack is there (skip locally, fail in CI), the address of
pytest's committed test database for subprocesses, free loopback ports and polling."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
# Unacknowledged tasks of a dead worker come back after this (Redis visibility timeout; the default is an hour).
VISIBILITY_TIMEOUT = 6
WORKER = (
    "import sys; {bootstrap}"
    "from malisig.celery import app; "
    f"app.conf.broker_transport_options = {{{{'visibility_timeout': {VISIBILITY_TIMEOUT}}}}}; "
    "app.worker_main(['worker', '--pool=solo', '--concurrency=1', '--loglevel=INFO', '--without-gossip', "
    "'--without-mingle', '--without-heartbeat', '-n', sys.argv[1]])"
)


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


@contextmanager
def killable_workers(tmp_path: Path, env: dict, *, bootstrap: str = ""):
    """start(name) runs a real Celery worker in a subprocess (solo, a short visibility timeout so that a killed
    worker's task comes back within seconds), its output in tmp_path/<name>.log; every one still alive is stopped at
    the end. The Redis database is emptied first: no task left over from an earlier run."""
    import redis

    from malisig.celery import app as celery_app

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    was_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    command = WORKER.format(bootstrap=bootstrap)
    started = []

    def start(name: str) -> subprocess.Popen:
        log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [sys.executable, "-c", command, f"{name}@%h"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        started.append((process, log))
        return process

    try:
        yield start
    finally:
        celery_app.conf.task_always_eager = was_eager
        for process, log in started:
            stop_gracefully(process)
            log.close()


def stop_gracefully(process: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM (gunicorn and Celery finish what they do), then SIGKILL if it is still there after `timeout`. SIGCONT
    first: a process stopped on purpose (a frozen Redis) ignores SIGTERM until it runs again."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGCONT)
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
