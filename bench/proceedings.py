"""The proceedings' bench: an edition with 20 published documents, built as PDF and DOCX. Target: each under 30 s.

    .venv/bin/python bench/proceedings.py
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/malisig_bench .venv/bin/python bench/proceedings.py

It rebuilds its own database (bench/proceedings-bench.sqlite3, or BENCH_DATABASE_URL, whose name must contain
"bench"), migrates, seeds one edition: a concept note, an assignment of 5 questions, 20 groups of 5 members over the
default stakeholder types, each with a published submission of 7 frozen sections of about 400 words (the seed's
length), two tables and one image (a group file, read through the same loader as the exports). Files go to a
temporary MEDIA_ROOT, removed at the end. It then times, in this process, the version key (what the reports page
reads) and each build as the Celery task runs it, and prints the figures (exit 0 whether the target is met or not).
"""

import os
import shutil
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path

import django

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = PROJECT_ROOT / "bench"
SQLITE_PATH = BENCH_DIR / "proceedings-bench.sqlite3"
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="malisig-proceedings-bench-"))

DOCUMENTS = 20
MEMBERS = 5
TARGET_SECONDS = 30.0
REPEATS = 2


def configure_environment() -> str:
    """Settings from the environment, read once at import: set before django.setup()."""
    database_url = os.environ.get("BENCH_DATABASE_URL", "").strip() or f"sqlite:///{SQLITE_PATH}"
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "malisig.settings"
    os.environ.pop("REDIS_URL", None)  # Celery runs eagerly, in this process
    os.environ["DEBUG"] = "False"
    os.environ["SECRET_KEY"] = "bench-only-key-never-used-outside-the-benchmark-0123456789abcdef"
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1"
    os.environ["SECURE_SSL_REDIRECT"] = "False"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["MEDIA_ROOT"] = str(MEDIA_ROOT)
    return database_url


sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(BENCH_DIR))
DATABASE_URL = configure_environment()
django.setup()

import dj_database_url  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone, translation  # noqa: E402
from documents import BASE_HTML  # noqa: E402 - bench/documents.py
from PIL import Image, ImageDraw  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from cockpit.services.reports import build_file, proceedings_key  # noqa: E402
from cohorts.models import Edition, School  # noqa: E402
from groups.models import Group, Membership, StakeholderType  # noqa: E402
from groups.services.setup import default_types  # noqa: E402
from malisig.models import User  # noqa: E402
from submissions.models import (  # noqa: E402
    Assignment,
    GroupFile,
    NameConsent,
    Question,
    SectionTemplate,
    Submission,
    SubmittedSection,
)
from submissions.services.assignment import create_default_structure  # noqa: E402
from submissions.services.workspace import word_count  # noqa: E402

