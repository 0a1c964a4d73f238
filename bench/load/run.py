"""The load test: 200 participants, 5 jurors and 2 organisers against the production stack, on loopback.

    .venv/bin/python bench/load/run.py                     # 5 minutes, 207 simulated people
    .venv/bin/python bench/load/run.py --duration 30s --users 47   # a quick trial (40 participants)

One command: it rebuilds the malisig_load PostgreSQL database (LOAD_DATABASE_URL; the name must contain "load"),
empties its Redis database (LOAD_REDIS_URL, db 12 by default), migrates, seeds one running edition through the
project's services (bench/load/seed.py), collects the static files into a temporary folder, then starts what
deploy/ runs on a small 2-core server: gunicorn (WEB_CONCURRENCY=3 sync workers, --timeout 60), one Celery worker
(concurrency 2) and Celery beat, DEBUG=False, behind a reverse proxy that the load generator plays (HTTPS seen
through X-Forwarded-Proto, the client's address in X-Forwarded-For). Locust then runs headless for the duration
(bench/load/locustfile.py) while every process's resident memory is sampled each second.

It prints, and writes to bench/load_results.json and bench/load_results.md: the throughput, per endpoint the count,
p50, p95 and failures, over the whole run and over the steady state (after every person has logged in), gunicorn's
own time per address, the scenario's own counts (autosave conflicts, imports applied, reviews saved), the errors,
and each process's peak memory (RSS; USS, its private part) and CPU seconds. It exits 1 if there was any error.
"""

import argparse
import csv
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import psutil

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
RESULTS_JSON = ROOT / "bench" / "load_results.json"
RESULTS_MD = ROOT / "bench" / "load_results.md"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/malisig_load"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
JURORS, ORGANISERS = 5, 2  # the locustfile's fixed counts
WEB_CONCURRENCY = 3  # deploy/: the Dockerfile, docker-compose.yml and the systemd unit on a 2-core VPS
WORKER_CONCURRENCY = 2  # docker-compose.yml's default
SPAWN_RATE = 20
SAMPLE_EVERY = 1.0
HOST = "127.0.0.1"
MB = 1024 * 1024
# gunicorn's default access line plus the time the request took in the worker (seconds), to tell server time from
# queueing in the listen backlog.
ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)s'
BACKENDS = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"


