"""Images of a section, fetched through the caller's loader and checked with Pillow before any builder embeds them."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO

from PIL import Image as PILImage
from PIL import ImageOps

logger = logging.getLogger(__name__)

ImageLoader = Callable[[str], bytes | None]

MAX_SIDE = 2000  # pixels: enough for a printed page, keeps documents small
DEFAULT_DPI = 96


@dataclass(frozen=True)
class LoadedImage:
    """A decoded image re-encoded as PNG or JPEG, the two formats every builder takes."""

    data: bytes
    width: int  # pixels
    height: int
    dpi: float

    @property
    def width_inches(self) -> float:
        return self.width / self.dpi

    @property
    def height_inches(self) -> float:
        return self.height / self.dpi

    def fit(self, max_width: float, max_height: float) -> tuple[float, float]:
        """Width and height in inches, at natural size or shrunk to the box, aspect kept."""
        scale = min(1.0, max_width / self.width_inches, max_height / self.height_inches)
        return self.width_inches * scale, self.height_inches * scale


def load_image(image_loader: ImageLoader | None, src: str) -> LoadedImage | None:
    """The image at `src`, or None when the loader has nothing, fails, or returns what Pillow cannot read."""
    if image_loader is None or not src:
        return None
    try:
        data = image_loader(src)
    except Exception:
        logger.warning("Image loader failed for %s", src, exc_info=True)
        return None
    if not isinstance(data, bytes | bytearray | memoryview) or not data:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            image = PILImage.open(BytesIO(bytes(data)))
            image.load()
        return _encode(image)
    except Exception:
        logger.warning("Unreadable image %s", src, exc_info=True)
        return None


def _encode(image: PILImage.Image) -> LoadedImage:
    dpi = image.info.get("dpi", (DEFAULT_DPI, DEFAULT_DPI))[0] or DEFAULT_DPI
    try:
        dpi = float(dpi)
    except (TypeError, ValueError):
        dpi = DEFAULT_DPI
    dpi = DEFAULT_DPI if not 50 <= dpi <= 1200 else dpi
    photo = image.format == "JPEG"
    image = ImageOps.exif_transpose(image)
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    output = BytesIO()
    if photo and not has_alpha:
        image.convert("RGB").save(output, format="JPEG", quality=85)
    else:
        image.convert("RGBA" if has_alpha else "RGB").save(output, format="PNG", optimize=True)
    return LoadedImage(output.getvalue(), image.width, image.height, dpi)
