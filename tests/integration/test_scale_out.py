"""Scale-out proof: two web processes and two Celery workers share one PostgreSQL and one Redis behind a round-robin
proxy on loopback, and a browser session, an autosave conflict, an import's progress bar and an outbox send all work
whichever process answers; no task runs twice.

The stack is the production one (docs/deploy.md, Dockerfile): `gunicorn malisig.wsgi` (WEB_CONCURRENCY=2 sync
workers each) and `celery -A malisig worker` (solo pool: one task at a time), DEBUG=False with its secure cookies
and whitenoise serving the hashed, compressed files that `collectstatic` wrote (as the image build does), sessions
in PostgreSQL, the cache and the broker in Redis, one MEDIA_ROOT shared by every process. The only departures, both
because loopback has no TLS: SECURE_SSL_REDIRECT=False, and the proxy says X-Forwarded-Proto: http (it is the
scheme the browser used, as nginx's $scheme would be). Chromium keeps Secure cookies on 127.0.0.1. The proxy is
tests/integration/roundrobin_proxy.py (why not nginx: its docstring).

Run (about a minute; needs PostgreSQL, Redis and /usr/bin/chromium):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/malisig_scale REDIS_URL=redis://127.0.0.1:6379/11 \\
        .venv/bin/python -m pytest tests/integration/test_scale_out.py -q
"""

import contextlib
import email
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from cohorts.models import Enrolment, ImportJob, ImportRow, Message, MessageRecipient, Role
from groups.models import Formation
from submissions.models import SectionVersion
from tests.e2e.editor import expect_state, stored_html, type_into
from tests.factories import (
    PASSWORD,
    AssignmentFactory,
    EditionFactory,
    EditionRoleFactory,
    GroupFactory,
    MembershipFactory,
    SectionTemplateFactory,
    UserFactory,
)
from tests.integration.stack import CHROMIUM, committed_database_url, require, wait_until

from .roundrobin_proxy import Backend, RoundRobinProxy

# Playwright's sync API keeps an asyncio loop running in this thread; Django would refuse ORM calls here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def real_stack():
    require("the scale-out proof", chromium=True)


ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CHROMIUM_ARGS.append("--disable-component-update")
WEB = ("web-1", "web-2")
WORKERS = ("worker-1", "worker-2")
DIRECT_PROBE = "/healthz?probe=direct"  # the test's own requests straight to a backend, not through the proxy
START_TIMEOUT = 60
WAIT = 20_000  # ms: a page, an autosave (3 s after the last key) or a task on a busy 2-core runner
SLUG = "malisig-2023"
RECIPIENTS = 24  # besides the group's two members: 26 copies, 0.3 s each, keep one worker busy about 8 s
IMPORTED = 20_000  # rows: ten batches of progress (cohorts.services.imports.BATCH_SIZE is 2000), a few seconds
# The commands of deploy/systemd (and docker-compose.yml), but for the pool and a port of the system's choosing.
WEB_COMMAND = ("-m", "gunicorn", "malisig.wsgi", "--bind", "127.0.0.1:0", "--access-logfile", "-")
WEB_COMMAND += ("--forwarded-allow-ips", "*", "--timeout", "60")
WORKER_COMMAND = ("-m", "celery", "-A", "malisig", "worker", "--loglevel", "INFO")
WORKER_COMMAND += ("--pool", "solo", "--concurrency", "1")
TASK_LINE = re.compile(r"Task (?P<name>[\w.]+)\[(?P<id>[0-9a-f-]{36})\] (?P<event>received|succeeded)")


# ---------------------------------------------------------------------------
# The stack


@dataclass
class Stack:
    proxy: RoundRobinProxy
    mailbox: Path
    logs: dict[str, Path]
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.proxy.url

    def log(self, name: str) -> str:
        return self.logs[name].read_text(errors="replace")


