"""A certificate as one landscape A4 PDF page (fpdf2): school, edition, the kind of certificate, the name, the
edition's dates and venue, the group, the signatory, the verification code and a QR code of the public
verification address.

Pure: no database. The words are in `content.language` (the builder switches to it). Built a thousand at a time
by one worker (bench/certificates.py), so the costly parts are done once per process: the DejaVu fonts (the
project's, for accents and the letters of Malian names: ɛ ɔ ɲ ŋ) are cut once to Latin-1 and those letters, without
hinting, and written to a temporary folder; fontTools then reads a font forty times smaller for every certificate,
and saves its glyphs as read (no bounding boxes recomputed). A name with a letter outside the cut fonts gets the
whole font for its certificate. The QR code is a PNG made in memory by segno.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from pathlib import Path

import segno
from django.utils import formats, translation
from django.utils.translation import gettext as _
from fontTools import subset as ftsubset
from fontTools import ttLib
from fpdf import FPDF

from submissions.documents.content import clean_text
from submissions.documents.pdf import fit_text

logger = logging.getLogger(__name__)
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

FONT_DIR = Path(__file__).resolve().parent.parent.parent / "submissions" / "fonts"
FAMILY = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
# Basic Latin, Latin-1, Œ œ Ŋ ŋ, the letters of Bambara, Fula, Songhay... (ɛ ɔ ɲ ɓ ɗ ƴ ə and capitals), the usual
# punctuation (’ “ ” – — … • €). Fewer glyphs, faster certificates: any other letter gets the whole font.
COVERED_RANGES = (
    (0x20, 0x7E),
    (0xA0, 0xFF),
    (0x14A, 0x14B),
    (0x152, 0x153),
    (0x178, 0x178),
    (0x181, 0x181),
    (0x186, 0x186),
    (0x189, 0x18A),
    (0x18F, 0x190),
    (0x19D, 0x19D),
    (0x1B3, 0x1B4),
    (0x1DD, 0x1DD),
    (0x253, 0x254),
    (0x256, 0x257),
    (0x259, 0x25B),
    (0x272, 0x272),
    (0x2BC, 0x2BC),
    (0x2018, 0x201E),
    (0x2010, 0x2014),
    (0x2022, 0x2022),
    (0x2026, 0x2026),
    (0x2039, 0x203A),
    (0x20AC, 0x20AC),
)
CHARSET_VERSION = "4"
# Cuts of another charset or font file are removed once nobody wrote them for this long.
STALE_CUT_SECONDS = 24 * 3600

PAGE_W, PAGE_H = 297, 210
NAVY = (31, 56, 100)
GOLD = (176, 141, 60)
GREY = (90, 90, 90)
QR_SIZE = 34  # mm


@dataclass(frozen=True)
class CertificateContent:
    """What one certificate prints. `kind` is "participation" or "contribution"; dates may be missing."""

    kind: str
    language: str
    code: str
    verification_url: str
    full_name: str
    school_name: str
    edition_title: str
    issued_on: date
    starts_on: date | None = None
    ends_on: date | None = None
    venue: str = ""
    group_name: str = ""
    stakeholder: str = ""
    jury_role: str = ""  # for contribution: "juror" or "jury_chair"
    signatory_name: str = ""
    signatory_title: str = ""


def build_certificate_pdf(content: CertificateContent) -> bytes:
    """The certificate as PDF bytes, in content.language."""
    with translation.override(content.language):
        return _render(content)


# ---------------------------------------------------------------------------
# Fonts: cut once per process (and shared through the temporary folder)
# ---------------------------------------------------------------------------
def _covered_codepoints() -> set[int]:
    return {code for low, high in COVERED_RANGES for code in range(low, high + 1)}


@functools.cache
def _light_fonts() -> tuple[dict[str, str], frozenset[int]]:
    """{style: path of the cut font}, and the characters all of them hold. Written atomically: several worker
    processes may cut the same font at once."""
    folder = Path(tempfile.gettempdir()) / "malisig-certificate-fonts"
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, str] = {}
    held: set[int] | None = None
    for style, filename in FONT_FILES.items():
        source = FONT_DIR / filename
        # Named by content, not by file date: two checkouts of the same release (a worker and a web process during
        # an upgrade, two test runs) share one cut instead of deleting each other's.
        with source.open("rb") as stream:
            digest = hashlib.file_digest(stream, "sha256")
        digest.update(f":{CHARSET_VERSION}".encode())
        target = folder / f"{source.stem}-{digest.hexdigest()[:16]}.ttf"
        if not target.exists():
            _cut_font(source, target)
            _forget_stale_cuts(folder, source.stem, target)
        font = ttLib.TTFont(target, lazy=True)
        cmap = set(font.getBestCmap())
        font.close()
        held = cmap if held is None else held & cmap
        paths[style] = str(target)
    return paths, frozenset(held or ())


def _forget_stale_cuts(folder: Path, stem: str, current: Path) -> None:
    """Cuts of an earlier charset or font file, once nobody has written them for a day (another release may still
    be running beside this one)."""
    stale_before = time.time() - STALE_CUT_SECONDS
    for older in folder.glob(f"{stem}-*.ttf"):
        if older == current or older.stem.count("-") != current.stem.count("-"):
            continue
        try:
            if older.stat().st_mtime < stale_before:
                older.unlink()
        except FileNotFoundError:
            pass


def _cut_font(source: Path, target: Path) -> None:
    font = ttLib.TTFont(source)
    options = ftsubset.Options(notdef_outline=True, recommended_glyphs=True)
    options.layout_features = []
    options.hinting = False  # print does not use TrueType hinting; without it the font is half as heavy
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "FFTM", "hdmx", "MATH", "kern"]
    subsetter = ftsubset.Subsetter(options)
    subsetter.populate(unicodes=_covered_codepoints())
    subsetter.subset(font)
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            font.save(stream)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _font_paths(texts: list[str]) -> dict[str, str]:
    paths, held = _light_fonts()
    if not all(os.path.exists(path) for path in paths.values()):  # the temporary folder was cleaned meanwhile
        _light_fonts.cache_clear()
        paths, held = _light_fonts()
    needed = {ord(char) for text in texts for char in text}
    if needed <= held:
        return paths
    return {style: str(FONT_DIR / filename) for style, filename in FONT_FILES.items()}


# ---------------------------------------------------------------------------
# The words
# ---------------------------------------------------------------------------
def _format_date(value: date) -> str:
    """The language's date format with the month in full ("20 novembre 2023", "November 20, 2023")."""
    return formats.date_format(value, formats.get_format("DATE_FORMAT").replace("N", "F"))