CONCEPT_NOTE = "".join(
    f"<p>{paragraph}</p>"
    for paragraph in (
        "L'École malienne sur la gouvernance de l'Internet (MaliSIG) est une initiative du chapitre malien de "
        "l'Internet Society. Elle vise à créer un environnement favorable à l'apprentissage des connaissances qui "
        "permettraient une meilleure utilisation de l'Internet comme moteur du développement.",
        "Les participants ont suivi 45 jours de formation en ligne, deux jours d'atelier en présentiel et une semaine "
        "de travail en groupe, répartis par partie prenante : gouvernement, secteur privé, société civile.",
    )
)
QUESTIONS = [
    "Quelle est la légalité et la légitimité des coupures d'Internet ?",
    "Quels sont les enjeux liés à ces coupures ?",
    "Quelles sont les conséquences qui en découlent ?",
    "Comment pouvons-nous nous mettre à l'abri de ces coupures ?",
    "Devrions-nous entreprendre des actions face à ces actes ?",
]
TABLE_HTML = (
    "<table><tr><th>Pays</th><th>Année</th><th>Durée</th><th>Perte estimée</th></tr>"
    + "".join(
        f"<tr><td>{country}</td><td>{year}</td><td>{days} jours</td><td>{loss} millions USD</td></tr>"
        for country, year, days, loss in (
            ("Sénégal", 2023, 7, 16),
            ("Mali", 2020, 3, 9),
            ("Guinée", 2020, 12, 28),
            ("Éthiopie", 2021, 30, 146),
            ("Soudan", 2021, 25, 51),
        )
    )
    + "</table>"
)
MORE = (
    "<p>Les coupures d'Internet touchent d'abord les petites entreprises, les étudiants et les journalistes, qui "
    "dépendent du réseau pour travailler, apprendre et informer. Les transferts d'argent par téléphone, les "
    "services publics en ligne et les plateformes de commerce s'arrêtent ; les pertes se comptent en millions de "
    "francs CFA par jour. La confiance des investisseurs recule, et les opérateurs doivent indemniser leurs "
    "clients. Les citoyens se tournent vers des réseaux privés virtuels, souvent peu sûrs, qui exposent leurs "
    "données. Pour toutes ces raisons, notre groupe recommande un dialogue multipartite permanent, où l'État, "
    "les opérateurs, la société civile et les universitaires examinent ensemble chaque demande de restriction, "
    "publient leurs avis et en évaluent les effets.</p>"
)
EXTRA = (
    "<p>Dans ce contexte, notre groupe rappelle que toute mesure restrictive doit être prévue par la loi, "
    "nécessaire, proportionnée et limitée dans le temps, sous le contrôle d'un juge indépendant.</p>"
)


