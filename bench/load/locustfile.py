"""The load scenario: participants drafting their group's document, jurors reviewing, organisers importing.

Started by bench/load/run.py (`locust -f bench/load/locustfile.py --headless ...`), which seeds the database and
passes, through the environment:
  MALISIG_LOAD_WORLD         the world file bench/load/seed.py wrote (accounts, password, addresses)
  MALISIG_LOAD_PARTICIPANTS  how many Participant users (Juror: 5, Organiser: 2; fixed_count each)
  MALISIG_LOAD_COUNTERS      where to write the scenario's own counts (conflicts, imports...) at the end

Every simulated person logs in once, through allauth's login form with its CSRF token, and then behaves as the
browser does. The load generator stands where the HTTPS reverse proxy stands in production (deploy/): each person
comes from their own address (X-Forwarded-For) over HTTPS (X-Forwarded-Proto), so the site's Secure cookies, CSRF
origin check and per-address login limit work as they do behind Caddy or nginx.

A 409 from the autosave (two members of a group saved the same part) is a normal, handled answer, not an error: it
is counted apart, and the participant merges as the editor's merge view lets them (their text plus the new
sentence, on their version, origin "merged"). Any other answer than the expected one is a failure.
"""

import csv
import io
import itertools
import json
import os
import random
import re
import time
from collections import Counter
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from urllib.parse import urlsplit

import gevent
import requests.cookies
import requests.sessions
from locust import HttpUser, between, events, task
from locust.exception import StopUser
from lxml import html as lxml_html

WORLD = json.loads(Path(os.environ["MALISIG_LOAD_WORLD"]).read_text(encoding="utf-8"))
URLS = WORLD["urls"]
PASSWORD = WORLD["password"]
ACCOUNTS = {
    role: [account for account in WORLD["accounts"] if account["role"] == role]
    for role in ("participant", "juror", "organiser")
}
COUNTS: Counter = Counter()
ADDRESSES = itertools.count(1)

# Typing: the editor saves 3 s after the last keystroke, so someone typing steadily sends every few seconds; with
# pauses to think and read, one save every 5 to 15 s.
SAVE_EVERY = (5, 15)
SHARED_PART_SHARE = 0.05  # most write their own part; now and then someone touches the group's conclusion
NEW_PARAGRAPH_SHARE = 0.2
MAX_SECTION_CHARS = 12_000  # past this, the writer trims the oldest paragraph (they rewrite, not only add)
TEXT = (
    "la gouvernance de l'Internet suppose un dialogue multipartite entre l'État les opérateurs la société civile "
    "et les universités ; les points d'échange nationaux réduisent les coûts et la latence ; la protection des "
    "données personnelles exige une autorité indépendante ; les coupures décidées en période de crise pèsent sur "
    "l'économie et la confiance des citoyens ; la formation aux compétences numériques en langues nationales"
)
WORDS = TEXT.split()
STATIC_ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src)="(/static/[^"]+\.(?:css|js|svg))"')
IMPORT_ROWS = 100
IMPORT_POLL_SECONDS = 2  # the progress page refreshes itself every 2 s
IMPORT_TIMEOUT_SECONDS = 180
COURSE_HEADER = ["Prénom", "Nom", "Adresse de courriel", "Organisation", "Pays", "Genre", "Note finale"]
FIRST_NAMES = ["Aïssata", "Sékou", "Fatoumata", "Moussa", "Kadiatou", "Oumar", "Djénéba", "Bakary"]
LAST_NAMES = ["Traoré", "Keïta", "N'Diaye", "Coulibaly", "Diarra", "Touré", "Sidibé", "Maïga"]


class ProxySideCookieJar(requests.cookies.RequestsCookieJar):
    """The site's cookies are Secure (DEBUG off): a browser sends them only over HTTPS. This hop is the proxy's
    plain-HTTP side of TLS, so the jar sends them over http too. requests copies the session's jar into a fresh
    one for every request and redirect, hence the module-level names replaced below, for this process only."""

    def __init__(self, policy=None):
        super().__init__(policy or DefaultCookiePolicy(secure_protocols=("https", "wss", "http")))