def production_environment(tmp: Path, proxy_url: str) -> dict[str, str]:
    """What deploy/systemd/malisig.env.example sets, on loopback; the same for the web processes and the workers."""
    environment = {
        name: value for name, value in os.environ.items() if name not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "EMAIL_URL")
    }
    environment.update(
        DEBUG="False",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL=proxy_url,
        BEHIND_HTTPS_PROXY="True",
        TRUSTED_PROXY_COUNT="1",
        SECURE_SSL_REDIRECT="False",  # no TLS on loopback: the only switch that production does not have
        DATABASE_URL=committed_database_url(),
        REDIS_URL=os.environ["REDIS_URL"],
        STATIC_ROOT=str(tmp / "static"),
        MEDIA_ROOT=str(tmp / "media"),  # shared by every process, as NFS or object storage would be
        EMAIL_BACKEND="tests.integration.slow_email_backend.SlowFileBackend",
        EMAIL_FILE_PATH=str(tmp / "mail"),
        SLOW_EMAIL_SECONDS="0.3",
        WEB_CONCURRENCY="2",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    return environment


def wait_for_line(stack: Stack, name: str, pattern: str) -> re.Match:
    found = {}

    def seen() -> bool:
        if stack.processes[name].poll() is not None:
            pytest.fail(f"{name} stopped at start-up:\n{stack.log(name)[-3000:]}")
        found["match"] = re.search(pattern, stack.log(name))
        return found["match"] is not None

    assert wait_until(seen, START_TIMEOUT), f"{name} not ready in {START_TIMEOUT} s:\n{stack.log(name)[-3000:]}"
    return found["match"]


def probe(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except OSError:
        return 0


def stop(processes: list[subprocess.Popen]) -> None:
    """SIGTERM to each (gunicorn and Celery stop gracefully), then SIGKILL to what is left of its process group."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # the group this test started (start_new_session)
        process.wait()


@pytest.fixture(scope="module")
def stack(real_stack, django_db_setup, tmp_path_factory):
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()  # no task, counter or cache entry from an earlier run
    tmp = tmp_path_factory.mktemp("scale-out")
    for folder in ("media", "mail", "logs"):
        (tmp / folder).mkdir()
    proxy = RoundRobinProxy([]).start()
    environment = production_environment(tmp, proxy.url)
    stack = Stack(proxy=proxy, mailbox=tmp / "mail", logs={n: tmp / "logs" / f"{n}.log" for n in WEB + WORKERS})
    commands = {name: [sys.executable, *WORKER_COMMAND, "-n", f"{name}@%h"] for name in WORKERS}
    # Each master its own control socket (gunicornc): on one machine they would otherwise share ~/.gunicorn's.
    commands.update(
        {name: [sys.executable, *WEB_COMMAND, "--control-socket", str(tmp / f"{name}.ctl")] for name in WEB}
    )

    def start(name: str) -> None:
        with open(stack.logs[name], "wb") as log:
            stack.processes[name] = subprocess.Popen(
                commands[name], cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    try:
        for name in WORKERS:
            start(name)
        # As the image build does: hashed, compressed static files for whitenoise, before gunicorn reads them.
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
            cwd=ROOT,
            env=environment,
            check=True,
            timeout=120,
        )
        for name in WEB:
            start(name)
        for name in WEB:
            port = int(wait_for_line(stack, name, r"Listening at: http://127\.0\.0\.1:(\d+)").group(1))
            direct = f"http://127.0.0.1:{port}{DIRECT_PROBE}"
            assert wait_until(lambda url=direct: probe(url) == 200, START_TIMEOUT), (
                f"{name} /healthz never answered 200:\n{stack.log(name)[-3000:]}"
            )
            proxy.backends.append(Backend(name, "127.0.0.1", port))
        for name in WORKERS:
            wait_for_line(stack, name, rf"{name}@\S+ ready\.")
        yield stack
    finally:
        proxy.stop()
        stop(list(stack.processes.values()))
        print(f"\nanswers per backend through the proxy: {dict(sorted(proxy.counts.items()))}")


@pytest.fixture(scope="module")
def browser(stack):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Seen:
    """One answer a browser context received, and the backend that gave it."""

    kind: str  # document, fetch, stylesheet, script...
    method: str
    path: str
    status: int
    backend: str


@pytest.fixture
def open_page(browser, stack):
    """open_page() -> (page, seen): a fresh context (own cookies), and every answer it gets, with its backend."""
    contexts, missing = [], []

    def record(seen: list[Seen], response) -> None:
        request = response.request
        path = urlsplit(response.url)
        answer = Seen(
            request.resource_type,
            request.method,
            path.path + (f"?{path.query}" if path.query else ""),
            response.status,
            response.headers.get("x-backend", ""),
        )
        seen.append(answer)
        if answer.path.startswith("/static/") and answer.status >= 400:
            missing.append(answer)

    def open_one(**options):
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR", **options)
        context.set_default_timeout(WAIT)
        seen: list[Seen] = []
        context.on("response", lambda response: record(seen, response))
        contexts.append(context)
        return context.new_page(), seen

    yield open_one
    for context in contexts:
        context.close()
    assert not missing, f"static files not served: {missing}"


# ---------------------------------------------------------------------------
# The people and the edition, committed so that every process sees them


def can_log_in(user) -> None:
    """A verified address (as accepting an invitation gives) and a password hashed as production hashes it."""
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt())
    user.save(update_fields=["password"])
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


@dataclass
class School:
    edition: object
    group: object
    organiser: object
    awa: object
    sekou: object


@pytest.fixture
def school(stack, transactional_db):
    edition = EditionFactory(slug=SLUG, title="MaliSIG 2023", year=2023)
    Formation.objects.create(edition=edition, published_at=timezone.now())
    assignment = AssignmentFactory(edition=edition)
    for position, title in enumerate(["Introduction", "Légalité et légitimité", "Conclusion"], start=1):
        SectionTemplateFactory(assignment=assignment, position=position, title_fr=title, word_limit=300)
    organiser = UserFactory(email="organisatrice@example.org", first_name="Mariam", last_name="Coulibaly")
    EditionRoleFactory(edition=edition, user=organiser, role=Role.ORGANISER)
    can_log_in(organiser)
    group = GroupFactory(edition=edition, name="Secteur privé")
    members = []
    for address, first_name in [("awa@example.org", "Awa"), ("sekou@example.org", "Sékou")]:
        person = UserFactory(email=address, first_name=first_name, last_name="Traoré")
        EditionRoleFactory(edition=edition, user=person, role=Role.PARTICIPANT)
        MembershipFactory(group=group, user=person)
        can_log_in(person)
        members.append(person)
    for number in range(RECIPIENTS):
        person = UserFactory(email=f"participant{number:02d}@example.org", first_name=f"P{number:02d}")
        EditionRoleFactory(edition=edition, user=person, role=Role.PARTICIPANT)
    return School(edition, group, organiser, *members)


def log_in(page, base_url: str, address: str) -> None:
    """Through the real form; then the site has let us in."""
    page.goto(f"{base_url}/comptes/login/")
    form = page.locator("main form")
    form.locator("input[name=login]").fill(address)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/comptes/login/" not in url)


def steer_away_from(stack: Stack, backend: str) -> None:
    """Make the proxy's next turn another backend, by sending it a request of our own if needed."""
    while stack.proxy.next_backend().name == backend:
        probe(f"{stack.url}/healthz?probe=steer")


def assert_the_proxy_told_the_truth(stack: Stack) -> None:
    """Each web process's own access log counts as many requests as the proxy says it sent it."""

    def matches() -> bool:
        logged = {name: access_log_requests(stack, name) for name in WEB}
        return logged == {name: stack.proxy.counts[name] for name in WEB}

    assert wait_until(matches, 10), (
        f"proxy: {dict(stack.proxy.counts)}, logs: { {n: access_log_requests(stack, n) for n in WEB} }"
    )


def access_log_requests(stack: Stack, name: str) -> int:
    """Requests that reached a web process through the proxy, counted from its own access log."""
    count = 0
    for line in stack.log(name).splitlines():
        match = re.search(r'"(GET|POST|HEAD|PUT|PATCH|DELETE|OPTIONS) \S+ HTTP/[\d.]+" \d{3} ', line)
        if match and DIRECT_PROBE not in line:
            count += 1
    return count


def worker_tasks(stack: Stack) -> dict[str, list[tuple[str, str, str]]]:
    """Per worker, the (event, task name, task id) lines of its log."""
    return {name: [(m["event"], m["name"], m["id"]) for m in TASK_LINE.finditer(stack.log(name))] for name in WORKERS}


def assert_no_task_ran_twice(stack: Stack) -> Counter:
    """Each task id received once and succeeded once over both workers' logs; returns the tasks by name."""
    tasks = worker_tasks(stack)
    received = Counter(task_id for lines in tasks.values() for event, _name, task_id in lines if event == "received")
    succeeded = Counter(task_id for lines in tasks.values() for event, _name, task_id in lines if event == "succeeded")
    assert max(received.values(), default=1) == 1, f"received twice: {received.most_common(3)}"
    assert max(succeeded.values(), default=1) == 1, f"succeeded twice: {succeeded.most_common(3)}"
    return Counter(name for lines in tasks.values() for event, name, _id in lines if event == "received")


# ---------------------------------------------------------------------------
# The proof


def test_a_logged_in_session_holds_whichever_web_process_answers(stack, school, open_page):
    page, seen = open_page()
    log_in(page, stack.url, school.organiser.email)
    session = {c["name"]: c["value"] for c in page.context.cookies()}["sessionid"]
    seen.clear()

    # Act: the organiser goes through her pages, one request after another through the proxy.
    paths = [
        f"/editions/{SLUG}/",
        f"/editions/{SLUG}/participants/",
        f"/editions/{SLUG}/import/",
        f"/editions/{SLUG}/cockpit/messages/",
        f"/editions/{SLUG}/cockpit/messages/nouveau/",
        f"/editions/{SLUG}/participants/",
    ]
    for path in paths:
        response = page.goto(f"{stack.url}{path}")

        # Assert: every page is hers (logged in, no detour by the login form), whoever served it.
        assert response.status == 200, (path, response.status)
        assert urlsplit(page.url).path == path
        assert page.get_by_test_id("logout").count() == 1, f"{path} served as to a visitor"

    pages = [s for s in seen if s.kind == "document"]
    assert [s.path for s in pages] == paths, "a page went through a redirect (to the login form?)"
    assert {s.backend for s in pages} == set(WEB), f"one process served every page: {pages}"
    assert {c["name"]: c["value"] for c in page.context.cookies()}["sessionid"] == session
    assert_the_proxy_told_the_truth(stack)


def test_an_autosave_conflict_between_two_web_processes_is_shown_and_both_texts_are_kept(stack, school, open_page):
    (awa_page, awa_seen), (sekou_page, sekou_seen) = open_page(), open_page()
    workspace = f"{stack.url}/editions/{SLUG}/groupes/{school.group.pk}/document/"
    for page, person in [(awa_page, school.awa), (sekou_page, school.sekou)]:
        log_in(page, stack.url, person.email)
        page.goto(workspace)
        assert page.get_by_test_id("editor-area").count() == 3
    awa_section, sekou_section = (p.get_by_test_id("section").nth(1) for p in (awa_page, sekou_page))
    save_path = f"/editions/{SLUG}/groupes/{school.group.pk}/document/"

    # Act: Awa writes and her text is saved (version 1); Sékou, still on version 0, writes too, and his autosave
    # is steered to the other web process: only the database knows that version 1 exists.
    type_into(awa_section, "Les coupures violent les droits.")
    expect_state(awa_section, "saved", timeout=WAIT)
    (awa_save,) = [s for s in awa_seen if s.method == "POST" and s.path.startswith(save_path)]
    steer_away_from(stack, awa_save.backend)
    type_into(sekou_section, "Elles coûtent cher aux entreprises.")

    # Assert: the other process answers 409; Sékou sees the conflict and Awa's text beside his; nothing overwritten.
    expect_state(sekou_section, "conflict", timeout=WAIT)
    conflict = [s for s in sekou_seen if s.method == "POST" and s.path.startswith(save_path)]
    assert [s.status for s in conflict] == [409]
    assert conflict[0].backend != awa_save.backend
    assert "Les coupures violent les droits." in sekou_section.get_by_test_id("theirs").inner_text()
    assert "coûtent" not in stored_html(school.group)

    # Act: he keeps both.
    sekou_section.get_by_test_id("keep-both").click()

    # Assert: both texts saved, as the merged version 2, whichever process took it.
    expect_state(sekou_section, "saved", timeout=WAIT)
    html = stored_html(school.group)
    assert html.index("Les coupures violent les droits.") < html.index("Elles coûtent cher aux entreprises.")
    versions = SectionVersion.objects.filter(section__group=school.group).order_by("number")
    assert [(v.number, v.origin) for v in versions] == [
        (1, SectionVersion.Origin.TYPED),
        (2, SectionVersion.Origin.MERGED),
    ]
    saves = [s for s in awa_seen + sekou_seen if s.method == "POST" and s.path.startswith(save_path)]
    assert [s.status for s in saves] == [200, 409, 200]
    assert {s.backend for s in saves} == set(WEB)
    assert_the_proxy_told_the_truth(stack)


def results_export(path: Path, rows: int) -> None:
    """The online course's export as French-locale Excel saves it; every line a new, admitted participant."""
    lines = ["Prénom;Nom;Adresse de courriel;Organisation;Pays;Genre;Note finale;Date d'achèvement"]
    lines += [
        f"Étudiant{n};Diarra;etudiant{n:05d}@example.org;ISOC Mali;Mali;{'FM'[n % 2]};14,5;04/09/2023"
        for n in range(rows)
    ]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))


