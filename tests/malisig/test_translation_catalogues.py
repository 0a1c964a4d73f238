"""The French catalogue is complete and its compiled file matches it (no GNU gettext needed at install)."""

from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_catalogue_has_no_fuzzy_entry_and_is_compiled(language):
    catalogue = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))

    assert catalogue.fuzzy_entries() == []
    assert (LOCALE / language / "LC_MESSAGES" / "django.mo").exists()


def test_every_french_entry_is_translated():
    catalogue = polib.pofile(str(LOCALE / "fr" / "LC_MESSAGES" / "django.po"))

    assert [entry.msgid for entry in catalogue.untranslated_entries()] == []


@pytest.mark.parametrize("language", ["fr", "en"])
def test_compiled_catalogue_matches_its_source(language):
    source = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    compiled = polib.mofile(str(LOCALE / language / "LC_MESSAGES" / "django.mo"))

    def pairs(entries):
        return {
            (entry.msgctxt, entry.msgid, entry.msgstr, tuple(sorted(map(str, entry.msgstr_plural.values()))))
            for entry in entries
            if entry.msgid
        }

    assert pairs(compiled) == pairs(source.translated_entries())


def test_the_english_and_french_catalogues_list_the_same_strings():
    def ids(language):
        return {(e.msgctxt, e.msgid) for e in polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))}

    assert ids("fr") == ids("en")
