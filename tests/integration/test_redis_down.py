"""Redis down, the drill: a private redis-server, gunicorn and a Celery worker against pytest's PostgreSQL test
database. Redis is frozen (SIGSTOP: connections hang), then killed: pages still answer quickly, typed text is saved,
an import, an export and a message started meanwhile are accepted, say they wait for the task service and are kept
in PendingTask. Redis comes back on the same port with a worker; `manage.py flush_pending_tasks` hands the kept
tasks over, and each runs exactly once (the worker's log and the effects are counted).

Run by .ci/run (CI=true) with DATABASE_URL, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/malisig_redisdown;
needs the redis-server binary (its own Redis on a free port: the shared one is never stopped)."""

import email
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cohorts.models import ImportJob, Message, MessageRecipient, Role
from cohorts.services import outbox
from cohorts.services.imports import remembered_or_guessed_mapping
from groups.models import Formation
from malisig.models import PendingTask
from submissions.models import ExportFile, Section
from submissions.services import ensure_sections
from tests.factories import (
    AssignmentFactory,
    EditionRoleFactory,
    GroupFactory,
    MembershipFactory,
    SectionTemplateFactory,
    UserFactory,
)
from tests.integration.stack import committed_database_url, free_port, require, stop_gracefully, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def real_stack():
    require("the Redis-down drill", redis_url=False, redis_server=True)


ROOT = Path(__file__).resolve().parents[2]
PAGE_LIMIT = 3.0  # seconds: a page while Redis is frozen or down
CSRF = "r3d1sd0wnr3d1sd0wnr3d1sd0wnr3d1s"  # an unmasked CSRF secret of our own, sent as cookie and header
WORKER = (
    "from malisig.celery import app; "
    "app.worker_main(['worker', '--pool=solo', '--concurrency=1', '--loglevel=INFO', '--without-gossip', "
    "'--without-mingle', '--without-heartbeat', '-n', sys.argv[1]])"
)
CSV = "Prénom;Nom;Adresse de courriel;Organisation;Pays;Genre;Note finale\r\n" + "".join(
    f"P{i};N{i};p{i}@example.org;Org;Mali;F;12\r\n" for i in range(40)
)