# ---------------------------------------------------------------------------
# Options and environment
# ---------------------------------------------------------------------------
def duration_seconds(text: str) -> int:
    match = re.fullmatch(r"(\d+)\s*([smh]?)", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"a duration looks like 300, 300s, 5m or 1h, not {text!r}")
    return int(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=duration_seconds, default=300, help="how long Locust runs (default 5m)")
    parser.add_argument(
        "--users", type=int, default=200 + JURORS + ORGANISERS,
        help="simulated people in all (default 207: 200 participants, 5 jurors, 2 organisers); lower for a trial",
    )  # fmt: skip
    parser.add_argument("--keep-logs", action="store_true", help="keep the working folder (every process's log)")
    parser.add_argument("--spawn-rate", type=int, default=SPAWN_RATE, help="people logging in per second")
    args = parser.parse_args()
    if args.users < JURORS + ORGANISERS + 1:
        parser.error(f"--users must leave at least one participant beside {JURORS} jurors and {ORGANISERS} organisers")
    return args


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def stack_environment(database_url: str, redis_url: str, port: int, workdir: Path) -> dict[str, str]:
    """What deploy/ sets for the web, the worker and beat, with this run's database, Redis db and folders."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_"))}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DEBUG="False",
        SECRET_KEY="load-test-only-key-never-used-outside-bench-load-0123456789abcdef",
        ALLOWED_HOSTS=HOST,
        SITE_URL=f"https://{HOST}:{port}",
        # Behind the proxy: HTTPS comes from X-Forwarded-Proto (the SSL redirect stays on and never fires), and
        # the client's address from X-Forwarded-For, as docker-compose.yml sets them for Caddy.
        BEHIND_HTTPS_PROXY="True",
        TRUSTED_PROXY_COUNT="1",
        STATIC_ROOT=str(workdir / "static"),
        MEDIA_ROOT=str(workdir / "media"),
        WEB_CONCURRENCY=str(WEB_CONCURRENCY),
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
        DJANGO_SETTINGS_MODULE="malisig.settings",
    )
    return env


# ---------------------------------------------------------------------------
# Database and Redis: this run's own, emptied first
# ---------------------------------------------------------------------------
def database_name(database_url: str) -> str:
    name = urlsplit(database_url).path.lstrip("/")
    if "load" not in name:
        sys.exit(f"load: refusing to rebuild {name!r}; the database name must contain 'load'")
    return name


def recreate_database(database_url: str) -> None:
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    name = database_name(database_url)
    with psycopg.connect(make_conninfo(database_url, dbname="postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def empty_redis_database(redis_url: str) -> None:
    import redis

    if urlsplit(redis_url).path.strip("/") in ("", "0"):
        sys.exit("load: LOAD_REDIS_URL must name its own Redis database (e.g. redis://127.0.0.1:6379/12), not db 0")
    redis.Redis.from_url(redis_url).flushdb()  # FLUSHDB: this database only


def run_step(title: str, command: list[str], env: dict[str, str], log: Path) -> None:
    print(f"load: {title}...", flush=True)
    with log.open("a") as output:
        result = subprocess.run(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        sys.exit(f"load: {title} failed (exit {result.returncode}); see {log}")


def prepare(env: dict[str, str], workdir: Path, participants: int) -> dict:
    python = sys.executable
    log = workdir / "prepare.log"
    recreate_database(env["DATABASE_URL"])
    empty_redis_database(env["REDIS_URL"])
    run_step("migrating", [python, "manage.py", "migrate", "--no-input", "-v", "0"], env, log)
    run_step("collecting static files", [python, "manage.py", "collectstatic", "--no-input", "-v", "0"], env, log)
    # Seeding runs its Celery tasks in-process (no REDIS_URL): the queue starts empty when the measure starts.
    seed_env = {key: value for key, value in env.items() if key != "REDIS_URL"}
    world = workdir / "world.json"
    run_step(
        f"seeding {participants} participants, {JURORS} jurors, {ORGANISERS} organisers",
        [python, str(HERE / "seed.py"), str(world), "--participants", str(participants)],
        seed_env,
        log,
    )
    return json.loads(world.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------
# The stack: gunicorn, a Celery worker, Celery beat
# ---------------------------------------------------------------------------
@contextmanager
def running_stack(env: dict[str, str], port: int, workdir: Path) -> Iterator[dict[str, subprocess.Popen]]:
    commands = {
        # As the Dockerfile and deploy/systemd/malisig-web.service start it (WEB_CONCURRENCY workers, sync).
        "gunicorn": [str(VENV_BIN / "gunicorn"), "malisig.wsgi", "--bind", f"{HOST}:{port}", "--timeout", "60",
                     "--access-logfile", str(workdir / "access.log"), "--access-logformat", ACCESS_LOG_FORMAT],
        "celery worker": [str(VENV_BIN / "celery"), "-A", "malisig", "worker", "--loglevel", "INFO",
                          "--concurrency", str(WORKER_CONCURRENCY), "--hostname", "malisig-load@%h"],
        "celery beat": [str(VENV_BIN / "celery"), "-A", "malisig", "beat", "--loglevel", "INFO",
                        "--schedule", str(workdir / "celerybeat-schedule")],
    }  # fmt: skip
    processes: dict[str, subprocess.Popen] = {}
    try:
        for name, command in commands.items():
            log = (workdir / f"{name.replace(' ', '-')}.log").open("w")
            processes[name] = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_until_healthy(port, processes)
        yield processes
    finally:
        for process in processes.values():
            stop(process)


def stop(process: subprocess.Popen) -> None:
    """Warm shutdown (SIGTERM to its own session: master and children), then SIGKILL after 30 s."""
    if process.poll() is not None:
        return
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def wait_until_healthy(port: int, processes: dict[str, subprocess.Popen], timeout: float = 90) -> None:
    request = urllib.request.Request(f"http://{HOST}:{port}/healthz", headers={"X-Forwarded-Proto": "https"})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name, process in processes.items():
            if process.poll() is not None:
                sys.exit(f"load: {name} stopped at start (exit {process.returncode}); see its log")
        with suppress(OSError, urllib.error.HTTPError), urllib.request.urlopen(request, timeout=5) as answer:
            if answer.status == 200:
                return
        time.sleep(0.5)
    sys.exit(f"load: /healthz did not answer 200 within {timeout:.0f} s")


# ---------------------------------------------------------------------------
# Memory: every process sampled each second, the peak kept
# ---------------------------------------------------------------------------
class MemorySampler(threading.Thread):
    """Each second: RSS and USS of the gunicorn master and each worker, the Celery worker and its children, beat,
    the PostgreSQL backends serving this database (summed), the Redis server and the load generator. Keeps each
    one's peak, and the peak of each group's sum at one instant."""

    def __init__(self, stack: dict[str, subprocess.Popen], locust: subprocess.Popen, database_url: str):
        super().__init__(daemon=True)
        self.stack, self.locust, self.database_url = stack, locust, database_url
        self.peaks: dict[str, dict[str, float]] = {}
        self.cpu: dict[str, float] = {}  # CPU seconds used so far, by process (the last sample's)
        self.samples = 0
        self.halt = threading.Event()
        self.redis = next(
            (p for p in psutil.process_iter(["name", "cmdline"]) if p.info["name"] == "redis-server"
             and any(":6379" in part for part in p.info["cmdline"] or [])),
            None,
        )  # fmt: skip

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as connection:
            while not self.halt.wait(SAMPLE_EVERY):
                backends = [row[0] for row in connection.execute(BACKENDS)]
                self.sample(backends)

    def sample(self, backends: list[int]) -> None:
        groups: dict[str, list[tuple[str, psutil.Process]]] = {}
        for name, popen in self.stack.items():
            with suppress(psutil.Error):
                parent = psutil.Process(popen.pid)
                members = [(f"{name} (main)", parent)]
                members += [(f"{name} child {child.pid}", child) for child in parent.children(recursive=True)]
                groups[name] = members
        groups["postgresql backends"] = [
            (f"postgresql backend {pid}", process) for pid in backends if (process := _process(pid)) is not None
        ]
        if self.redis is not None:
            groups["redis-server (shared)"] = [("redis-server (shared)", self.redis)]
        with suppress(psutil.Error):
            groups["locust (load generator)"] = [("locust (load generator)", psutil.Process(self.locust.pid))]
        for group, members in groups.items():
            total_rss = total_uss = 0.0
            for label, process in members:
                try:
                    info = process.memory_full_info()
                    times = process.cpu_times()
                except psutil.Error:
                    continue
                if group != "postgresql backends":
                    self.cpu[label] = times.user + times.system
                rss, uss = info.rss / MB, info.uss / MB
                total_rss, total_uss = total_rss + rss, total_uss + uss
                if group != "postgresql backends":
                    self.keep(label, rss, uss)
            if len(members) > 1 or group == "postgresql backends":
                self.keep(f"{group} total", total_rss, total_uss)
        self.samples += 1

    def keep(self, label: str, rss: float, uss: float) -> None:
        peak = self.peaks.setdefault(label, {"rss_mb": 0.0, "uss_mb": 0.0})
        peak["rss_mb"] = round(max(peak["rss_mb"], rss), 1)
        peak["uss_mb"] = round(max(peak["uss_mb"], uss), 1)

    def stop(self) -> None:
        self.halt.set()
        self.join(timeout=10)

    def report(self) -> dict[str, dict[str, float]]:
        """Peaks by process (with the CPU seconds it used), children renamed worker 1, 2... in order of appearance."""
        renamed, counters = {}, {}
        for label, peak in self.peaks.items():
            if label in self.cpu:
                peak["cpu_s"] = round(self.cpu[label], 1)
            match = re.fullmatch(r"(.+) child \d+", label)
            if match:
                counters[match.group(1)] = counters.get(match.group(1), 0) + 1
                kind = "worker" if match.group(1) == "gunicorn" else "pool process"
                label = f"{match.group(1)} {kind} {counters[match.group(1)]}"
            renamed[label] = peak
        return renamed


def _process(pid: int) -> psutil.Process | None:
    try:
        return psutil.Process(pid)
    except psutil.Error:
        return None


# ---------------------------------------------------------------------------
# Locust
# ---------------------------------------------------------------------------
def run_locust(env, port, workdir, args, database_url, stack) -> tuple[MemorySampler, float]:
    participants = args.users - JURORS - ORGANISERS
    locust_env = dict(env)
    locust_env.update(
        MALISIG_LOAD_WORLD=str(workdir / "world.json"),
        MALISIG_LOAD_PARTICIPANTS=str(participants),
        MALISIG_LOAD_COUNTERS=str(workdir / "counts.json"),
    )
    command = [
        str(VENV_BIN / "locust"), "-f", str(HERE / "locustfile.py"), "--headless", "--host", f"http://{HOST}:{port}",
        "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.duration}s", "--csv", str(workdir / "locust"),
        "--only-summary", "--loglevel", "WARNING", "--logfile", str(workdir / "locust.log"),
    ]  # fmt: skip
    print(f"load: Locust, {args.users} people ({participants} participants, {JURORS} jurors, {ORGANISERS} "
          f"organisers) for {args.duration} s against http://{HOST}:{port}...", flush=True)  # fmt: skip
    started = time.monotonic()
    with (workdir / "locust.out").open("w") as output:
        locust = subprocess.Popen(command, cwd=ROOT, env=locust_env, stdout=output, stderr=subprocess.STDOUT)
        sampler = MemorySampler(stack, locust, database_url)
        sampler.start()
        try:
            with suppress(subprocess.TimeoutExpired):
                locust.wait(timeout=args.duration + 180)
        finally:
            if locust.poll() is None:  # overran its time by far, or this run was interrupted
                locust.kill()
                locust.wait()
            sampler.stop()
    return sampler, time.monotonic() - started


def stopped_during_run(stack: dict[str, subprocess.Popen]) -> list[dict]:
    """A process of the stack that is gone before the end is an error (a gunicorn worker that died and was
    replaced shows as one more worker in the memory table, and its requests as failures)."""
    return [
        {"error": f"{name} stopped during the run (exit {process.returncode})", "count": 1, "where": ""}
        for name, process in stack.items()
        if process.poll() is not None
    ]


def read_stats(workdir: Path) -> tuple[list[dict], dict, list[dict], list[dict]]:
    def rows(name: str) -> list[dict]:
        path = workdir / f"locust_{name}.csv"
        if not path.exists():
            return []
        with path.open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    def number(value: str) -> float:
        with suppress(ValueError):
            return float(value)
        return 0.0

    endpoints, total = [], {}
    for row in rows("stats"):
        entry = {
            "method": row["Type"],
            "name": row["Name"],
            "count": int(number(row["Request Count"])),
            "failures": int(number(row["Failure Count"])),
            "p50_ms": number(row["50%"]),
            "p95_ms": number(row["95%"]),
            "p99_ms": number(row["99%"]),
            "max_ms": round(number(row["Max Response Time"])),
            "rps": round(number(row["Requests/s"]), 2),
        }
        if row["Name"] == "Aggregated":
            total = entry
        else:
            endpoints.append(entry)
    failures = [
        {"method": r["Method"], "name": r["Name"], "error": r["Error"], "count": int(number(r["Occurrences"]))}
        for r in rows("failures")
    ]
    exceptions = [{"error": r["Message"], "count": int(number(r["Count"])), "where": r["Traceback"][-300:]}
                  for r in rows("exceptions")]  # fmt: skip
    return endpoints, total, failures, exceptions


def nearest_rank(ordered: list[float], share: float) -> float:
    return ordered[max(0, -(-int(share * 100) * len(ordered) // 100) - 1)] if ordered else 0.0


def steady_state(report: dict, endpoints: list[dict], total: dict) -> dict:
    """Each endpoint's p50 and p95 for the requests started after the login rush (every person logged in and
    opened their first page), from Locust's own timings."""
    since = report.get("ready_at") or 0.0
    samples = [sample for sample in report.get("samples", []) if sample[0] >= since]
    if not since or not samples:
        return {}
    by_endpoint: dict[tuple[str, str], list[float]] = {}
    for _when, method, name, milliseconds, _failed in samples:
        by_endpoint.setdefault((method, name), []).append(milliseconds)
    for entry in endpoints:
        times = sorted(by_endpoint.get((entry["method"], entry["name"]), []))
        entry["steady_count"] = len(times)
        entry["steady_p50_ms"] = round(nearest_rank(times, 0.50))
        entry["steady_p95_ms"] = round(nearest_rank(times, 0.95))
    everything = sorted(sample[3] for sample in samples)
    seconds = max(samples[-1][0] - since, 1.0)
    first = min(sample[0] for sample in report["samples"])
    return {
        "starts_after_s": round(since - first, 1),
        "seconds": round(seconds, 1),
        "requests": len(samples),
        "throughput_rps": round(len(samples) / seconds, 2),
        "p50_ms": round(nearest_rank(everything, 0.50)),
        "p95_ms": round(nearest_rank(everything, 0.95)),
    }


