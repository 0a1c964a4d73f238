"""An edition with its proceedings' material: concept note, assignment, groups of three stakeholder types, some
published (with consenting and non-consenting members), some not."""

from dataclasses import dataclass, field
from io import BytesIO

import pytest
from docx import Document
from pypdf import PdfReader

from groups.models import Group
from submissions.models import NameConsent, Submission, SubmittedSection

from ..factories import (
    AssignmentFactory,
    GroupFactory,
    MembershipFactory,
    QuestionFactory,
    StakeholderTypeFactory,
    UserFactory,
)

CONCEPT_NOTE = "<p>L'École malienne sur la gouvernance de l'Internet forme une masse critique de jeunes.</p>"
QUESTIONS = ["Quelle est la légalité des coupures d'Internet ?", "Comment se mettre à l'abri des coupures ?"]


@dataclass
class World:
    edition: object
    groups: dict = field(default_factory=dict)  # name -> Group
    submissions: dict = field(default_factory=dict)  # name -> current Submission


def submit(group: Group, number: int, state: str, marker: str) -> Submission:
    submission = Submission.objects.create(group=group, number=number, state=state, declaration="Nous certifions.")
    for position in (1, 2):
        SubmittedSection.objects.create(
            submission=submission,
            position=position,
            title=f"Partie {position} de {group.name}",
            html=f"<p>{marker} partie {position}.</p><h2>Sous-titre {group.name}</h2><p>Suite.</p>",
            words=5,
        )
    return submission


def publish(group: Group, marker: str | None = None) -> Submission:
    number = (group.submissions.count() or 0) + 1
    return submit(group, number, Submission.State.PUBLISHED, marker or f"Texte publié de {group.name}")


@pytest.fixture(name="world")
def world_fixture(edition):
    edition.concept_note = CONCEPT_NOTE
    edition.theme = "Les coupures d'Internet face aux crises"
    edition.save()
    assignment = AssignmentFactory(edition=edition, title_fr="Énoncé des travaux pratiques", title_en="Practical work")
    for position, text in enumerate(QUESTIONS, start=1):
        QuestionFactory(assignment=assignment, position=position, text_fr=text, text_en=f"Question {position} (en)")
    government = StakeholderTypeFactory(
        edition=edition, code="gouv", name_fr="Gouvernement", name_en="Government", position=1
    )
    private = StakeholderTypeFactory(
        edition=edition, code="prive", name_fr="Secteur privé", name_en="Private sector", position=2
    )
    civil = StakeholderTypeFactory(
        edition=edition, code="civil", name_fr="Société civile", name_en="Civil society", position=3
    )
    result = World(edition)
    for name, kind in (("Zoulou", government), ("Mango", private), ("Alpha", civil), ("Bravo", government)):
        result.groups[name] = GroupFactory(edition=edition, stakeholder_type=kind, name=name)
    # Zoulou: an old version, then the published one.
    submit(result.groups["Zoulou"], 1, Submission.State.CHANGES_REQUESTED, "Ancienne version de Zoulou")
    result.submissions["Zoulou"] = submit(
        result.groups["Zoulou"], 2, Submission.State.PUBLISHED, "Texte publié de Zoulou"
    )
    result.submissions["Mango"] = publish(result.groups["Mango"])
    result.submissions["Alpha"] = publish(result.groups["Alpha"])
    result.submissions["Bravo"] = submit(result.groups["Bravo"], 1, Submission.State.ACCEPTED, "Texte accepté de Bravo")
    zoulou = result.groups["Zoulou"]
    for first, last, consent in (("Awa", "Traoré", True), ("Moussa", "Keïta", False), ("Fanta", "Coulibaly", None)):
        user = UserFactory(first_name=first, last_name=last)
        MembershipFactory(group=zoulou, user=user)
        if consent is not None:
            NameConsent.objects.create(group=zoulou, user=user, publish_name=consent)
    return result


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def docx_text(data: bytes) -> str:
    return "\n".join(paragraph.text for paragraph in Document(BytesIO(data)).paragraphs)


def docx_xml(data: bytes) -> str:
    return Document(BytesIO(data)).element.xml


def png_bytes(colour: str = "red") -> bytes:
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def add_image(submission: Submission) -> None:
    """A picture (one of the group's files) at the end of the submission's first frozen section."""
    from django.core.files.base import ContentFile
    from django.urls import reverse

    from submissions.models import GroupFile

    group = submission.group
    data = png_bytes()
    group_file = GroupFile(
        group=group, role=GroupFile.Role.IMAGE, display_name="carte.png", content_type="image/png", size=len(data)
    )
    group_file.file.save("upload.png", ContentFile(data), save=False)
    group_file.save()
    src = reverse("submissions:group_file", args=[group.edition.slug, group.pk, group_file.pk])
    section = submission.sections.order_by("position").first()
    section.html += f'<p><img src="{src}" alt="Carte du réseau"></p>'
    section.save()
