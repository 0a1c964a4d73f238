"""Accent folding: what searches and name sorting compare ("Kéïta" → "keita").

Lower case, decomposed (NFD: "é" → "e" + U+0301), the combining marks of COMBINING_MARKS removed, then the few
letters with no decomposition (ø, đ, ł and the Bambara ɛ, ɔ, ɲ, ŋ) mapped to their ASCII letter. Text is folded in
Python only, when saved (malisig.models.FoldedField), so PostgreSQL and SQLite compare the same folded columns.
"""

import unicodedata

# Combining marks, as character ranges.
COMBINING_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
# Letters that NFD leaves whole (both cases), and their base letter.
LETTERS, ASCII = "ØøĐđŁłƐɛƆɔƝɲŊŋ", "ooddlleeoonnnn"


def _fold_table() -> dict[int, int | None]:
    """str.translate's table: every combining mark of COMBINING_MARKS deleted, LETTERS → ASCII."""
    table: dict[int, int | None] = str.maketrans(LETTERS, ASCII)
    ranges = COMBINING_MARKS
    for start, end in zip(ranges[0::3], ranges[2::3], strict=True):
        table.update(dict.fromkeys(range(ord(start), ord(end) + 1)))
    return table


_PYTHON_FOLD = _fold_table()


def fold(text: str) -> str:
    """Lower case, no accents: "Kéïta" → "keita"."""
    text = text.lower()
    if text.isascii():
        return text
    return unicodedata.normalize("NFD", text).translate(_PYTHON_FOLD)
