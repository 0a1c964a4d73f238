"""Content typed by organisers in French and English (`title_fr`, `title_en`), read in the user's language."""

from django.utils.translation import get_language

FALLBACK_ORDER = ("fr", "en")


class _LocalisedReader:
    def __init__(self, instance):
        self._instance = instance

    def __getattr__(self, field: str) -> str:
        language = (get_language() or "fr")[:2]
        for code in (language, *FALLBACK_ORDER):
            value = getattr(self._instance, f"{field}_{code}", "")
            if value:
                return value
        return ""


class Localised:
    """`obj.tr.title` gives `title_<current language>`, falling back to French then English."""

    def __get__(self, instance, owner):
        if instance is None:
            return self
        return _LocalisedReader(instance)
