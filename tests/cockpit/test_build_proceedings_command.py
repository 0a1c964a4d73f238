"""manage.py build_proceedings EDITION_SLUG OUT.pdf|OUT.docx"""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from .reports_fixtures import docx_text, pdf_text, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("build_proceedings", *args, stdout=out)
    return out.getvalue().strip()


def test_command_writes_the_pdf_and_prints_its_path(world, tmp_path):
    path = tmp_path / "actes.pdf"

    printed = run(world.edition.slug, str(path))

    assert printed == str(path)
    text = pdf_text(path.read_bytes())
    assert "Texte publié de Zoulou" in text
    assert "Bravo" not in text


def test_command_writes_the_docx_from_the_extension_in_any_case(world, tmp_path):
    path = tmp_path / "ACTES.DOCX"

    printed = run(world.edition.slug, str(path))

    assert printed == str(path)
    assert "Texte publié de Mango" in docx_text(path.read_bytes())


def test_command_writes_english_on_request(world, tmp_path):
    path = tmp_path / "proceedings.docx"

    run(world.edition.slug, str(path), "--language", "en")

    assert "Government — Zoulou" in docx_text(path.read_bytes())


def test_command_refuses_an_unknown_edition(world, tmp_path):
    path = tmp_path / "actes.pdf"

    with pytest.raises(CommandError, match="nope"):
        run("nope", str(path))

    assert not path.exists()


@pytest.mark.parametrize("name", ["actes.odt", "actes", "actes.pdf.txt"])
def test_command_refuses_another_extension(world, tmp_path, name):
    path = tmp_path / name

    with pytest.raises(CommandError, match=r"\.pdf.*\.docx"):
        run(world.edition.slug, str(path))

    assert not path.exists()


def test_command_refuses_a_missing_folder(world, tmp_path):
    with pytest.raises(CommandError):
        run(world.edition.slug, str(tmp_path / "absent" / "actes.pdf"))
