"""Fault drill: PostgreSQL restarted while people write. Requests during the outage fail cleanly (503, Retry-After,
a plain page or JSON for the editor, never a traceback), the site recovers by itself once PostgreSQL is back (no
gunicorn restart: CONN_HEALTH_CHECKS replaces the dead connections), every autosave acknowledged before the stop is
in the database, and the text sent again after the outage is saved. In a browser too: text typed during the outage
stays on the device and is saved once the database is back.

Never the shared server: the test creates its own PostgreSQL cluster (initdb, as the postgres user when run as root)
on a free port, migrates and seeds it, and runs gunicorn as in production (DEBUG off, collected static files) with
only the switches that plain HTTP on loopback needs."""

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

from tests.integration.stack import CHROMIUM, free_port, stop_gracefully, wait_until

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
OUTAGE_TIMEOUT = 10  # seconds a request may take while the database is down: failing fast, not hanging
SEED = """
import json
import django

django.setup()
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cohorts.models import Role
from groups.models import Formation
from submissions import services
from tests.factories import (
    AssignmentFactory, EditionFactory, EditionRoleFactory, GroupFactory, MembershipFactory, SectionTemplateFactory,
    UserFactory,
)

edition = EditionFactory(slug="malisig-2026", title="MaliSIG 2026", year=2026)
Formation.objects.create(edition=edition, published_at=timezone.now())
assignment = AssignmentFactory(edition=edition)
for position, title in enumerate(["Introduction", "Conclusion"], start=1):
    SectionTemplateFactory(assignment=assignment, position=position, title_fr=title)
group = GroupFactory(edition=edition, name="Secteur privé")
awa = UserFactory(email="awa@example.org", first_name="Awa", last_name="Traoré")
EditionRoleFactory(edition=edition, user=awa, role=Role.PARTICIPANT)
MembershipFactory(group=group, user=awa)
sections = services.ensure_sections(group)
client = Client()
client.force_login(awa)
database = settings.DATABASES["default"]
print(json.dumps({
    "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
    "session_cookie": settings.SESSION_COOKIE_NAME,
    "csrf_cookie": settings.CSRF_COOKIE_NAME,
    "workspace": reverse("submissions:workspace", args=[edition.slug, group.pk]),
    "save_urls": [reverse("submissions:section_save", args=[edition.slug, group.pk, s.pk]) for s in sections],
    "section_ids": [s.pk for s in sections],
    "health_checks": database.get("CONN_HEALTH_CHECKS"),
    "conn_max_age": database.get("CONN_MAX_AGE"),
}))
"""


START_IMPORT = """
import sys
import django

django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile

from cohorts.models import Edition, Role
from cohorts.services.imports import queue_run, start_import
from tests.factories import EditionRoleFactory, UserFactory

edition = Edition.objects.get(slug="malisig-2026")
organiser = UserFactory(email="organiser@example.org")
EditionRoleFactory(edition=edition, user=organiser, role=Role.ORGANISER)
header = "Prénom;Nom;Adresse de courriel;Organisation;Pays;Genre;Note finale;Date d'achèvement"
rows = [f"Awa{i};Traoré;p{i:04d}@example.org;Orange Mali;Mali;F;14;05/09/2023" for i in range(int(sys.argv[1]))]
upload = SimpleUploadedFile("resultats.csv", ("\\r\\n".join([header, *rows]) + "\\r\\n").encode("cp1252"))
job = start_import(edition, upload, by=organiser)
queue_run(job, dry_run=False, by=organiser)  # autocommit: on the Redis queue at once
print(job.pk)
"""
WORKER = (
    "import sys; from tests.integration import slow_worker; slow_worker.install(); from malisig.celery import app; "
    "app.worker_main(['worker', '--pool=solo', '--concurrency=1', '--loglevel=INFO', '--without-gossip', "
    "'--without-mingle', '--without-heartbeat', '-n', 'drill@%h'])"
)
IMPORT_LINES = 400


def postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda path: int(path.parts[-3]))
    return found[-1].parent if found else None


def as_postgres(command: list) -> list:
    """PostgreSQL refuses to run as root: then run its tools as the postgres user."""
    return ["runuser", "-u", "postgres", "--", *map(str, command)] if os.geteuid() == 0 else list(map(str, command))


class Cluster:
    """A private PostgreSQL cluster: stop() and start() are the drill; nobody else uses it."""

    def __init__(self, bin_dir: Path, home: Path, port: int):
        self.bin, self.home, self.port = bin_dir, home, port
        self.data, self.log = home / "data", home / "postgres.log"

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def run(self, *command) -> None:
        subprocess.run(as_postgres(command), check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self.run(self.bin / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1"
        self.run(self.bin / "pg_ctl", "start", "-D", self.data, "-l", self.log, "-w", "-t", "60", "-o", options)

    def stop(self) -> None:
        self.run(self.bin / "pg_ctl", "stop", "-D", self.data, "-m", "fast", "-w", "-t", "60")

    def query(self, database: str, sql: str, *params) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as connection:
            cursor = connection.execute(sql, params)
            return cursor.fetchall() if cursor.description else []


@pytest.fixture(scope="module")
def cluster():
    bin_dir = postgres_bin()
    if bin_dir is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        reason = "the PostgreSQL drill needs PostgreSQL's server binaries (apt-get install postgresql) and runuser"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    home = Path(tempfile.mkdtemp(prefix="malisig-pg-drill-"))
    if os.geteuid() == 0:
        shutil.chown(home, "postgres", "postgres")
    cluster = Cluster(bin_dir, home, free_port())
    try:
        cluster.init()
        cluster.start()
        cluster.query("postgres", "CREATE DATABASE malisig")
        yield cluster
    finally:
        if (cluster.data / "postmaster.pid").exists():
            subprocess.run(
                as_postgres([bin_dir / "pg_ctl", "stop", "-D", cluster.data, "-m", "immediate"]),
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def site(cluster, tmp_path_factory):
    """Migrated, seeded, static files collected, gunicorn (2 workers) up: the seed's facts and the site's URL."""
    work = tmp_path_factory.mktemp("site")
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith(("DJANGO_", "CELERY_"))},
        "DJANGO_SETTINGS_MODULE": "malisig.settings",
        "DATABASE_URL": cluster.url("malisig"),
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1",
        # Plain HTTP on loopback: no redirect to https, no HSTS. Cookies stay Secure (browsers accept them here).
        "SECURE_SSL_REDIRECT": "False",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_ROOT": str(work / "static"),
        "MEDIA_ROOT": str(work / "media"),
    }
    env.pop("REDIS_URL", None)  # tasks in-process and a local cache: this drill is about the database only
    collect = subprocess.Popen([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
    seeded = subprocess.run(
        [sys.executable, "-c", SEED], cwd=ROOT, env=env, check=True, timeout=120, capture_output=True
    )
    facts = json.loads(seeded.stdout.decode().strip().splitlines()[-1])
    assert collect.wait(timeout=300) == 0
    port = free_port()
    log = open(work / "gunicorn.log", "wb")  # noqa: SIM115 - closed below
    gunicorn = subprocess.Popen(
        [Path(sys.executable).parent / "gunicorn", "malisig.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--timeout", "30", "--access-logfile", "-"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_until(lambda: answers(f"{base}/healthz"), timeout=60), (work / "gunicorn.log").read_text()
        yield {**facts, "base": base, "log": work / "gunicorn.log", "env": env}
    finally:
        stop_gracefully(gunicorn, timeout=30)
        log.close()


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False


class Member:
    """Awa, through HTTP as her browser would talk: her session cookie, a CSRF cookie and its header."""

    def __init__(self, site: dict):
        self.site, self.csrf = site, secrets.token_hex(16)
        self.cookies = f"{site['session_cookie']}={site['session']}; {site['csrf_cookie']}={self.csrf}"

    def get(self, path: str, **headers) -> requests.Response:
        return requests.get(self.site["base"] + path, headers={"Cookie": self.cookies, **headers}, timeout=15)

    def autosave(self, section: int, html: str, base_version: int) -> requests.Response:
        return requests.post(
            self.site["base"] + self.site["save_urls"][section],
            data=json.dumps({"html": html, "base_version": base_version, "origin": "typed"}),
            headers={
                "Cookie": self.cookies,
                "X-CSRFToken": self.csrf,
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
            timeout=15,
        )


def stored_versions(cluster: Cluster, section_id: int) -> dict[int, str]:
    rows = cluster.query(
        "malisig", "SELECT number, html FROM submissions_sectionversion WHERE section_id = %s", section_id
    )
    return dict(rows)


def test_requests_fail_cleanly_while_postgresql_restarts_and_nothing_acknowledged_is_lost(cluster, site):
    awa = Member(site)
    assert site["health_checks"] is True and site["conn_max_age"] > 0  # persistent connections, checked per request
    acknowledged, version = {}, 0
    for number in range(1, 4):
        html = f"<p>Paragraphe {number} : l'accès à Internet est un droit.</p>"
        saved = awa.autosave(0, html, version)
        assert saved.status_code == 200, saved.text
        version = saved.json()["version"]
        acknowledged[version] = html
    assert awa.get(site["workspace"]).status_code == 200

    cluster.stop()
    try:
        started = time.monotonic()
        page = awa.get(site["workspace"])
        pending = "<p>Paragraphe 4, écrit pendant la coupure.</p>"
        refused = awa.autosave(0, pending, version)
        health = requests.get(site["base"] + "/healthz", timeout=15)
        anonymous = requests.get(site["base"] + "/", timeout=15)
        during = time.monotonic() - started
    finally:
        cluster.start()

    # A plain page, in French, with Retry-After; nothing of the error leaks.
    assert page.status_code == 503, page.text[:500]
    assert page.headers["Retry-After"] == "30" and page.headers["Content-Type"].startswith("text/html")
    assert '<html lang="fr">' in page.text and "Réessayer" in page.text
    for leak in ("Traceback", "OperationalError", "psycopg", str(cluster.port), "settings.py"):
        assert leak not in page.text
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]  # the outer middleware still ran
    # JSON for the editor: it keeps the text on the device and sends it again (as after a 429 or when offline).
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "30"
    assert refused.json()["status"] == "unavailable" and refused.json()["message"]
    assert health.status_code == 503 and health.json()["database"] == "down"
    assert anonymous.status_code in (200, 503) and "Traceback" not in anonymous.text
    assert during < 4 * OUTAGE_TIMEOUT

    # Back without restarting gunicorn: each of its workers replaces its dead connection on its next request.
    after = [awa.get(site["workspace"]).status_code for _ in range(6)]
    retried = awa.autosave(0, pending, version)
    print(f"postgres drill: 4 requests during the outage took {during:.2f} s; after restart: {after}")
    assert after == [200] * 6
    assert retried.status_code == 200 and retried.json()["version"] == version + 1, retried.text
    stored = stored_versions(cluster, site["section_ids"][0])
    assert {number: stored.get(number) for number in acknowledged} == acknowledged
    assert stored[version + 1] == pending and len(stored) == len(acknowledged) + 1
    log = site["log"].read_text(errors="replace")
    assert " 503 " in log and "Booting worker" in log and log.count("Booting worker") == 2  # no worker restarted


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium to run the browser part of the drill"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_text_typed_while_postgresql_restarts_stays_on_the_device_and_is_saved_after(cluster, site, browser):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    context.add_cookies(
        [{"name": site["session_cookie"], "value": site["session"], "url": site["base"], "secure": True}]
    )
    page = context.new_page()
    page.goto(site["base"] + site["workspace"])
    section = page.get_by_test_id("section").nth(1)
    area, state = section.get_by_test_id("editor-area"), section.get_by_test_id("save-state")
    area.click()
    page.keyboard.type("Avant la coupure.")
    expect(state).to_have_attribute("data-state", "saved")

    cluster.stop()
    try:
        page.keyboard.type(" Pendant la coupure, rien ne se perd.")
        expect(state).to_have_attribute("data-state", "local")  # the 503 answered: kept on the device
        kept = page.evaluate("Object.keys(localStorage).map(k => localStorage.getItem(k)).join(' ')")
        assert "rien ne se perd" in kept
    finally:
        cluster.start()

    expect(state).to_have_attribute("data-state", "saved", timeout=30_000)  # the editor's own retry, 5 s later
    stored = stored_versions(cluster, site["section_ids"][1])
    assert "Avant la coupure. Pendant la coupure, rien ne se perd." in stored[max(stored)]
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('malisig:ws:')).length") == 0
    context.close()


@pytest.fixture
def worker(site, tmp_path):
    """A Celery worker on the private cluster and Redis, slowed down (tests/integration/slow_worker.py)."""
    if not os.environ.get("REDIS_URL"):
        reason = "the import part of the PostgreSQL drill needs REDIS_URL (a Celery broker)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()  # no task left over from an earlier run
    env = {
        **site["env"],
        "REDIS_URL": os.environ["REDIS_URL"],
        "SLOW_IMPORT_BATCH_SIZE": "50",
        "SLOW_IMPORT_BATCH_SECONDS": "0.4",
    }
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen([sys.executable, "-c", WORKER], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield env, tmp_path / "worker.log"
    finally:
        stop_gracefully(process)
        log.close()


def test_an_import_running_while_postgresql_restarts_carries_on_and_imports_each_line_once(cluster, site, worker):
    env, log = worker
    started = subprocess.run(
        [sys.executable, "-c", START_IMPORT, str(IMPORT_LINES)], cwd=ROOT, env=env, check=True, capture_output=True
    )
    job_id = int(started.stdout.split()[-1])

    def job() -> tuple:
        return cluster.query(
            "malisig", "SELECT status, rows_done, counts FROM cohorts_importjob WHERE id = %s", job_id
        )[0]

    assert wait_until(lambda: job()[1] >= 100, timeout=60), log.read_text(errors="replace")[-3000:]
    stopped_at = time.monotonic()
    cluster.stop()
    cluster.start()
    assert wait_until(lambda: job()[0] != "applying", timeout=60), log.read_text(errors="replace")[-3000:]

    status, rows_done, counts = job()
    text = log.read_text(errors="replace")
    print(f"import drill: back {time.monotonic() - stopped_at:.1f} s after the stop")
    assert (status, rows_done, counts["created"], counts["unchanged"]) == ("applied", IMPORT_LINES, IMPORT_LINES, 0)
    assert "the database cannot be reached, next try in 5 s" in text and "carrying on after line" in text
    people = cluster.query("malisig", "SELECT count(*) FROM malisig_user WHERE email LIKE 'p0%%@example.org'")
    enrolments = cluster.query(
        "malisig", "SELECT count(*), count(DISTINCT user_id) FROM cohorts_enrolment e JOIN cohorts_edition d "
        "ON d.id = e.edition_id WHERE d.slug = 'malisig-2026'"
    )  # fmt: skip
    rows = cluster.query(
        "malisig", "SELECT count(*), count(DISTINCT line) FROM cohorts_importrow WHERE job_id = %s", job_id
    )
    assert (
        people == [(IMPORT_LINES,)]
        and enrolments == [(IMPORT_LINES, IMPORT_LINES)]
        and rows == [(IMPORT_LINES, IMPORT_LINES)]
    )
