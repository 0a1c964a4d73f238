"""The groups' documents for the bench: every group writes 7 sections with 50 saved versions each.

Called by bench/run.py while seeding. At the large scale (10 editions x 30 groups) that is the issue's
300 groups x 7 sections x 50 versions = 105,000 versions, bulk-inserted.
"""

from datetime import timedelta

from django.utils import timezone

from groups.models import Group, Membership
from submissions.models import Assignment, Section, SectionTemplate, SectionVersion
from submissions.services.assignment import create_default_structure
from submissions.services.workspace import word_count

VERSIONS_PER_SECTION = 50
BATCH_SIZE = 2_000

# About 300 words of French HTML, as a group's section looks once drafted; each version changes its last sentence.
PARAGRAPHS = [
    "La gouvernance de l'Internet au Mali repose sur une collaboration entre l'État, le secteur privé, la société "
    "civile et le milieu universitaire. Chacun de ces acteurs apporte une expertise propre et défend des intérêts "
    "qui ne coïncident pas toujours, ce qui rend le dialogue multipartite à la fois nécessaire et exigeant.",
    "Le développement accéléré du numérique suppose d'abord une infrastructure fiable : des points d'échange "
    "Internet nationaux, des câbles sous-marins accessibles par les pays voisins, et une énergie stable pour les "
    "centres de données. Sans ces fondations, les services publics en ligne restent fragiles et coûteux.",
    "Notre groupe propose trois mesures. <strong>Premièrement</strong>, un cadre réglementaire clair sur la "
    "protection des données personnelles, appliqué par une autorité indépendante. <strong>Deuxièmement</strong>, "
    "un programme de formation aux compétences numériques dans les régions, en langues nationales. "
    "<strong>Troisièmement</strong>, un fonds d'accès universel géré de manière transparente.",
    "<ul><li>Renforcer l'AMRTP et l'AGETIC dans leurs missions respectives ;</li><li>associer les opérateurs "
    "comme Orange Mali et Moov Africa Malitel aux décisions de couverture ;</li><li>soutenir les initiatives "
    "locales de la société civile et des universités.</li></ul>",
    "Enfin, les coupures d'Internet décidées lors de crises politiques pèsent lourdement sur l'économie et sur la "
    "confiance des citoyens. Nous recommandons une procédure encadrée par la loi, limitée dans le temps et "
    "contrôlée par un juge, afin que la sécurité publique et les libertés fondamentales restent conciliées.",
]
BASE_HTML = "".join(text if text.startswith("<ul>") else f"<p>{text}</p>" for text in PARAGRAPHS)


def version_html(number: int) -> str:
    return f"{BASE_HTML}<p>Révision {number} : relecture du groupe et corrections de forme.</p>"


def seed_structure(assignment: Assignment) -> list[SectionTemplate]:
    """The default structure: introduction, one part per question (5), conclusion."""
    create_default_structure(assignment, by=None)
    return list(SectionTemplate.objects.filter(assignment=assignment).order_by("position"))


def seed_documents() -> int:
    """Sections and versions for every group of every edition; returns the number of versions written."""
    now = timezone.now()
    templates_by_edition: dict[int, list[SectionTemplate]] = {}
    for assignment in Assignment.objects.all():
        templates_by_edition[assignment.edition_id] = seed_structure(assignment)
    authors = _first_members()
    words = [word_count(version_html(number)) for number in range(1, VERSIONS_PER_SECTION + 1)]
    last_html = version_html(VERSIONS_PER_SECTION)
    sections = Section.objects.bulk_create(
        (
            Section(
                group_id=group_id,
                template=template,
                html=last_html,
                words=words[-1],
                version=VERSIONS_PER_SECTION,
                status=Section.Status.DRAFTING,
                updated_by_id=authors.get(group_id),
                updated_at=now,
            )
            for group_id, edition_id in Group.objects.order_by("pk").values_list("pk", "edition_id")
            for template in templates_by_edition.get(edition_id, [])
        ),
        batch_size=BATCH_SIZE,
    )
    SectionVersion.objects.bulk_create(
        (
            SectionVersion(
                section_id=section.pk,
                number=number,
                html=version_html(number),
                words=words[number - 1],
                author_id=authors.get(section.group_id),
                created_at=now - timedelta(minutes=VERSIONS_PER_SECTION - number),
            )
            for section in sections
            for number in range(1, VERSIONS_PER_SECTION + 1)
        ),
        batch_size=BATCH_SIZE,
    )
    return len(sections) * VERSIONS_PER_SECTION


def _first_members() -> dict[int, int]:
    first: dict[int, int] = {}
    for group_id, user_id in Membership.objects.order_by("group_id", "pk").values_list("group_id", "user_id"):
        first.setdefault(group_id, user_id)
    return first