ACCESS_LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3}) .* (?P<seconds>[\d.]+)$')


def server_side(access_log: Path) -> list[dict]:
    """Per address pattern (ids as <id>), the time gunicorn spent on each request, from its access log."""
    by_path: dict[tuple[str, str], list[float]] = {}
    if not access_log.exists():
        return []
    for line in access_log.read_text(encoding="utf-8", errors="replace").splitlines():
        match = ACCESS_LINE.search(line)
        if not match or match["path"] == "/healthz":
            continue
        path = re.sub(r"/\d+(?=/|$)", "/<id>", match["path"].split("?")[0])
        by_path.setdefault((match["method"], path), []).append(float(match["seconds"]) * 1000)
    rows = []
    for (method, path), times in sorted(by_path.items(), key=lambda item: -len(item[1])):
        times.sort()
        p50, p95 = round(nearest_rank(times, 0.5)), round(nearest_rank(times, 0.95))
        rows.append({"method": method, "path": path, "count": len(times), "p50_ms": p50, "p95_ms": p95})
    return rows


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------
def build_results(args, world, endpoints, total, failures, exceptions, counts, memory, elapsed, load_before) -> dict:
    errors = sum(f["count"] for f in failures) + sum(e["count"] for e in exceptions)
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "duration_s": args.duration,
        "wall_s": round(elapsed, 1),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(),
        },
        "stack": {
            "gunicorn_workers": WEB_CONCURRENCY,
            "gunicorn_worker_class": "sync",
            "celery_worker_concurrency": WORKER_CONCURRENCY,
            "celery_beat": 1,
            "debug": False,
            "database": "PostgreSQL (loopback)",
            "broker_and_cache": "Redis (loopback)",
        },
        "people": {"users": args.users, **world["counts"]},
        "throughput_rps": total.get("rps", 0.0),
        "requests": total.get("count", 0),
        "p50_ms": total.get("p50_ms", 0.0),
        "p95_ms": total.get("p95_ms", 0.0),
        "errors": errors,
        "endpoints": endpoints,
        "scenario": counts,
        "failures": failures,
        "exceptions": exceptions,
        "peak_memory_mb": memory,
    }