def watch_import(page, seen: list[Seen], done: str) -> list[tuple[str, str, int | None]]:
    """Stay on the import's page (it refreshes itself every 2 s) until its status reads `done`; returns what the
    loads showed: (backend, status, percent on the progress bar or None once it is gone)."""
    shown = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            status = page.get_by_test_id("import-status").inner_text(timeout=5_000)
            bar = page.locator("main progress")
            percent = int(bar.get_attribute("value", timeout=1_000)) if bar.count() else None
        except PlaywrightError:  # the page was reloading under us
            continue
        documents = [s for s in seen if s.kind == "document" and "/import/" in s.path]
        observation = (documents[-1].backend if documents else "", status, percent)
        if not shown or shown[-1] != observation:
            shown.append(observation)
        if re.search(done, status):
            return shown
        time.sleep(0.2)
    pytest.fail(f"the import never read {done!r}: {shown}")


def test_an_outbox_send_and_an_import_run_on_both_workers_each_once_while_either_web_process_answers(
    stack, school, open_page, tmp_path
):
    page, seen = open_page()
    log_in(page, stack.url, school.organiser.email)
    export = tmp_path / "resultats.csv"
    results_export(export, IMPORTED)
    addresses = {school.awa.email, school.sekou.email} | {f"participant{n:02d}@example.org" for n in range(RECIPIENTS)}

    # Act: the organiser writes to every participant, reviews the draft in the outbox and sends it.
    page.goto(f"{stack.url}/editions/{SLUG}/cockpit/messages/nouveau/")
    page.locator("select[name=segment]").select_option("participants")
    page.locator("input[name=subject_fr]").fill("Atelier de samedi, {first_name}")
    page.locator("textarea[name=body_fr]").fill("Bonjour {first_name}, rendez-vous samedi à 9 h.")
    page.get_by_test_id("save").click()
    page.wait_for_url(f"**/{SLUG}/cockpit/messages/")
    message = Message.objects.get(edition=school.edition)
    page.get_by_test_id(f"draft-{message.pk}").locator("input[type=checkbox]").check()
    page.get_by_test_id("send-selected").click()
    expect(page.get_by_test_id("history")).to_contain_text("Atelier de samedi")

    # Act: while one worker sends (about 8 s), she imports the course results: upload, columns, preview, apply.
    page.goto(f"{stack.url}/editions/{SLUG}/import/")
    page.locator("input[type=file]").set_input_files(str(export))
    page.locator("input[name=upload]").click()
    page.locator("input[name=preview]").click()
    previewing = watch_import(page, seen, r"Prévisualisé|Previewed")
    page.get_by_test_id("apply-import").click()
    applying = watch_import(page, seen, r"Importé|Imported")

    # Assert: the progress page, served by both web processes, showed the work going on, then the end.
    job = ImportJob.objects.get(edition=school.edition)
    shown = previewing + applying
    assert {backend for backend, _status, _percent in shown} == set(WEB), shown
    assert any(percent is not None for _backend, _status, percent in shown), f"no progress bar seen: {shown}"
    assert (job.status, job.rows_done, job.rows_total) == (ImportJob.Status.APPLIED, IMPORTED, IMPORTED)
    # Assert: every row created once.
    imported = Enrolment.objects.filter(edition=school.edition, user__email__startswith="etudiant")
    assert imported.count() == imported.values("user").distinct().count() == IMPORTED
    assert job.counts["created"] == IMPORTED
    assert ImportRow.objects.filter(job=job).count() == IMPORTED

    # Assert: every participant got exactly one copy, and the message page says so through either process.
    recipients = MessageRecipient.objects.filter(message=message)
    assert wait_until(lambda: not recipients.exclude(state=MessageRecipient.State.SENT).exists(), 60), Counter(
        recipients.values_list("state", flat=True)
    )
    received = Counter(email.message_from_bytes(p.read_bytes())["To"] for p in stack.mailbox.glob("*.eml"))
    assert received == Counter(dict.fromkeys(addresses, 1)), received.most_common(3)
    page.goto(f"{stack.url}/editions/{SLUG}/cockpit/messages/{message.pk}/")
    assert f"({len(addresses)})" in page.get_by_test_id("count-sent").inner_text()

    # Assert: no task ran twice, and both workers worked (the import queued while the send held the other one).
    tasks = assert_no_task_ran_twice(stack)
    assert tasks["cohorts.tasks.send_message_task"] == 1
    assert tasks["cohorts.tasks.run_import_task"] == 2  # the preview and the apply
    assert all(worker_tasks(stack)[name] for name in WORKERS), worker_tasks(stack)
    assert_the_proxy_told_the_truth(stack)
    by_worker = {
        n: Counter(task for event, task, _ in lines if event == "received") for n, lines in worker_tasks(stack).items()
    }
    print(f"\nimport progress as shown: {shown}\ntasks received: {by_worker}")