def title_for(kind: str) -> str:
    if kind == "contribution":
        return _("Certificate of contribution")
    return _("Certificate of participation")


def _period(content: CertificateContent) -> str:
    starts, ends = content.starts_on, content.ends_on
    if starts and ends and starts != ends:
        return _("from %(start)s to %(end)s") % {"start": _format_date(starts), "end": _format_date(ends)}
    if starts or ends:
        return _("on %(date)s") % {"date": _format_date(starts or ends)}
    return ""


def body_lines(content: CertificateContent) -> list[str]:
    """The sentences under the name: what the person did, where and when, in which group."""
    edition = clean_text(content.edition_title)
    if content.kind == "contribution":
        if content.jury_role == "jury_chair":
            first = _("chaired the jury of %(edition)s") % {"edition": edition}
        else:
            first = _("contributed as a member of the jury of %(edition)s") % {"edition": edition}
    else:
        first = _("took part in %(edition)s") % {"edition": edition}
    period, venue = _period(content), clean_text(content.venue)
    if period and venue:
        first += ", " + _("held %(period)s in %(venue)s") % {"period": period, "venue": venue}
    elif period:
        first += ", " + _("held %(period)s") % {"period": period}
    elif venue:
        first += ", " + _("held in %(venue)s") % {"venue": venue}
    lines = [first + "."]
    group, stakeholder = clean_text(content.group_name), clean_text(content.stakeholder)
    if content.kind != "contribution" and group:
        if stakeholder:
            lines.append(
                _("Member of the group “%(group)s”, playing the role of: %(stakeholder)s.")
                % {"group": group, "stakeholder": stakeholder}
            )
        else:
            lines.append(_("Member of the group “%(group)s”.") % {"group": group})
    return lines