def endpoint_table(results: dict) -> list[str]:
    lines = [
        "| endpoint | method | count | p50 ms | p95 ms | max ms | failures | steady count | steady p50 | steady p95 |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for e in sorted(results["endpoints"], key=lambda e: -e["count"]):
        lines.append(f"| {e['name']} | {e['method']} | {e['count']} | {e['p50_ms']:.0f} | {e['p95_ms']:.0f} | "
                     f"{e['max_ms']} | {e['failures']} | {e.get('steady_count', '')} | {e.get('steady_p50_ms', '')} | "
                     f"{e.get('steady_p95_ms', '')} |")  # fmt: skip
    steady = results.get("steady_state") or {}
    lines.append(f"| **all** | | {results['requests']} | {results['p50_ms']:.0f} | {results['p95_ms']:.0f} | | "
                 f"{sum(e['failures'] for e in results['endpoints'])} | {steady.get('requests', '')} | "
                 f"{steady.get('p50_ms', '')} | {steady.get('p95_ms', '')} |")  # fmt: skip
    return lines


def memory_table(results: dict) -> list[str]:
    lines = ["| process | peak RSS MB | peak USS MB | CPU s |", "|---|---:|---:|---:|"]
    for label, peak in results["peak_memory_mb"].items():
        lines.append(f"| {label} | {peak['rss_mb']:.1f} | {peak['uss_mb']:.1f} | {peak.get('cpu_s', '')} |")
    return lines


def markdown(results: dict) -> str:
    people = results["people"]
    machine = results["machine"]
    scenario = ", ".join(f"{name}: {count}" for name, count in sorted(results["scenario"].items())) or "none"
    lines = [
        "# Load test results",
        "",
        f"Measured {results['measured_at']} by `bench/load/run.py` for {results['duration_s']} s: "
        f"{people['participants']} participants in {people['drafting_groups']} drafting groups, {people['jurors']} "
        f"jurors ({people['submitted_groups']} documents in review), {people['organisers']} organisers; gunicorn "
        f"({results['stack']['gunicorn_workers']} sync workers), one Celery worker "
        f"(concurrency {results['stack']['celery_worker_concurrency']}) and beat, PostgreSQL and Redis, on loopback. "
        f"{machine['cpus']} CPUs, load average {machine['load_average_before'][0]} before and "
        f"{machine['load_average_after'][0]} after (Locust runs on the same machine).",
        "",
        f"**Throughput {results['throughput_rps']:.1f} requests/s**, {results['requests']} requests, "
        f"**errors: {results['errors']}**.",
        "",
        steady_sentence(results),
        "",
        *endpoint_table(results),
        "",
        f"Scenario counts (autosave conflicts are answers, not errors): {scenario}.",
        "",
        "Peak memory, sampled every second (RSS; USS is the process's private part, what it alone costs; totals are "
        "the peak of the sum at one instant; Redis is the machine's shared server):",
        "",
        *memory_table(results),
        "",
        "Server side: the time gunicorn's worker spent on each request (its access log), without the wait in the "
        "listen queue nor the load generator's own delays; the gap to the client's figures above is that queueing.",
        "",
        "| method | address | count | p50 ms | p95 ms |",
        "|---|---|---:|---:|---:|",
        *[
            f"| {r['method']} | `{r['path']}` | {r['count']} | {r['p50_ms']} | {r['p95_ms']} |"
            for r in results.get("server_side", [])
        ],
    ]
    if results["failures"] or results["exceptions"]:
        lines += ["", "## Errors", ""]
        lines += [f"- {f['count']} x {f['method']} {f['name']}: {f['error']}" for f in results["failures"]]
        lines += [f"- {e['count']} x exception: {e['error']}" for e in results["exceptions"]]
    return "\n".join(lines) + "\n"


def steady_sentence(results: dict) -> str:
    steady = results.get("steady_state")
    if not steady:
        return "No steady state: the run ended before every person had logged in."
    return (
        f"Every person logs in once at the start ({results['people']['users']} password checks, slow on purpose) and "
        f"opens their first page; the last one was ready {steady['starts_after_s']} s in. The steady state is the "
        f"{steady['seconds']} s after it: "
        f"{steady['throughput_rps']:.1f} requests/s, p50 {steady['p50_ms']} ms, p95 {steady['p95_ms']} ms "
        "(the *steady* columns)."
    )


def print_report(results: dict) -> None:
    print()
    print(f"Throughput: {results['throughput_rps']:.1f} requests/s over {results['duration_s']} s "
          f"({results['requests']} requests)")  # fmt: skip
    print(steady_sentence(results))
    print()
    for line in endpoint_table(results):
        if not line.startswith("|---"):
            cells = [cell.strip().strip("*") for cell in line.strip("|").split("|")]
            print(f"{cells[0]:<22}" + "".join(f"{cell.replace('steady ', 'st. '):>10}" for cell in cells[1:]))
    print()
    for name, count in sorted(results["scenario"].items()):
        print(f"  {name}: {count}")
    print()
    print(f"{'process':<44}{'peak RSS MB':>14}{'peak USS MB':>14}{'CPU s':>10}")
    for label, peak in results["peak_memory_mb"].items():
        print(f"{label:<44}{peak['rss_mb']:>14.1f}{peak['uss_mb']:>14.1f}{peak.get('cpu_s', ''):>10}")
    print()
    print("Server side (gunicorn's own time per request, without the wait in its listen queue):")
    for row in results.get("server_side", []):
        print(f"  {row['method']:<5}{row['path']:<64}{row['count']:>7}{row['p50_ms']:>8} ms{row['p95_ms']:>8} ms")
    print()
    for failure in results["failures"]:
        print(f"FAILURE {failure['count']} x {failure['method']} {failure['name']}: {failure['error']}")
    for exception in results["exceptions"]:
        print(f"EXCEPTION {exception['count']} x {exception['error']}")
    print(f"Errors: {results['errors']}")


def main() -> None:
    args = parse_args()
    database_url = os.environ.get("LOAD_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("LOAD_REDIS_URL", DEFAULT_REDIS_URL)
    database_name(database_url)
    workdir = Path(tempfile.mkdtemp(prefix="malisig-load-"))
    port = free_port()
    env = stack_environment(database_url, redis_url, port, workdir)
    print(f"load: working folder {workdir} (logs of every process)", flush=True)
    try:
        world = prepare(env, workdir, participants=args.users - JURORS - ORGANISERS)
        load_before = os.getloadavg()
        with running_stack(env, port, workdir) as stack:
            sampler, elapsed = run_locust(env, port, workdir, args, database_url, stack)
            stopped = stopped_during_run(stack)
        endpoints, total, failures, exceptions = read_stats(workdir)
        exceptions += stopped
        counts_path = workdir / "counts.json"
        report = json.loads(counts_path.read_text()) if counts_path.exists() else {}
        results = build_results(
            args, world, endpoints, total, failures, exceptions, report.get("counts", {}), sampler.report(),
            elapsed, load_before,
        )  # fmt: skip
        results["steady_state"] = steady_state(report, results["endpoints"], total)
        results["server_side"] = server_side(workdir / "access.log")
        if not total:
            results["errors"] += 1
            results["exceptions"].append({"error": "Locust wrote no statistics", "count": 1, "where": ""})
    except BaseException:
        print(f"load: stopped; the logs stay in {workdir}", file=sys.stderr)
        raise
    print_report(results)
    RESULTS_JSON.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    RESULTS_MD.write_text(markdown(results), encoding="utf-8")
    print(f"Written: {RESULTS_JSON.relative_to(ROOT)}, {RESULTS_MD.relative_to(ROOT)}")
    if results["errors"]:
        print(f"load: {results['errors']} errors; the logs stay in {workdir}", file=sys.stderr)
        sys.exit(1)
    if not args.keep_logs:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