def recreate_database(database_url: str) -> None:
    """Drop and migrate the bench's own database (as bench/run.py does; importing it would set up its own run)."""
    name = str(dj_database_url.parse(database_url)["NAME"])
    if "bench" not in Path(name).name:  # the run deletes this database: never a real one
        sys.exit(f"bench: refusing to rebuild {name!r}; the database name must contain 'bench'")
    if database_url.startswith("sqlite"):
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)
    else:
        import psycopg
        from psycopg import sql
        from psycopg.conninfo import make_conninfo

        with psycopg.connect(make_conninfo(database_url, dbname="postgres"), autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    call_command("migrate", interactive=False, verbosity=0)


def png_bytes(index: int) -> bytes:
    """A 900x500 chart-like picture, different for each group."""
    image = Image.new("RGB", (900, 500), (245, 245, 245))
    draw = ImageDraw.Draw(image)
    for bar in range(8):
        height = 60 + (bar * 37 + index * 53) % 380
        draw.rectangle([60 + bar * 100, 480 - height, 130 + bar * 100, 480], fill=(13, 110, 253))
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def section_html(position: int, image_src: str) -> str:
    """About 400 words; the second and fifth parts have a table, the third one the group's image."""
    html = BASE_HTML + MORE + EXTRA + f"<h2>Points clés de la partie {position}</h2>" + EXTRA
    if position in (2, 5):
        html += TABLE_HTML
    if position == 3:
        html += f'<p><img src="{image_src}" alt="Pertes dues aux coupures, par jour"></p>'
    return html


def seed() -> Edition:
    school = School.objects.create(
        name="École malienne sur la gouvernance de l'Internet", acronym="MaliSIG", slug="malisig"
    )
    edition = Edition.objects.create(
        school=school,
        slug="malisig-bench",
        year=2023,
        number=4,
        title="MaliSIG 2023",
        theme="Les coupures d'Internet face aux crises socio-politiques",
        status=Edition.Status.CLOSED,
        concept_note=CONCEPT_NOTE,
    )
    assignment = Assignment.objects.create(
        edition=edition,
        title_fr="Énoncé des travaux pratiques",
        statement_fr="<p>"
        + "Les crises socio-politiques se déroulent de plus en plus sur le théâtre numérique. " * 12
        + "</p>",
    )
    Question.objects.bulk_create(
        Question(assignment=assignment, position=position, text_fr=text) for position, text in enumerate(QUESTIONS, 1)
    )
    create_default_structure(assignment, by=None)
    templates = list(SectionTemplate.objects.filter(assignment=assignment).order_by("position"))
    types = StakeholderType.objects.bulk_create(default_types(edition))
    users = User.objects.bulk_create(
        User(email=f"member{index}@bench.example", first_name=f"Prénom{index}", last_name=f"Nom{index}")
        for index in range(DOCUMENTS * MEMBERS)
    )
    words = 0
    for index in range(DOCUMENTS):
        group = Group.objects.create(
            edition=edition, stakeholder_type=types[index % len(types)], name=f"Groupe {index + 1:02d}"
        )
        members = users[index * MEMBERS : (index + 1) * MEMBERS]
        Membership.objects.bulk_create(Membership(edition=edition, group=group, user=user) for user in members)
        NameConsent.objects.bulk_create(
            NameConsent(group=group, user=user, publish_name=number % 4 != 3) for number, user in enumerate(members)
        )
        data = png_bytes(index)
        image = GroupFile(
            group=group, role=GroupFile.Role.IMAGE, display_name="pertes.png", content_type="image/png", size=len(data)
        )
        image.file.save("pertes.png", ContentFile(data), save=False)
        image.save()
        src = reverse("submissions:group_file", args=[edition.slug, group.pk, image.pk])
        submission = Submission.objects.create(
            group=group,
            number=1,
            state=Submission.State.PUBLISHED,
            declaration="Nous certifions.",
            submitted_at=timezone.now(),
        )
        sections = []
        for template in templates:
            html = section_html(template.position, src)
            sections.append(
                SubmittedSection(
                    submission=submission,
                    template=template,
                    position=template.position,
                    title=template.title_fr,
                    html=html,
                    words=word_count(html),
                )
            )
            words += sections[-1].words
        SubmittedSection.objects.bulk_create(sections)
    per_section = words / DOCUMENTS / len(templates)
    print(f"Seeded {DOCUMENTS} published documents x {len(templates)} sections, {per_section:.0f} words per section")
    return edition


def timed(action) -> tuple[float, float, object]:
    """(wall seconds, CPU seconds of this process, result): the CPU time tells a slow build from a busy machine."""
    start, cpu = time.perf_counter(), time.process_time()
    result = action()
    return time.perf_counter() - start, time.process_time() - cpu, result


def main() -> None:
    try:
        recreate_database(DATABASE_URL)
        edition = seed()
        translation.activate("fr")
        print(f"Load average before the builds: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(f"{'what':<18} {'wall s':>8} {'CPU s':>8} {'size':>9}  notes")
        seconds, cpu, _key = timed(lambda: proceedings_key(edition, "fr"))
        print(f"{'version key':<18} {seconds:>8.3f} {cpu:>8.3f}")
        worst = 0.0
        for kind, fmt in (("proceedings", "pdf"), ("proceedings", "docx"), ("sponsors", "pdf"), ("sponsors", "docx")):
            runs = []
            data = b""
            for _repeat in range(REPEATS if kind == "proceedings" else 1):
                seconds, cpu, data = timed(lambda kind=kind, fmt=fmt: build_file(edition, kind, fmt, "fr"))
                runs.append((seconds, cpu))
            slowest, cpu = max(runs)
            if kind == "proceedings":
                worst = max(worst, slowest)
            notes = f"{len(PdfReader(BytesIO(data)).pages)} pages; " if fmt == "pdf" else ""
            notes += f"best of {len(runs)}: {min(runs)[0]:.2f} s" if len(runs) > 1 else ""
            print(f"{kind + ' ' + fmt:<18} {slowest:>8.2f} {cpu:>8.2f} {len(data) / 1024:>6.0f} KB  {notes}")
        verdict = "met" if worst < TARGET_SECONDS else "NOT met"
        print(
            f"Target: proceedings of {DOCUMENTS} documents under {TARGET_SECONDS:.0f} s: {verdict} "
            f"(slowest {worst:.2f} s wall)"
        )
    finally:
        shutil.rmtree(MEDIA_ROOT, ignore_errors=True)


if __name__ == "__main__":
    main()