# ---------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------
def _render(content: CertificateContent) -> bytes:
    name = clean_text(content.full_name)
    school = clean_text(content.school_name)
    title = title_for(content.kind)
    lines = body_lines(content)
    issued = _("Issued on %(date)s") % {"date": _format_date(content.issued_on)}
    code_line = _("Verification code: %(code)s") % {"code": content.code}
    verify_line = _("Check it at %(url)s") % {"url": content.verification_url}
    intro = _("This is to certify that")
    signatory = [clean_text(content.signatory_name), clean_text(content.signatory_title)]
    texts = [name, school, title, *lines, issued, code_line, verify_line, intro, *signatory]

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    for style, path in _font_paths(texts).items():
        pdf.add_font(FAMILY, style, path)
    for font in pdf.fonts.values():
        # The glyphs' bounding boxes are right in the file: not recomputing them at save keeps each glyph as read
        # (no decompile and compile of its outline), half the time of a certificate.
        font.ttfont.recalcBBoxes = False
    pdf.set_title(f"{title} · {name}")
    pdf.set_author(school)
    pdf.set_subject(clean_text(content.edition_title))
    pdf.set_creator("MaliSIG")
    pdf.set_auto_page_break(False)
    pdf.set_margins(25, 20, 25)
    pdf.add_page()

    # Frame
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, PAGE_W - 16, PAGE_H - 16)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.4)
    pdf.rect(11, 11, PAGE_W - 22, PAGE_H - 22)

    width = PAGE_W - 50
    pdf.set_text_color(*NAVY)
    _centred(pdf, school, "B", 15, 22, width)
    pdf.set_text_color(*GREY)
    _centred(pdf, clean_text(content.edition_title), "", 12, 31, width)

    pdf.set_text_color(*NAVY)
    _centred(pdf, title, "B", 28, 50, width)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.6)
    pdf.line(PAGE_W / 2 - 40, 66, PAGE_W / 2 + 40, 66)

    pdf.set_text_color(40, 40, 40)
    _centred(pdf, intro, "", 13, 76, width)
    pdf.set_text_color(0)
    _centred(pdf, name, "B", 26, 88, width)

    pdf.set_font(FAMILY, "", 13)
    pdf.set_text_color(40, 40, 40)
    pdf.set_xy(35, 104)
    for line in lines:
        pdf.multi_cell(PAGE_W - 70, 7, line, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(35)

    # Signature, bottom left
    pdf.set_text_color(*GREY)
    pdf.set_font(FAMILY, "", 11)
    pdf.set_xy(25, 150)
    pdf.cell(120, 6, issued)
    if any(signatory):
        pdf.set_draw_color(*GREY)
        pdf.set_line_width(0.3)
        pdf.line(25, 172, 110, 172)
        pdf.set_text_color(0)
        pdf.set_font(FAMILY, "B", 12)
        pdf.set_xy(25, 174)
        pdf.cell(120, 6, fit_text(pdf, signatory[0], 120))
        pdf.set_font(FAMILY, "", 10)
        pdf.set_text_color(*GREY)
        pdf.set_xy(25, 180)
        pdf.cell(120, 5, fit_text(pdf, signatory[1], 120))

    # Verification, bottom right: QR code, code, address
    qr_x, qr_y = PAGE_W - 25 - QR_SIZE, 142
    pdf.image(_qr_png(content.verification_url), x=qr_x, y=qr_y, w=QR_SIZE, h=QR_SIZE)
    pdf.set_text_color(0)
    pdf.set_font(FAMILY, "B", 10)
    pdf.set_xy(PAGE_W - 25 - 110, qr_y + QR_SIZE + 2)
    pdf.cell(110, 5, code_line, align="R")
    pdf.set_font(FAMILY, "", 7.5)
    pdf.set_text_color(*GREY)
    pdf.set_xy(PAGE_W - 25 - 150, qr_y + QR_SIZE + 7)
    pdf.cell(150, 4, fit_text(pdf, verify_line, 150), align="R", link=content.verification_url)
    return bytes(pdf.output())


def _centred(pdf: FPDF, text: str, style: str, size: float, y: float, width: float) -> None:
    """One line centred at `y`, its font shrunk (down to 60%) then cut to fit `width`."""
    smallest = size * 0.6
    pdf.set_font(FAMILY, style, size)
    while size > smallest and pdf.get_string_width(text) > width:
        size -= 1
        pdf.set_font(FAMILY, style, size)
    pdf.set_xy((PAGE_W - width) / 2, y)
    pdf.cell(width, size * 0.5, fit_text(pdf, text, width), align="C")


def _qr_png(url: str) -> BytesIO:
    stream = BytesIO()
    segno.make(url, error="m", micro=False).save(stream, kind="png", scale=4, border=0)
    stream.seek(0)
    return stream