class Processes:
    """Subprocesses started by the test, each stopped at the end (SIGCONT first: a frozen Redis ignores SIGTERM)."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.started: list[tuple[subprocess.Popen, object]] = []

    def start(self, name: str, command: list[str], env: dict | None = None) -> subprocess.Popen:
        log = open(self.tmp_path / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.started.append((process, log))
        return process

    def log(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text(errors="replace")

    def stop_all(self) -> None:
        for process, log in reversed(self.started):
            stop_gracefully(process)
            log.close()


@pytest.fixture
def processes(real_stack, tmp_path):
    started = Processes(tmp_path)
    try:
        yield started
    finally:
        started.stop_all()


def start_redis(processes: Processes, port: int) -> subprocess.Popen:
    import redis

    process = processes.start(
        "redis",
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    )
    client = redis.Redis(port=port, socket_timeout=1)

    def answers() -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    assert wait_until(answers, timeout=10), processes.log("redis")
    return process


@pytest.fixture
def world(transactional_db):
    """An edition with an organiser, a published group of three members and its sections."""
    organiser = UserFactory(email="organiser@example.org")
    members = [UserFactory(email=f"member{i}@example.org") for i in range(3)]
    group = GroupFactory(name="Société civile")
    edition = group.edition
    EditionRoleFactory(edition=edition, user=organiser, role=Role.ORGANISER)
    assignment = AssignmentFactory(edition=edition)
    for position, title in enumerate(["Introduction", "Analyse", "Conclusion"], start=1):
        SectionTemplateFactory(assignment=assignment, position=position, title_fr=title)
    Formation.objects.update_or_create(edition=edition, defaults={"published_at": timezone.now()})
    for member in members:
        EditionRoleFactory(edition=edition, user=member, role=Role.PARTICIPANT)
        MembershipFactory(group=group, user=member)
    sections = ensure_sections(group)
    return {"edition": edition, "group": group, "organiser": organiser, "member": members[0], "sections": sections}


def browser_for(user, base: str) -> requests.Session:
    """A requests session logged in as `user` (the session row is written to the shared database)."""
    client = Client()
    client.force_login(user)
    browser = requests.Session()
    browser.cookies.set(settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)
    browser.cookies.set(settings.CSRF_COOKIE_NAME, CSRF)
    browser.headers.update({"X-CSRFToken": CSRF, "Accept-Language": "en"})
    browser.base = base
    return browser


def timed_get(browser: requests.Session, path: str) -> tuple[requests.Response, float]:
    started = time.monotonic()
    response = browser.get(browser.base + path, timeout=30)
    return response, time.monotonic() - started


def pages_answer_quickly(browsers: dict, pages: dict) -> dict[str, float]:
    took = {}
    for name, (who, path) in pages.items():
        response, seconds = timed_get(browsers[who], path)
        assert response.status_code == 200, (name, response.status_code, response.text[:500])
        took[name] = round(seconds, 2)
    assert max(took.values()) < PAGE_LIMIT, took
    return took


def received(worker_log: str) -> Counter:
    return Counter(re.findall(r"Task ([\w.]+)\[[0-9a-f-]+\] received", worker_log))


def test_with_redis_frozen_then_down_pages_work_text_is_kept_and_jobs_wait_then_run_once(processes, world, tmp_path):
    edition, group, member, organiser = world["edition"], world["group"], world["member"], world["organiser"]
    redis_port, web_port = free_port(), free_port()
    media, mailbox = tmp_path / "media", tmp_path / "mail"
    mailbox.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": committed_database_url(),
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "CONN_MAX_AGE": "0",
        "DEBUG": "True",
        "MEDIA_ROOT": str(media),
        "EMAIL_BACKEND": "tests.integration.slow_email_backend.SlowFileBackend",
        "SLOW_EMAIL_SECONDS": "0",
        "EMAIL_FILE_PATH": str(mailbox),
        "LOG_LEVEL": "INFO",
    }
    start_redis(processes, redis_port)
    processes.start(
        "web",
        [sys.executable, "-m", "gunicorn", "malisig.wsgi", "--bind", f"127.0.0.1:{web_port}", "--workers", "2",
         "--timeout", "30", "--access-logfile", "-", "--control-socket", str(tmp_path / "web.ctl")],
        env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{web_port}"

    def web_healthy() -> bool:
        try:
            return requests.get(base + "/healthz", timeout=5).status_code == 200
        except requests.ConnectionError:
            return False

    assert wait_until(web_healthy, timeout=30, every=0.2), processes.log("web")
    browsers = {"member": browser_for(member, base), "organiser": browser_for(organiser, base)}
    pages = {
        "home": ("member", "/"),
        "edition": ("member", edition.get_absolute_url()),
        "workspace": ("member", reverse("submissions:workspace", args=[edition.slug, group.pk])),
        "dashboard": ("organiser", reverse("cockpit:dashboard", args=[edition.slug])),
    }
    for _ in range(2):  # both gunicorn workers fill the cache
        pages_answer_quickly(browsers, pages)
    redis = processes.started[0][0]

    # Frozen: connections hang. Pages and an export request answer within the cache's and the broker's timeouts.
    redis.send_signal(signal.SIGSTOP)
    frozen = pages_answer_quickly(browsers, pages)
    export, export_took = timed_get(
        browsers["member"], reverse("submissions:export", args=[edition.slug, group.pk, "docx"])
    )
    assert export.status_code == 200
    assert 'data-testid="task-waiting"' in export.text
    assert export_took < PAGE_LIMIT

    # Down: killed.
    redis.kill()
    redis.wait()
    down = pages_answer_quickly(browsers, pages)
    section = world["sections"][1]
    save_url = reverse("submissions:section_save", args=[edition.slug, group.pk, section.pk])
    saved = browsers["member"].post(
        base + save_url, json={"html": "<p>Texte tapé pendant la panne</p>", "base_version": 0}, timeout=30
    )
    assert saved.status_code == 200, saved.text[:500]
    assert "pendant la panne" in Section.objects.get(pk=section.pk).html

    organiser_browser = browsers["organiser"]
    uploaded = organiser_browser.post(
        base + reverse("cohorts:import_start", args=[edition.slug]),
        files={"file": ("resultats.csv", CSV.encode("cp1252"), "text/csv")},
        timeout=30,
    )
    job = ImportJob.objects.get(edition=edition)
    assert uploaded.status_code == 200, uploaded.text[:500]
    mapping = {name: str(index) for name, index in remembered_or_guessed_mapping(edition, job.headers).items()}
    previewing = organiser_browser.post(
        base + reverse("cohorts:import_mapping", args=[edition.slug, job.pk]), data=mapping
    )
    assert previewing.status_code == 200
    assert 'data-testid="task-waiting"' in previewing.text

    segment = {"kind": "group", "group_id": group.pk}
    texts = {"subject_fr": "Bonjour", "body_fr": "Une fois, {full_name}."}
    message = outbox.create_draft(edition, by=organiser, segment=segment, segment_label=group.name, **texts)
    sent = organiser_browser.post(
        base + reverse("cockpit:outbox_action", args=[edition.slug]),
        data={"send_selected": "1", "selected": [message.pk]},
    )
    assert sent.status_code == 200
    detail, _ = timed_get(organiser_browser, reverse("cockpit:message_detail", args=[edition.slug, message.pk]))
    assert 'data-testid="task-waiting"' in detail.text
    assert Message.objects.get(pk=message.pk).state == Message.State.QUEUED
    kept = Counter(PendingTask.objects.values_list("task", flat=True))
    assert kept == {
        "submissions.tasks.build_export_task": 1,
        "cohorts.tasks.run_import_task": 1,
        "cohorts.tasks.send_message_task": 1,
    }

    # Back: Redis on the same port (empty), a worker, and the kept tasks handed over.
    start_redis(processes, redis_port)
    processes.start("worker", [sys.executable, "-c", "import sys; " + WORKER, "redisdown@%h"], env)
    flushed = subprocess.run(
        [sys.executable, "manage.py", "flush_pending_tasks"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert flushed.returncode == 0, flushed.stdout + flushed.stderr
    assert "3 task(s) published, 0 still waiting" in flushed.stdout

    def all_done() -> bool:
        return (
            ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.PREVIEWED
            and ExportFile.objects.filter(group=group).exists()
            and Message.objects.get(pk=message.pk).state == Message.State.SENT
        )

    assert wait_until(all_done, timeout=60, every=0.2), processes.log("worker")[-3000:]
    assert not PendingTask.objects.exists()
    job.refresh_from_db()
    assert (job.rows_done, job.counts["created"]) == (40, 40)
    assert ExportFile.objects.filter(group=group).count() == 1
    assert MessageRecipient.objects.filter(message=message, state=MessageRecipient.State.SENT).count() == 3
    copies = Counter(email.message_from_bytes(path.read_bytes())["To"] for path in mailbox.glob("*.eml"))
    assert sorted(copies.values()) == [1, 1, 1]
    runs = received(processes.log("worker"))
    assert runs == {
        "submissions.tasks.build_export_task": 1,
        "cohorts.tasks.run_import_task": 1,
        "cohorts.tasks.send_message_task": 1,
    }, runs
    finished, _ = timed_get(organiser_browser, reverse("cohorts:import_detail", args=[edition.slug, job.pk]))
    assert 'data-testid="task-waiting"' not in finished.text
    assert 'data-testid="import-counts"' in finished.text
    print(f"\npages with Redis up then frozen: {frozen}; down: {down}; export while frozen: {export_took:.2f} s")
