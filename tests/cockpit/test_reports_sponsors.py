"""The report for sponsors: figures (the funnel), charts, groups, and results once the scores are released."""

from io import BytesIO

import pytest
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from cockpit.services.reports import build_sponsor_report, sponsor_content, sponsors_key
from cohorts.models import Sponsor
from submissions.models import ReviewSettings

from ..factories import EnrolmentFactory
from .reports_fixtures import docx_text, pdf_text, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(world):
    for _index in range(4):
        EnrolmentFactory(edition=world.edition)
    Sponsor.objects.create(edition=world.edition, name="Smart Africa")
    return world


def release_scores(edition):
    ReviewSettings.objects.update_or_create(edition=edition, defaults={"scores_released_at": timezone.now()})


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_sponsor_report_gives_the_funnel_groups_and_their_states(cohort, fmt):
    data = build_sponsor_report(cohort.edition, fmt, "en")

    text = pdf_text(data) if fmt == "pdf" else docx_text(data) + "\n" + _docx_tables(data)
    assert "Report for sponsors" in text
    assert "Smart Africa" in text
    assert "Imported from the course" in text  # the dashboard's funnel
    for name in ("Zoulou", "Mango", "Alpha", "Bravo"):
        assert name in text
    assert "Published" in text and "Accepted" in text
    assert "not released yet" in text


def test_sponsor_report_pdf_draws_the_charts(cohort):
    reader = PdfReader(BytesIO(build_sponsor_report(cohort.edition, "pdf", "en")))

    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert "Groups by stakeholder type" in titles
    assert "Participants, step by step" in titles


def test_sponsor_report_docx_gives_each_chart_as_a_table_of_figures(cohort):
    document = Document(BytesIO(build_sponsor_report(cohort.edition, "docx", "en")))

    rows = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
    assert ["Imported from the course", "4", "100\u00a0%"] in rows
    assert ["Government", "2", ""] in rows  # Zoulou and Bravo


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_sponsor_report_ranks_the_groups_once_scores_are_released(cohort, fmt):
    release_scores(cohort.edition)

    data = build_sponsor_report(cohort.edition, fmt, "en")

    text = pdf_text(data) if fmt == "pdf" else docx_text(data) + "\n" + _docx_tables(data)
    assert "Results" in text
    assert "Final score" in text
    assert "not released yet" not in text


def test_sponsor_report_version_follows_the_figures(cohort):
    before = sponsors_key(cohort.edition, "fr")
    assert sponsors_key(cohort.edition, "fr") == before  # its date is not part of it

    EnrolmentFactory(edition=cohort.edition)

    assert sponsors_key(cohort.edition, "fr") != before


def test_sponsor_content_reads_a_constant_number_of_queries(cohort, django_assert_max_num_queries):
    from ..factories import GroupFactory

    with django_assert_max_num_queries(30) as small:
        sponsor_content(cohort.edition, "fr")
    for index in range(5):
        GroupFactory(edition=cohort.edition, stakeholder_type=cohort.groups["Alpha"].stakeholder_type, name=f"N{index}")

    with django_assert_max_num_queries(len(small.captured_queries)):
        sponsor_content(cohort.edition, "fr")


def _docx_tables(data: bytes) -> str:
    document = Document(BytesIO(data))
    return "\n".join(" | ".join(cell.text for cell in row.cells) for table in document.tables for row in table.rows)