requests.cookies.RequestsCookieJar = requests.sessions.RequestsCookieJar = ProxySideCookieJar


SAMPLES: list[tuple[float, str, str, float, bool]] = []  # (when, method, name, milliseconds, failed)
READY_AT = [0.0]  # when the last person finished starting: logged in and opened their first page


@events.request.add_listener
def keep_sample(request_type, name, response_time, exception, **_kwargs):
    started = time.time() - response_time / 1000
    SAMPLES.append((round(started, 3), request_type, name, round(response_time, 1), exception is not None))


@events.quitting.add_listener
def write_counts(environment, **_kwargs):
    """The scenario's counts, when the last person was ready, and every request's start and time (run.py computes
    the steady state's percentiles from them, after the login rush)."""
    path = os.environ.get("MALISIG_LOAD_COUNTERS")
    if path:
        report = {"counts": dict(COUNTS), "ready_at": READY_AT[0], "samples": SAMPLES}
        Path(path).write_text(json.dumps(report), encoding="utf-8")


def sentence(count: int) -> str:
    start = random.randrange(len(WORDS))
    return " ".join(WORDS[(start + offset) % len(WORDS)] for offset in range(count))


def form_fields(form) -> dict[str, str]:
    """What the browser would send for this form as it stands (inputs, textareas, selected options)."""
    return {name: value or "" for name, value in form.form_values()}


class Person(HttpUser):
    """Logs in once with its own seeded account, as a browser behind the HTTPS proxy would."""

    abstract = True
    role = ""

    def on_start(self):
        if not ACCOUNTS[self.role]:
            raise StopUser  # more users than seeded accounts: run.py keeps the counts equal
        self.account = ACCOUNTS[self.role].pop(0)
        self.cached: set[str] = set()
        number = next(ADDRESSES)
        netloc = urlsplit(self.host).netloc
        self.origin = f"https://{netloc}"
        self.client.cookies = ProxySideCookieJar()
        self.client.headers.update(
            {
                "X-Forwarded-Proto": "https",
                "X-Forwarded-For": f"10.{number // 65536}.{number // 256 % 256}.{number % 256}",
                "Accept-Language": "fr-FR,fr;q=0.9",
                "User-Agent": "Mozilla/5.0 (MaliSIG load test)",
            }
        )
        self.login()

    # --- Requests
    def csrf_headers(self, referer: str) -> dict:
        return {"Origin": self.origin, "Referer": self.origin + urlsplit(referer).path}

    def page(self, path: str, name: str):
        """GET a page that must answer 200 (after redirects), never the login page unless asked for; the response,
        or None when it failed (recorded as a failure)."""
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} on {path}")
            elif urlsplit(response.url).path == URLS["login"] != path:
                response.failure(f"sent to the login page from {path}")
            else:
                response.success()
                self.load_assets(response)
                return response
            return None

    def load_assets(self, response) -> None:
        """The page's styles and scripts the first time this person meets them: their names carry a hash and
        whitenoise serves them to be cached for ever, so a browser asks for each once."""
        for asset in STATIC_ASSET.findall(response.text):
            if asset not in self.cached:
                self.cached.add(asset)
                with self.client.get(asset, name="static file", catch_response=True) as answer:
                    if answer.status_code == 200:
                        answer.success()
                    else:
                        answer.failure(f"{answer.status_code} on {asset}")

    def post_form(self, path: str, data: dict, name: str, referer: str, files=None, expect_path: str | None = None):
        """POST a form the way the browser does (CSRF token in the form, Origin and Referer headers); it must end
        on a 200 page, after the redirect, at `expect_path` when given."""
        with self.client.post(
            path, data=data, files=files, name=name, headers=self.csrf_headers(referer), catch_response=True
        ) as response:
            landed = urlsplit(response.url).path
            if response.status_code != 200:
                response.failure(f"{response.status_code} on {path}: {response.text[:200]!r}")
            elif not response.history:
                response.failure(f"no redirect after {path}: the form was refused")
            elif expect_path is not None and not landed.startswith(expect_path):
                response.failure(f"{path} led to {landed}, expected {expect_path}")
            else:
                response.success()
                return response
            return None

    def problem(self, name: str, why: str) -> None:
        """Something the page should have offered and did not (an editor, an assignment...): an error too."""
        self.environment.events.request.fire(request_type="CHECK", name=name, response_time=0, response_length=0,
                                             exception=RuntimeError(why), context={})  # fmt: skip

    def login(self):
        response = self.page(URLS["login"], "login page")
        if response is None:
            raise StopUser
        form = lxml_html.fromstring(response.text).xpath("//form[.//input[@name='password']]")[0]
        data = form_fields(form)
        data.update({"login": self.account["email"], "password": PASSWORD})
        with self.client.post(
            URLS["login"], data=data, name="login", headers=self.csrf_headers(URLS["login"]), catch_response=True
        ) as answer:
            logged_in = answer.status_code == 200 and urlsplit(answer.url).path != URLS["login"] and answer.history
            if logged_in:
                COUNTS["logins"] += 1
                answer.success()
            else:
                answer.failure(f"login refused for {self.account['email']}: {answer.status_code}")
        if not logged_in:
            raise StopUser  # recorded as a failure above: nobody goes on anonymously


