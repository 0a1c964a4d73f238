"""A readable difference between two versions of a section: words inserted and deleted, paragraph by paragraph.

The stored HTML is reduced to its text (one paragraph per block: heading, paragraph, list item, table row), then
compared word by word with difflib. The result is escaped HTML made of <p> with <ins>/<del> inside.
"""

import difflib
import re
from html import unescape

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

_BLOCK_END = re.compile(r"</(?:p|h[1-6]|li|tr|blockquote|table|ul|ol)\s*>|<br\s*/?>", re.IGNORECASE)
_CELL_END = re.compile(r"</t[dh]\s*>", re.IGNORECASE)
_IMAGE = re.compile(r"<img\b[^>]*?\bsrc=\"([^\"]*)\"[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_PARAGRAPH = "\n"  # a token of its own: words never contain a line break


def html_to_paragraphs(html: str) -> list[str]:
    """The text of `html`, one string per block."""
    text = _IMAGE.sub(lambda match: f" [{_('image')}: {unescape(match.group(1))}] ", html or "")
    text = _CELL_END.sub(" | ", _BLOCK_END.sub("\n", text))
    text = unescape(_TAG.sub("", text)).replace("\xa0", " ")
    return [line.strip(" |") for line in text.split("\n") if line.strip(" |").strip()]


def _tokens(html: str) -> list[str]:
    tokens: list[str] = []
    for paragraph in html_to_paragraphs(html):
        if tokens:
            tokens.append(_PARAGRAPH)
        tokens.extend(paragraph.split())
    return tokens


def word_diff(old_html: str, new_html: str) -> SafeString:
    """`new_html`'s text with the words added since `old_html` in <ins> and those removed in <del>."""
    old, new = _tokens(old_html), _tokens(new_html)
    paragraphs: list[list[str]] = [[]]

    def emit(tag: str, words: list[str]) -> None:
        # A run of words may cross paragraphs: each paragraph gets its own <ins>/<del>.
        for index, chunk in enumerate(_split_paragraphs(words)):
            if index:
                paragraphs.append([])
            if chunk:
                text = escape(" ".join(chunk))
                paragraphs[-1].append(f"<{tag}>{text}</{tag}>" if tag else text)

    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for operation, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if operation in ("delete", "replace"):
            emit("del", old[old_start:old_end])
        if operation in ("insert", "replace"):
            emit("ins", new[new_start:new_end])
        if operation == "equal":
            emit("", new[new_start:new_end])
    html = "".join(f"<p>{' '.join(parts)}</p>" for parts in paragraphs if parts)
    return mark_safe(html)  # noqa: S308 every word went through escape() above


def _split_paragraphs(words: list[str]) -> list[list[str]]:
    chunks: list[list[str]] = [[]]
    for word in words:
        if word == _PARAGRAPH:
            chunks.append([])
        else:
            chunks[-1].append(word)
    return chunks
