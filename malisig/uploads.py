"""Uploaded files: stored under random names, checked by what they contain, never by their name."""

import secrets
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

IMAGE_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "png",
    b"\xff\xd8\xff": "jpg",
}


@deconstructible
class RandomName:
    """upload_to: the folder, then a random name keeping only a short, plain extension."""

    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        suffix = PurePath(filename).suffix.lower()
        safe_suffix = suffix if suffix.isascii() and suffix[1:].isalnum() and len(suffix) <= 6 else ""
        return f"{self.folder}/{secrets.token_urlsafe(16)}{safe_suffix}"

    def __eq__(self, other) -> bool:
        return isinstance(other, RandomName) and other.folder == self.folder


def image_kind(head: bytes) -> str | None:
    for signature, kind in IMAGE_SIGNATURES.items():
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def validate_image(upload) -> None:
    """PNG, JPEG or WebP, told apart by their first bytes; SVG and anything else refused."""
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(16)
    upload.seek(position)
    if not head:
        raise ValidationError(_("The file is empty."), code="empty")
    if image_kind(head) is None:
        raise ValidationError(_("Only PNG, JPEG or WebP images are accepted."), code="not_an_image")