class Section:
    """One part of the group's document as the editor holds it: its save address, base version and text."""

    def __init__(self, form):
        self.pk = form.get("data-section")
        self.action = form.get("action")
        self.version = int(form.get("data-version") or 0)
        self.html = form.xpath(".//textarea[@name='html']")[0].text or ""
        self.history = self.action.removesuffix("enregistrer/") + "historique/"


class Participant(Person):
    """A member of a drafting group: writes their part with the editor's autosave, reads its history, the
    workspace and the edition's page."""

    role = "participant"
    fixed_count = int(os.environ.get("MALISIG_LOAD_PARTICIPANTS", "200"))
    wait_time = between(*SAVE_EVERY)

    def on_start(self):
        super().on_start()
        self.sections: list[Section] = []
        self.open_workspace()
        READY_AT[0] = time.time()

    def open_workspace(self):
        response = self.page(URLS["my_workspace"], "workspace")
        if response is None:
            return
        self.workspace_url = urlsplit(response.url).path
        forms = lxml_html.fromstring(response.text).xpath("//form[contains(@class, 'ws-editor')]")
        self.sections = [Section(form) for form in forms]
        if not self.sections:
            self.problem("workspace editor", f"no editor on {self.workspace_url}: the workspace is closed")

    def own_section(self) -> Section:
        if random.random() < SHARED_PART_SHARE:
            return self.sections[-1]
        return self.sections[self.account["part"] % len(self.sections)]

    def type_into(self, section: Section) -> str:
        """The text after a few more seconds of typing: words added to the last paragraph, or a new one."""
        words = sentence(random.randint(6, 14))
        html = section.html
        if len(html) > MAX_SECTION_CHARS:
            html = html[html.find("</p>") + len("</p>") :] if "</p>" in html else ""
        if html.endswith("</p>") and random.random() > NEW_PARAGRAPH_SHARE:
            return f"{html[: -len('</p>')]} {words}.</p>"
        return f"{html}<p>{words.capitalize()}.</p>"

    def send(self, section: Section, html: str, origin: str, name: str):
        """The editor's save: JSON {html, base_version, origin}, the CSRF token from the cookie, JSON answers."""
        body = json.dumps({"html": html, "base_version": section.version, "origin": origin})
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "X-CSRFToken": self.client.cookies.get("csrftoken", ""),
            **self.csrf_headers(self.workspace_url),
        }
        with self.client.post(section.action, data=body, headers=headers, name=name, catch_response=True) as response:
            try:
                answer = response.json()
            except ValueError:
                answer = {}
            status = answer.get("status")
            if response.status_code == 200 and status == "saved":
                section.version, section.html = answer["version"], html
                COUNTS["saves"] += 1
                response.success()
                return None
            if response.status_code == 409 and status == "conflict":
                COUNTS["conflicts"] += 1
                response.success()
                return answer
            response.failure(f"{response.status_code} {status or response.text[:200]!r}")
            return None

    @task(12)
    def autosave(self):
        if not self.sections:
            return self.open_workspace()
        section = self.own_section()
        html = self.type_into(section)
        conflict = self.send(section, html, "typed", "autosave")
        if conflict is None:
            return None
        # The merge view: they keep the other member's text and add what they had just typed, on that version.
        section.version, section.html = conflict["their_version"], conflict["their_html"]
        gevent.sleep(random.uniform(2, 5))  # reading both texts before choosing
        if self.send(section, self.type_into(section), "merged", "autosave (merge)") is not None:
            COUNTS["conflicts again after merge"] += 1
            self.open_workspace()  # a third writer meanwhile: reload, as the editor's message says
        return None

    @task(1)
    def read_history(self):
        if self.sections:
            self.page(self.own_section().history, "section history")

    @task(1)
    def reload_workspace(self):
        self.open_workspace()

    @task(1)
    def read_edition(self):
        self.page(URLS["edition"], "edition page")


