"""A presentation to start from (python-pptx): the title slide, then one slide per section with its first points.

Groups defend their document in public; this gives them the outline, not the talk. Each section slide carries the
section's headings and the first sentence of its paragraphs and list items (at most MAX_POINTS, each trimmed), and
the section's full text in the speaker notes so nothing is lost while they cut.
"""

from __future__ import annotations

import re
from io import BytesIO

from pptx import Presentation
from pptx.enum.text import MSO_AUTO_SIZE
from pptx.util import Inches, Pt

from .content import (
    Block,
    DocumentContent,
    Heading,
    ListItem,
    Paragraph,
    blocks_text,
    clean_text,
    parse_html,
    runs_text,
)
from .labels import running_header

MAX_POINTS = 5
MAX_POINT_LENGTH = 110
MAX_NOTES_LENGTH = 4000
WIDE = (Inches(13.333), Inches(7.5))  # 16:9
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[«\"“(\[A-ZÀ-ÖØ-Þ0-9])")


def build_presentation_starter(content: DocumentContent) -> bytes:
    presentation = Presentation()
    old_width = presentation.slide_width
    presentation.slide_width, presentation.slide_height = WIDE
    title_layout, content_layout = presentation.slide_layouts[0], presentation.slide_layouts[1]

    slide = presentation.slides.add_slide(title_layout)
    _widen(slide, old_width, presentation.slide_width)
    slide.shapes.title.text = clean_text(content.assignment_title)
    subtitle = slide.placeholders[1].text_frame
    lines = [clean_text(content.group_name), clean_text(content.stakeholder), running_header(content)]
    subtitle.text = "\n".join(line for line in lines if line)

    for section in content.sections:
        slide = presentation.slides.add_slide(content_layout)
        _widen(slide, old_width, presentation.slide_width)
        slide.shapes.title.text = clean_text(section.title)
        blocks = parse_html(section.html)
        body = slide.placeholders[1].text_frame
        body.word_wrap = True
        body.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
        for index, (level, text, is_heading) in enumerate(starter_points(blocks)):
            paragraph = body.paragraphs[0] if index == 0 else body.add_paragraph()
            paragraph.level = level
            run = paragraph.add_run()
            run.text = text
            run.font.bold = is_heading or None
            run.font.size = Pt(22 if level == 0 else 18)
        notes = blocks_text(blocks)
        if notes:
            slide.notes_slide.notes_text_frame.text = _trim(notes, MAX_NOTES_LENGTH)

    properties = presentation.core_properties
    properties.title = clean_text(content.assignment_title)[:250]
    properties.subject = clean_text(f"{content.group_name} — {content.stakeholder}")[:250]
    properties.author = clean_text(content.school_name)[:250]
    output = BytesIO()
    presentation.save(output)
    return output.getvalue()


def starter_points(blocks: list[Block], limit: int = MAX_POINTS) -> list[tuple[int, str, bool]]:
    """(indent level, text, is a heading) for the first `limit` headings, paragraphs and list items."""
    points: list[tuple[int, str, bool]] = []
    under_heading = False
    for block in blocks:
        if len(points) >= limit:
            break
        if isinstance(block, Heading):
            text = _trim(clean_text(runs_text(block.runs)), MAX_POINT_LENGTH)
            points.append((0, text, True))
            under_heading = True
        elif isinstance(block, Paragraph) or (isinstance(block, ListItem) and not block.continued):
            text = _trim(first_sentence(clean_text(runs_text(block.runs))), MAX_POINT_LENGTH)
            if not text:
                continue
            level = int(under_heading) + (block.level - 1 if isinstance(block, ListItem) else 0)
            points.append((min(level, 4), text, False))
    return points


def first_sentence(text: str) -> str:
    return _SENTENCE_END.split(text, maxsplit=1)[0] if text else ""


def _trim(text: str, length: int) -> str:
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    if " " in cut[length // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-–—") + "…"


def _widen(slide, old_width: int, new_width: int) -> None:
    """The default layouts are drawn for 4:3: stretch each placeholder across the 16:9 slide."""
    ratio = new_width / old_width
    for shape in slide.placeholders:
        left, width = shape.left, shape.width
        if left is not None and width is not None:
            shape.left, shape.width = int(left * ratio), int(width * ratio)
