"""The workspace under load: 50 members autosaving at once, and what the workspace weighs on the wire.

Called by bench/run.py after the large scale is measured, on its data (300 groups x 7 sections x 50 versions).

Autosave: 50 threads, each with its own test client logged in as a different member and its own section, send
SAVES_PER_WRITER JSON saves in a row, each based on the version the previous answer returned. The floor (the help
page) is measured with the same 50 threads just before, so both p95 figures face the same contention. SQLite
serialises writers (expect "database is locked" errors there); the target is PostgreSQL.

Page weight: the workspace's HTML plus every stylesheet and script it links and the fonts those stylesheets load,
gzip-compressed (fonts as they are: WOFF2 is already compressed) = first load; the HTML alone = a repeat visit.
"""

import gzip
import json
import math
import re
import statistics
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django.urls import reverse

from groups.models import Membership
from submissions.models import Section

WRITERS = 50
SAVES_PER_WRITER = 20
P95_LIMIT_TIMES_FLOOR = 3.0
FIRST_LOAD_LIMIT_KB = 150
REPEAT_VISIT_LIMIT_KB = 20
LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _p95(seconds: list[float]) -> float:
    ordered = sorted(seconds)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def writers(edition_slug: str, count: int = WRITERS) -> list[tuple]:
    """(user, group_pk, section_pk): different members, each with a section nobody else writes."""
    members: dict[int, list] = {}
    for membership in Membership.objects.filter(edition__slug=edition_slug).select_related("user").order_by("pk"):
        members.setdefault(membership.group_id, []).append(membership.user)
    sections: dict[int, list[int]] = {}
    for group_id, section_pk in Section.objects.filter(group_id__in=members).order_by("pk").values_list("group", "pk"):
        sections.setdefault(group_id, []).append(section_pk)
    groups = sorted(members)
    chosen = []
    for index in range(count):
        group = groups[index % len(groups)]
        rank = index // len(groups)
        chosen.append((members[group][rank], group, sections[group][rank]))
    return chosen


def _run_threads(work, arguments: list) -> tuple[list[float], int, list[str]]:
    """Run `work(argument, record)` in one thread per argument, started together; latencies and errors."""
    seconds: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(arguments))

    def record(elapsed: float, error: str | None) -> None:
        with lock:
            if error is None:
                seconds.append(elapsed)
            else:
                errors.append(error)

    def thread_body(argument) -> None:
        try:
            work(argument, record, start)
        except Exception as exc:
            record(0.0, f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()  # each thread has its own connection: do not leak it

    threads = [threading.Thread(target=thread_body, args=(argument,)) for argument in arguments]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return seconds, round(time.perf_counter() - started, 2), errors


def _client(user) -> Client:
    client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0], raise_request_exception=False)
    client.force_login(user, backend=LOGIN_BACKEND)
    return client


def measure_autosave(edition_slug: str) -> dict:
    chosen = writers(edition_slug)
    help_url = reverse("help")

    def read_floor(argument, record, start) -> None:
        client = _client(argument[0])
        client.get(help_url)  # warm-up
        start.wait()
        for _ in range(SAVES_PER_WRITER):
            began = time.perf_counter()
            response = client.get(help_url)
            elapsed = time.perf_counter() - began
            record(elapsed, None if response.status_code == 200 else f"help answered {response.status_code}")

    def write(argument, record, start) -> None:
        user, group_pk, section_pk = argument
        client = _client(user)
        url = reverse(
            "submissions:section_save", kwargs={"slug": edition_slug, "group_pk": group_pk, "section_pk": section_pk}
        )
        version = Section.objects.filter(pk=section_pk).values_list("version", flat=True).get()
        connection.close()
        start.wait()
        for save in range(SAVES_PER_WRITER):
            body = {"html": f"<p>Texte de {user.pk}, sauvegarde {save} : la gouvernance de l'Internet.</p>"}
            body["base_version"] = version
            began = time.perf_counter()
            response = client.post(url, json.dumps(body), content_type="application/json")
            elapsed = time.perf_counter() - began
            if response.status_code == 200:
                version = response.json()["version"]
                record(elapsed, None)
            else:
                record(elapsed, f"save answered {response.status_code}: {response.content[:120]!r}")

    floor_seconds, floor_wall, floor_errors = _run_threads(read_floor, chosen)
    save_seconds, save_wall, save_errors = _run_threads(write, chosen)
    floor_p95 = _p95(floor_seconds) if floor_seconds else 0.0
    save_p95 = _p95(save_seconds) if save_seconds else 0.0
    ratio = round(save_p95 / floor_p95, 2) if floor_p95 else None
    met = not save_errors and ratio is not None and ratio <= P95_LIMIT_TIMES_FLOOR
    return {
        "database": connection.vendor,
        "writers": len(chosen),
        "saves_per_writer": SAVES_PER_WRITER,
        "saves": len(save_seconds),
        "errors": len(save_errors),
        "error_examples": sorted(set(save_errors))[:5],
        "wall_seconds": save_wall,
        "median_ms": _ms(statistics.median(save_seconds)) if save_seconds else None,
        "p95_ms": _ms(save_p95),
        "floor": {
            "page": "help",
            "requests": len(floor_seconds),
            "errors": len(floor_errors),
            "wall_seconds": floor_wall,
            "median_ms": _ms(statistics.median(floor_seconds)) if floor_seconds else None,
            "p95_ms": _ms(floor_p95),
        },
        "p95_over_floor": ratio,
        "targets": {"p95_times_floor": P95_LIMIT_TIMES_FLOOR, "met": met},
    }


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stylesheets: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag == "link" and "stylesheet" in (attributes.get("rel") or "").split() and attributes.get("href"):
            self.stylesheets.append(attributes["href"])
        elif tag == "script" and attributes.get("src"):
            self.scripts.append(attributes["src"])


CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")


def _static_file(url: str) -> Path | None:
    path = url.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith(settings.STATIC_URL):
        return None
    relative = path[len(settings.STATIC_URL) :]
    found = finders.find(relative)
    if found:
        return Path(found)
    collected = Path(settings.STATIC_ROOT) / relative
    return collected if collected.exists() else None


def _fonts(css_path: Path, css_url: str) -> list[Path]:
    """The fonts a stylesheet loads: for each @font-face, the first format (a browser fetches one, WOFF2 first)."""
    fonts = []
    base = css_url.rsplit("/", 1)[0] + "/"
    for face in re.findall(r"@font-face\s*{[^}]*}", css_path.read_text(encoding="utf-8", errors="replace")):
        urls = [u for u in CSS_URL.findall(face) if not u.startswith("data:")]
        if urls:
            url = urls[0] if urls[0].startswith("/") else base + urls[0]
            found = _static_file(url)
            if found:
                fonts.append(found)
    return fonts


def _kb(size: int) -> float:
    return round(size / 1024, 1)


def measure_page_weight(client: Client, url: str) -> dict:
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"bench: workspace answered {response.status_code} for page weight")
    html = response.content
    parser = _Assets()
    parser.feed(html.decode("utf-8"))
    files = []
    missing = []
    for kind, urls in (("css", parser.stylesheets), ("js", parser.scripts)):
        for asset_url in urls:
            path = _static_file(asset_url)
            if path is None:
                missing.append(asset_url)
                continue
            raw = path.read_bytes()
            files.append({"kind": kind, "url": asset_url, "bytes": len(raw), "gzip": len(gzip.compress(raw, 9))})
            if kind == "css":
                for font in _fonts(path, asset_url):
                    size = font.stat().st_size  # already compressed: served as is
                    files.append({"kind": "font", "url": font.name, "bytes": size, "gzip": size})
    html_gzip = len(gzip.compress(html, 9))
    first_load = html_gzip + sum(item["gzip"] for item in files)
    return {
        "page": url,
        "html_bytes": len(html),
        "html_gzip_bytes": html_gzip,
        "assets": files,
        "missing_assets": missing,
        "first_load_kb": _kb(first_load),
        "repeat_visit_kb": _kb(html_gzip),
        "targets": {
            "first_load_kb": FIRST_LOAD_LIMIT_KB,
            "repeat_visit_kb": REPEAT_VISIT_LIMIT_KB,
            "met": _kb(first_load) <= FIRST_LOAD_LIMIT_KB and _kb(html_gzip) <= REPEAT_VISIT_LIMIT_KB and not missing,
        },
    }


def autosave_table(autosave: dict, weight: dict) -> str:
    floor = autosave["floor"]
    lines = [
        f"| autosave, {autosave['writers']} concurrent writers x {autosave['saves_per_writer']} saves "
        f"({autosave['database']}) | median ms | p95 ms | errors |",
        "|---|---|---|---|",
        f"| save (JSON) | {autosave['median_ms']} | {autosave['p95_ms']} | {autosave['errors']} |",
        f"| floor (help page, same threads) | {floor['median_ms']} | {floor['p95_ms']} | {floor['errors']} |",
        f"\nautosave p95 / floor p95: {autosave['p95_over_floor']}x (limit {P95_LIMIT_TIMES_FLOOR:g}x)",
    ]
    if autosave["error_examples"]:
        lines.append("errors, e.g.: " + "; ".join(autosave["error_examples"][:3]))
    lines.append(
        f"\nworkspace weight: first load {weight['first_load_kb']} KB gzip (limit {FIRST_LOAD_LIMIT_KB}), "
        f"repeat visit {weight['repeat_visit_kb']} KB (limit {REPEAT_VISIT_LIMIT_KB}); HTML "
        f"{_kb(weight['html_bytes'])} KB raw"
    )
    for item in weight["assets"]:
        lines.append(f"- {item['kind']} {item['url']}: {_kb(item['bytes'])} KB, {_kb(item['gzip'])} KB gzip")
    if weight["missing_assets"]:
        lines.append("not found: " + ", ".join(weight["missing_assets"]))
    return "\n".join(lines)