class Juror(Person):
    """A juror: opens the review queue, reads an assigned document, scores it and comments, saves the form."""

    role = "juror"
    fixed_count = 5
    wait_time = between(10, 30)

    def on_start(self):
        super().on_start()
        self.assigned: list[str] = []
        self.open_queue()
        READY_AT[0] = time.time()

    def open_queue(self):
        response = self.page(URLS["juror_dashboard"], "review queue")
        if response is not None:
            tree = lxml_html.fromstring(response.text)
            links = {urlsplit(link).path for link in tree.xpath("//a/@href") if "/jury/evaluation/" in link}
            self.assigned = sorted(link for link in links if link.rstrip("/").split("/")[-1].isdigit())

    @task(1)
    def queue(self):
        self.open_queue()

    @task(4)
    def review(self):
        if not self.assigned:
            return self.problem("review queue", f"{self.account['email']} has no document to review")
        path = random.choice(self.assigned)
        response = self.page(path, "review page")
        if response is None:
            return None
        forms = lxml_html.fromstring(response.text).xpath("//form[@data-testid='review-form']")
        if not forms:
            return self.problem("review form", f"no review form on {path}")
        data = form_fields(forms[0])
        for field in forms[0].xpath(".//input[starts-with(@name, 'score_')]"):
            low, high = float(field.get("min") or 0), float(field.get("max") or 5)
            data[field.get("name")] = str(random.choice([low + step / 2 for step in range(int(2 * (high - low)) + 1)]))
        for name in data:
            if name.startswith("comment_"):
                data[name] = f"Argumenté ; {sentence(8)}."
        data["message_to_group"] = f"Un travail sérieux. {sentence(12).capitalize()}."
        data["private_note"] = f"À discuter : {sentence(6)}."
        data["action"] = "submit" if random.random() < 0.3 else "draft"
        gevent.sleep(random.uniform(20, 40))  # reading the document and filling the form
        if self.post_form(path, data, "review save", referer=path, expect_path=path) is not None:
            COUNTS[f"reviews saved ({data['action']})"] += 1
        return None


