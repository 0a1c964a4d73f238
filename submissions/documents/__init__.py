"""Document builders for a group's position paper: DOCX, PDF, a presentation starter and the offline pack.

Pure functions over the dataclasses of `content` (no models, no database), so views and Celery tasks can call them.
Images are fetched through the caller's `image_loader(src) -> bytes | None`.
"""

from .content import DocumentContent, SectionContent, normalise_html, parse_html
from .docx import build_docx
from .offline import (
    OfflinePackError,
    OfflineSection,
    OfflineUpload,
    UploadedSection,
    build_offline_pack,
    read_offline_pack,
)
from .pdf import build_pdf
from .pptx import build_presentation_starter

__all__ = [
    "DocumentContent",
    "OfflinePackError",
    "OfflineSection",
    "OfflineUpload",
    "SectionContent",
    "UploadedSection",
    "build_docx",
    "build_offline_pack",
    "build_pdf",
    "build_presentation_starter",
    "normalise_html",
    "parse_html",
    "read_offline_pack",
]
