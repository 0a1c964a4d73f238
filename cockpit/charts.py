"""Charts drawn on the server as SVG: no script, no library, light on a slow connection.

Every chart scales with its container (viewBox, width 100 %), names itself (<title>, role="img", aria-label) and
writes each value as text next to its bar, so it reads on a phone, in print and without colours. Bars have their
label above them, across the whole width: a phone's narrow screen keeps labels whole and text large enough. Labels
and titles are escaped here: the markup returned is safe to put in a template as it is.

Also read by the sponsors' report: keep the names and signatures stable.
"""

import html
from collections.abc import Sequence

from django.utils.formats import number_format
from django.utils.safestring import SafeString

# A phone's width in CSS pixels: drawn at about 1:1 there (the stylesheet caps it on larger screens).
WIDTH = 360
FONT = 12
CHAR = 6.6  # the average width of a character at FONT, to leave room for texts
BAR = 14  # height of a bar
ROW = FONT + 4 + BAR + 8  # a label above its bar, then some space
LABEL_CHARS = 52  # longer labels are cut (the full text stays in the bar's <title>)
# Fills told apart by lightness too, so a black and white print keeps them apart; each has a text value anyway.
PALETTE = ("#0d6efd", "#fd7e14", "#6f42c1", "#20c997", "#6c757d", "#d63384", "#ffc107", "#198754")
TEXT = "#212529"
MUTED = "#6c757d"
NBSP = "\u00a0"


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _short(label: str, chars: int = LABEL_CHARS) -> str:
    label = str(label)
    return label if len(label) <= chars else label[: chars - 1].rstrip() + "…"


def format_value(value: float, unit: str = "") -> str:
    """A value as the page's language writes it (decimal comma in French), with its unit if any."""
    number = number_format(value, decimal_pos=0 if float(value).is_integer() else 1, use_l10n=True)
    return f"{number}{NBSP}{unit}" if unit else str(number)


def _open(title: str, height: float, description: str = "") -> str:
    label = f"{title}. {description}" if description else title
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height:.0f}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" role="img" aria-label="{_e(label)}" '
        f'font-family="system-ui, sans-serif" font-size="{FONT}">'
        f"<title>{_e(title)}</title>"
    )


def _empty(title: str, message: str) -> SafeString:
    return SafeString(_open(title, ROW) + f'<text x="0" y="{FONT + 4}" fill="{MUTED}">{_e(message)}</text></svg>')


def bar_chart_svg(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    unit: str = "",
    maximum: float | None = None,
    notes: Sequence[str] | None = None,
    empty: str = "—",
) -> SafeString:
    """Horizontal bars, one per (label, value): the label above its bar, the value written after it, followed by
    its note if any (e.g. "80 %"). `maximum` is the full width (default: the largest value), e.g. the first step of
    a funnel."""
    if not items:
        return _empty(title, empty)
    texts = []
    for index, (_label, value) in enumerate(items):
        text = format_value(value, unit)
        if notes and notes[index]:
            text = f"{text} · {notes[index]}"
        texts.append(text)
    top = (maximum if maximum is not None else max(value for _label, value in items)) or 1
    room = WIDTH - max(len(text) for text in texts) * CHAR - 8
    parts = [_open(title, ROW * len(items))]
    for index, ((label, value), text) in enumerate(zip(items, texts, strict=True)):
        y = index * ROW
        length = max(room * min(value / top, 1), 0) if value else 0
        parts.append(
            f"<g><title>{_e(label)}: {_e(text)}</title>"
            f'<text x="0" y="{y + FONT}" fill="{TEXT}">{_e(_short(label))}</text>'
            f'<rect x="0" y="{y + FONT + 4}" width="{length:.1f}" height="{BAR}" fill="{PALETTE[0]}" '
            f'stroke="{TEXT}" stroke-width="0.5"/>'
            f'<text x="{length + 5:.1f}" y="{y + FONT + BAR}" fill="{TEXT}">{_e(text)}</text></g>'
        )
    parts.append("</svg>")
    return SafeString("".join(parts))