class Organiser(Person):
    """An organiser: imports the course results (CSV or XLSX, about 100 lines), follows the progress until it is
    applied, and looks at the dashboard and the roster."""

    role = "organiser"
    fixed_count = 2
    wait_time = between(10, 30)
    imports = itertools.count(1)

    def on_start(self):
        super().on_start()
        self.known = [account["email"] for account in WORLD["accounts"] if account["role"] == "participant"]
        READY_AT[0] = time.time()

    def course_rows(self, number: int) -> list[list[str]]:
        """About 100 lines: new learners, and a tenth already known (their line is updated or unchanged)."""
        rows = []
        for index in range(IMPORT_ROWS):
            if index % 10 == 0 and self.known:
                email = self.known[(number * 7 + index) % len(self.known)]
            else:
                email = f"apprenant{number:03d}-{index:03d}@import.load.example"
            grade = f"{(index * 7) % 20},{index % 10}"
            rows.append([FIRST_NAMES[index % 8], LAST_NAMES[(index + number) % 8], email,
                         f"Organisation {index % 30}", "Mali", "FM"[index % 2], grade])  # fmt: skip
        return rows

    def course_file(self, number: int) -> tuple[str, bytes, str]:
        rows = self.course_rows(number)
        if number % 2:  # French Excel saved as CSV: semicolons, Windows-1252, decimal commas
            buffer = io.StringIO()
            writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
            writer.writerows([COURSE_HEADER, *rows])
            return f"resultats-{number}.csv", buffer.getvalue().encode("cp1252"), "text/csv"
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        for row in [COURSE_HEADER, *rows]:
            sheet.append(row)
        data = io.BytesIO()
        book.save(data)
        return f"resultats-{number}.xlsx", data.getvalue(), XLSX

    @task(2)
    def import_course_results(self):
        start = self.page(URLS["import_start"], "import page")
        if start is None:
            return None
        form = lxml_html.fromstring(start.text).xpath("//form[@enctype='multipart/form-data']")[0]
        data = form_fields(form)
        data.pop("file", None)
        number = next(self.imports)
        name, content, mime = self.course_file(number)
        mapping = self.post_form(URLS["import_start"], data, "import upload", referer=URLS["import_start"],
                                 files={"file": (name, content, mime)}, expect_path=URLS["import_start"])  # fmt: skip
        if mapping is None:
            return None
        if "/colonnes/" not in mapping.url:
            return self.problem("import outcome", f"{name} was not accepted: {mapping.url}")
        mapping_path = urlsplit(mapping.url).path
        form = lxml_html.fromstring(mapping.text).xpath("//form[.//select]")[0]
        detail = self.post_form(mapping_path, form_fields(form), "import columns", referer=mapping_path)
        if detail is None:
            return None
        detail_path = urlsplit(detail.url).path
        page = self.follow_progress(detail_path, detail)
        apply = page.xpath("//form[.//button[@data-testid='apply-import']]") if page is not None else []
        if not apply:
            return self.problem("import outcome", f"{detail_path}: the preview did not end with an Apply button")
        applied = self.post_form(apply[0].get("action"), form_fields(apply[0]), "import apply", referer=detail_path)
        if applied is not None and self.follow_progress(detail_path, applied) is not None:
            COUNTS[f"imports applied ({name.rsplit('.', 1)[1]})"] += 1
        return None

    def follow_progress(self, path: str, response):
        """Re-read the progress page while it refreshes itself; the finished page, or None."""
        waited = 0
        while True:
            tree = lxml_html.fromstring(response.text)
            if not tree.xpath("//meta[@http-equiv='refresh']"):
                if tree.xpath("//div[contains(@class, 'alert-danger')]"):
                    return self.problem("import outcome", f"{path}: the import failed")
                return tree
            if waited >= IMPORT_TIMEOUT_SECONDS:
                return self.problem("import outcome", f"{path}: still running after {IMPORT_TIMEOUT_SECONDS} s")
            gevent.sleep(IMPORT_POLL_SECONDS)
            waited += IMPORT_POLL_SECONDS
            COUNTS["import progress polls"] += 1
            response = self.page(path, "import progress")
            if response is None:
                return None

    @task(2)
    def dashboard(self):
        self.page(URLS["dashboard"], "organiser dashboard")

    @task(2)
    def roster(self):
        self.page(URLS["roster"], "roster")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
