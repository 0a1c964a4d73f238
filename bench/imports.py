"""The import benchmark: rows per second for a dry run and an apply, queries per batch, peak memory.

Called by bench/run.py once Django is set up on the bench's own database. The memory figure comes from
a child process (its peak resident size), so the bench's own seeding does not count in it.
"""

import csv
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cohorts.models import Edition, Enrolment, School
from cohorts.services.imports import BATCH_SIZE, import_path

IMPORT_ROWS = 10_000
MEMORY_ROWS = 50_000
TARGET_ROWS_PER_SECOND = 2_000
TARGET_PEAK_MB = 300
FIRST_NAMES = ["Aïssata", "Sékou", "Fatoumata", "Moussa", "Kadiatou", "Oumar", "Djénéba", "Bakary"]
LAST_NAMES = ["Traoré", "Keïta", "N'Diaye", "Coulibaly", "Diarra", "Kéïta", "Touré", "Sidibé"]
HEADER = ["Prénom", "Nom", "Adresse de courriel", "Organisation", "Pays", "Genre", "Note finale", "Date d'achèvement"]


def write_course_export(path: Path, rows: int) -> None:
    """A French-Excel export: semicolons, Windows-1252, decimal commas, dd/mm/yyyy."""
    with path.open("w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        for index in range(rows):
            grade = f"{(index * 7) % 20},{index % 10}"
            writer.writerow(
                [
                    FIRST_NAMES[index % len(FIRST_NAMES)],
                    LAST_NAMES[(index // 8) % len(LAST_NAMES)],
                    f"personne{index}@import.bench.example",
                    f"Organisation {index % 300}",
                    "Mali",
                    "F" if index % 2 else "M",
                    grade,
                    f"{1 + index % 28:02d}/09/2023",
                ]
            )


def import_edition() -> Edition:
    school, _ = School.objects.get_or_create(slug="import-bench", defaults={"name": "Import bench", "acronym": "IB"})
    edition, _ = Edition.objects.get_or_create(
        slug="import-bench-2023",
        defaults={"school": school, "year": 2023, "number": 1, "title": "Import bench", "pass_mark": Decimal("10")},
    )
    return edition


def timed_import(edition: Edition, path: Path, *, dry_run: bool) -> dict:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        summary = import_path(edition, str(path), dry_run=dry_run)
        seconds = time.perf_counter() - started
    batches = -(-IMPORT_ROWS // BATCH_SIZE)
    return {
        "rows": IMPORT_ROWS,
        "seconds": round(seconds, 2),
        "rows_per_second": round(IMPORT_ROWS / seconds),
        "queries": len(queries.captured_queries),
        "queries_per_batch": round(len(queries.captured_queries) / batches, 1),
        "created": summary.created,
        "unchanged": summary.unchanged,
    }


MEMORY_PROBE = """
import os, resource, sys
sys.path.insert(0, {root!r})
os.environ["DJANGO_SETTINGS_MODULE"] = "malisig.settings"
import django
django.setup()
from cohorts.models import Edition
from cohorts.services.imports import import_path
import_path(Edition.objects.get(slug="import-bench-2023"), {path!r}, dry_run=True)
# VmHWM is this process's own peak: ru_maxrss survives execve on Linux and would report the bench's own peak.
with open("/proc/self/status") as status:
    print(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
"""


def peak_memory_mb(path: Path) -> float:
    """Peak resident memory of a fresh process running a dry run of the file (VmHWM, in KiB)."""
    root = str(Path(__file__).resolve().parent.parent)
    result = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE.format(root=root, path=str(path))],
        capture_output=True,
        text=True,
        check=True,
    )
    return round(int(result.stdout.strip().splitlines()[-1]) / 1024, 1)


def measure_imports() -> dict:
    edition = import_edition()
    with tempfile.TemporaryDirectory() as folder:
        export = Path(folder) / "export.csv"
        write_course_export(export, IMPORT_ROWS)
        dry_run = timed_import(edition, export, dry_run=True)
        applied = timed_import(edition, export, dry_run=False)
        again = timed_import(edition, export, dry_run=False)
        large = Path(folder) / "export-50k.csv"
        write_course_export(large, MEMORY_ROWS)
        peak = peak_memory_mb(large)
    enrolments = Enrolment.objects.filter(edition=edition).count()
    return {
        "dry_run": dry_run,
        "apply": applied,
        "apply_again": again,
        "enrolments_after": enrolments,
        "peak_memory_mb_50k_dry_run": peak,
        "bench_process_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "targets": {
            "rows_per_second": TARGET_ROWS_PER_SECOND,
            "peak_mb": TARGET_PEAK_MB,
            "met": min(dry_run["rows_per_second"], applied["rows_per_second"]) >= TARGET_ROWS_PER_SECOND
            and peak < TARGET_PEAK_MB
            and enrolments == IMPORT_ROWS
            and again["unchanged"] == IMPORT_ROWS,
        },
    }


def imports_table(figures: dict) -> str:
    lines = [
        "| import of 10,000 rows | seconds | rows/s | queries | queries per batch |",
        "|---|---|---|---|---|",
    ]
    for name in ("dry_run", "apply", "apply_again"):
        row = figures[name]
        lines.append(
            f"| {name.replace('_', ' ')} | {row['seconds']} | {row['rows_per_second']} | {row['queries']} "
            f"| {row['queries_per_batch']} |"
        )
    lines.append(
        f"\npeak memory, dry run of 50,000 rows in a fresh process: {figures['peak_memory_mb_50k_dry_run']} MB"
    )
    return "\n".join(lines)