def stacked_bar_svg(
    rows: Sequence[tuple[str, Sequence[float]]],
    *,
    series: Sequence[str],
    title: str,
    unit: str = "",
    percent: bool = False,
    empty: str = "—",
) -> SafeString:
    """Horizontal stacked bars: one per (label, [value of each series]), with a legend. Each row writes its values
    as text ("Women 12 · Men 20") under its bar. `percent`: each bar fills the width (shares of its own total)."""
    if not rows:
        return _empty(title, empty)
    top = max((sum(values) for _label, values in rows), default=0) or 1
    legend, x, line = [], 0.0, 0
    for index, name in enumerate(series):  # the legend, in the series' order, wrapped to the width
        text = _short(name, 24)
        width = 16 + len(text) * CHAR + 12
        if x and x + width > WIDTH:
            x, line = 0.0, line + 1
        y = line * (FONT + 6)
        legend.append(
            f'<rect x="{x:.1f}" y="{y + 2}" width="11" height="11" fill="{PALETTE[index % len(PALETTE)]}" '
            f'stroke="{TEXT}" stroke-width="0.5"/><text x="{x + 15:.1f}" y="{y + FONT}" fill="{TEXT}">{_e(text)}</text>'
        )
        x += width
    legend_height = (line + 1) * (FONT + 6) + 6
    row_height = ROW + FONT + 2
    parts = [_open(title, legend_height + row_height * len(rows), " · ".join(series)), *legend]
    for row_index, (label, values) in enumerate(rows):
        y = legend_height + row_index * row_height
        total = sum(values)
        scale = WIDTH / (total or 1) if percent else WIDTH / top
        summary = " · ".join(
            f"{name} {format_value(value, unit)}" for name, value in zip(series, values, strict=False) if value
        ) or format_value(0, unit)
        parts.append(
            f"<g><title>{_e(label)}: {_e(summary)}</title>"
            f'<text x="0" y="{y + FONT}" fill="{TEXT}">{_e(_short(label))}</text>'
        )
        x = 0.0
        for index, value in enumerate(values):
            if not value:
                continue
            length = value * scale
            parts.append(
                f'<rect x="{x:.1f}" y="{y + FONT + 4}" width="{length:.1f}" height="{BAR}" '
                f'fill="{PALETTE[index % len(PALETTE)]}" stroke="{TEXT}" stroke-width="0.5"/>'
            )
            x += length
        parts.append(
            f'<text x="0" y="{y + FONT + BAR + FONT + 2}" font-size="{FONT - 1}" fill="{TEXT}">{_e(summary)}</text></g>'
        )
    parts.append("</svg>")
    return SafeString("".join(parts))


def column_chart_svg(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    unit: str = "",
    line: bool = False,
    empty: str = "—",
) -> SafeString:
    """Vertical columns for a series (e.g. per edition, in order), the value written above each; `line` joins the
    tops with a line and draws points instead of columns."""
    if not items:
        return _empty(title, empty)
    plot_height = 160
    top_margin, bottom_margin = FONT + 8, 2 * FONT + 10
    height = top_margin + plot_height + bottom_margin
    top = max(value for _label, value in items) or 1
    step = WIDTH / len(items)
    column = min(step * 0.6, 60)
    parts = [_open(title, height)]
    parts.append(
        f'<line x1="0" y1="{top_margin + plot_height}" x2="{WIDTH}" y2="{top_margin + plot_height}" '
        f'stroke="{MUTED}" stroke-width="1"/>'
    )
    points = []
    label_chars = max(int(step / CHAR), 4)
    for index, (label, value) in enumerate(items):
        centre = step * index + step / 2
        bar = plot_height * value / top if value else 0
        y = top_margin + plot_height - bar
        text = format_value(value, unit)
        # Many columns: a smaller value rather than values written over each other.
        size = min(FONT, max(8, int(step / (len(text) * CHAR) * FONT)))
        parts.append(f"<g><title>{_e(label)}: {_e(text)}</title>")
        if line:
            points.append(f"{centre:.1f},{y:.1f}")
            parts.append(f'<circle cx="{centre:.1f}" cy="{y:.1f}" r="4" fill="{PALETTE[0]}" stroke="{TEXT}"/>')
        else:
            parts.append(
                f'<rect x="{centre - column / 2:.1f}" y="{y:.1f}" width="{column:.1f}" height="{bar:.1f}" '
                f'fill="{PALETTE[0]}" stroke="{TEXT}" stroke-width="0.5"/>'
            )
        parts.append(
            f'<text x="{centre:.1f}" y="{y - 5:.1f}" text-anchor="middle" font-size="{size}" fill="{TEXT}">'
            f"{_e(text)}</text>"
            f'<text x="{centre:.1f}" y="{top_margin + plot_height + FONT + 4}" text-anchor="middle" '
            f'fill="{TEXT}">{_e(_short(label, label_chars))}</text></g>'
        )
    if line and len(points) > 1:
        parts.insert(2, f'<polyline points="{" ".join(points)}" fill="none" stroke="{PALETTE[0]}" stroke-width="2"/>')
    parts.append("</svg>")
    return SafeString("".join(parts))
