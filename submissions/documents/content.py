"""What the document builders read: the group's document as dataclasses, and its section HTML as flat blocks.

Section HTML comes from the rich-text editor, sanitised on save (`malisig.sanitise`), but `parse_html` does not rely
on it: any tag soup gives blocks, unknown tags keep their text, nesting is capped. The blocks are flat so every
builder can walk them in one loop: a nested list is a run of `ListItem`s with a `level`, a table in a list item sits
between the items. `blocks_to_html` writes blocks back as canonical HTML of the allowlist; `normalise_html` is the
round trip, a fixed point the offline pack uses to tell an edited section from an untouched one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime
from html import escape
from html.parser import HTMLParser
from urllib.parse import urlsplit


@dataclass(frozen=True)
class SectionContent:
    key: str
    title: str
    html: str


@dataclass(frozen=True)
class DocumentContent:
    """One group's document. `members` is None when the document is anonymised for the jury."""

    edition_title: str
    school_name: str
    assignment_title: str
    group_name: str
    stakeholder: str
    members: list[str] | None
    sections: list[SectionContent]
    generated_at: datetime
    version_label: str = ""


# ---------------------------------------------------------------------------------------------------------------------
# Blocks


@dataclass(frozen=True)
class Run:
    """Text with one formatting. "\n" in `text` is a line break (<br>)."""

    text: str
    bold: bool = False
    italic: bool = False
    underline: bool = False
    strike: bool = False
    href: str | None = None

    @property
    def format(self) -> tuple:
        return (self.bold, self.italic, self.underline, self.strike, self.href)


Runs = tuple[Run, ...]


@dataclass(frozen=True)
class Heading:
    level: int  # 2, 3 or 4: level 1 is the section title
    runs: Runs


@dataclass(frozen=True)
class Paragraph:
    runs: Runs
    quote: bool = False


@dataclass(frozen=True)
class ListItem:
    """One <li>. Items of one <ul>/<ol> share `list_id`; `number` is the item's 1-based position in its list.

    `continued` marks text that follows a nested list (or image, table) inside the same <li>: no bullet of its own.
    """

    runs: Runs
    ordered: bool
    level: int  # 1 for a top-level list
    number: int
    list_id: int
    continued: bool = False


@dataclass(frozen=True)
class TableCell:
    runs: Runs
    header: bool = False
    colspan: int = 1
    rowspan: int = 1


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[TableCell, ...], ...]  # never empty, no empty row
    level: int = 0  # inside a list item of this depth (0: not in a list)


@dataclass(frozen=True)
class Image:
    src: str
    alt: str = ""
    level: int = 0  # inside a list item of this depth (0: not in a list)


Block = Heading | Paragraph | ListItem | Table | Image


# ---------------------------------------------------------------------------------------------------------------------
# Plain text helpers

# Characters XML 1.0 refuses (lxml raises on them) and lone surrogates.
_INVALID_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_SPACES = re.compile(r"[ \t\n\r\f\v]+")
MAX_SPAN = 20


def clean_text(text: str | None) -> str:
    """One line of plain text safe for any format: no control character, whitespace collapsed."""
    return _SPACES.sub(" ", _INVALID_CHARS.sub("", text or "")).strip()


def runs_text(runs: Runs) -> str:
    return "".join(run.text for run in runs)


def is_safe_href(href: str | None) -> bool:
    """http(s), mailto, or a path on the site: what may become a link in a document or back in our HTML."""
    if not href or href.startswith("//"):
        return False
    try:
        scheme = urlsplit(href).scheme.lower()
    except ValueError:
        return False
    return scheme in ("", "http", "https", "mailto")


def is_external_href(href: str | None) -> bool:
    """An address a PDF or Word reader can open on its own (a site path cannot)."""
    return bool(href) and is_safe_href(href) and href.lower().startswith(("http://", "https://", "mailto:"))


_PLAIN = Run("").format
_INVISIBLE = str.maketrans("", "", "\u200b\u200c\u200d\u2060\ufeff")


def normalise_runs(runs: list[Run] | Runs) -> Runs:
    """Collapse spaces across runs, trim each line, drop the format of line breaks, merge equal runs."""
    chars: list[tuple[str, tuple]] = []
    for run in runs:
        fmt = run.format
        for char in _INVALID_CHARS.sub("", run.text):
            if char in " \t\r\f\v":
                if not chars or chars[-1][0] in " \n":
                    continue
                chars.append((" ", fmt))
            elif char == "\n":
                while chars and chars[-1][0] == " ":
                    chars.pop()
                if chars:  # a break at the very start means nothing; a break has no format
                    chars.append(("\n", _PLAIN))
            else:
                chars.append((char, fmt))
    while chars and chars[-1][0] in " \n":
        chars.pop()
    if not "".join(char for char, _ in chars).translate(_INVISIBLE).strip():
        return ()  # editors pad empty lines with &nbsp;
    merged: list[Run] = []
    text: list[str] = []
    current: tuple | None = None
    for char, fmt in chars:
        if fmt != current and text:
            merged.append(_run_with_format("".join(text), current))
            text = []
        current = fmt
        text.append(char)
    if text:
        merged.append(_run_with_format("".join(text), current))
    return tuple(merged)


def _run_with_format(text: str, fmt: tuple | None) -> Run:
    bold, italic, underline, strike, href = fmt or (False, False, False, False, None)
    return Run(text, bold=bold, italic=italic, underline=underline, strike=strike, href=href)


# ---------------------------------------------------------------------------------------------------------------------
# HTML → tree

_VOID = frozenset(
    {"br", "img", "hr", "wbr", "input", "meta", "link", "col", "area", "base", "embed", "param", "source"}
)
_DROPPED = frozenset(
    {"script", "style", "iframe", "object", "noscript", "template", "textarea", "select", "svg", "math"}
)
_MAX_DEPTH = 60  # deeper tags are ignored (their text is kept): no recursion error on hostile input


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[_Node | str] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = _Node(tag, {name: value or "" for name, value in attrs})
        if tag in _VOID:
            self.stack[-1].children.append(node)
            return
        self._close_implied(tag)
        if len(self.stack) >= _MAX_DEPTH:
            return
        self.stack[-1].children.append(node)
        self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)

    def _close_implied(self, tag: str) -> None:
        """A new <li>, cell or row closes the open one, as in a browser (else items would nest in each other)."""
        targets, boundaries = {
            "li": ({"li"}, {"ul", "ol", "table"}),
            "td": ({"td", "th"}, {"tr", "table"}),
            "th": ({"td", "th"}, {"tr", "table"}),
            "tr": ({"tr"}, {"table"}),
            "thead": ({"thead", "tbody", "tfoot"}, {"table"}),
            "tbody": ({"thead", "tbody", "tfoot"}, {"table"}),
            "tfoot": ({"thead", "tbody", "tfoot"}, {"table"}),
        }.get(tag, (set(), set()))
        for index in range(len(self.stack) - 1, 0, -1):
            current = self.stack[index].tag
            if current in targets:
                del self.stack[index:]
                return
            if current in boundaries:
                return


# ---------------------------------------------------------------------------------------------------------------------
# tree → blocks

_INLINE_FORMAT = {
    "strong": {"bold": True},
    "b": {"bold": True},
    "em": {"italic": True},
    "i": {"italic": True},
    "u": {"underline": True},
    "ins": {"underline": True},
    "s": {"strike": True},
    "strike": {"strike": True},
    "del": {"strike": True},
}
_HEADINGS = {"h1": 2, "h2": 2, "h3": 3, "h4": 4, "h5": 4, "h6": 4}
_PARAGRAPH_LIKE = frozenset(
    {"p", "div", "section", "article", "header", "footer", "aside", "main", "nav", "pre", "figure", "figcaption",
     "address", "dl", "dt", "dd", "hr", "td", "th", "caption", "details", "summary", "center"}
)  # fmt: skip
_TABLE_PARTS = frozenset({"tr", "thead", "tbody", "tfoot"})


@dataclass
class _List:
    ordered: bool
    level: int
    list_id: int
    count: int = 0


@dataclass
class _Context:
    kind: str  # "flow", "heading" or "item"
    quote: bool = False
    level: int = 0  # heading level
    list: _List | None = None
    started: bool = False  # the item has shown its bullet


class _BlockBuilder:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.runs: list[Run] = []
        self.contexts = [_Context("flow")]
        self.lists: list[_List] = []
        self.next_list_id = 1
        self.last_closed: tuple[_List | None, int] = (None, 0)

    @property
    def context(self) -> _Context:
        return self.contexts[-1]

    def flush(self) -> None:
        runs = normalise_runs(self.runs)
        self.runs = []
        if not runs:
            return
        context = self.context
        if context.kind == "heading":
            self.blocks.append(Heading(context.level, runs))
        elif context.kind == "item":
            current = context.list
            if not context.started:
                current.count += 1
            self.blocks.append(
                ListItem(runs, current.ordered, current.level, current.count, current.list_id, context.started)
            )
            context.started = True
        else:
            self.blocks.append(Paragraph(runs, quote=context.quote))

    def visit_children(self, node: _Node, style: Run) -> None:
        for child in node.children:
            if isinstance(child, str):
                if child:
                    self.runs.append(replace(style, text=_SPACES.sub(" ", child)))
            else:
                self.visit(child, style)

    def visit(self, node: _Node, style: Run) -> None:
        tag = node.tag
        if tag in _DROPPED:
            return
        if tag == "br":
            self.runs.append(replace(style, text="\n"))
        elif tag == "img":
            self.image(node)
        elif tag in _INLINE_FORMAT:
            self.visit_children(node, replace(style, **_INLINE_FORMAT[tag]))
        elif tag == "a":
            href = node.attrs.get("href", "").strip()
            self.visit_children(node, replace(style, href=href) if is_safe_href(href) else style)
        elif tag in ("ul", "ol"):
            self.list(node, style, ordered=tag == "ol")
        elif tag == "li":
            if self.lists:
                self.item(node, style)
            else:  # an item with no list around it: give it one
                self.list(_Node("ul", children=[node]), style, ordered=False)
        elif tag == "table" or tag in _TABLE_PARTS:
            self.flush()
            self.table(node if tag == "table" else _Node("table", children=[node]))
        elif tag in _HEADINGS or tag in _PARAGRAPH_LIKE or tag == "blockquote":
            self.block(node, style)
        else:  # span, font, unknown tags: keep the text
            self.visit_children(node, style)

    def block(self, node: _Node, style: Run) -> None:
        context = self.context
        if context.kind != "flow":
            # Inside a heading or an item, a paragraph is only a new line of the same block.
            if self.runs and context.kind == "item":
                self.runs.append(replace(style, text="\n"))
            elif self.runs:
                self.runs.append(replace(style, text=" "))
            self.visit_children(node, style)
            return
        self.flush()
        if node.tag in _HEADINGS:
            self.contexts.append(_Context("heading", quote=context.quote, level=_HEADINGS[node.tag]))
        elif node.tag == "blockquote":
            self.contexts.append(_Context("flow", quote=True))
        else:
            self.contexts.append(_Context("flow", quote=context.quote))
        self.visit_children(node, style)
        self.flush()
        self.contexts.pop()

    def list(self, node: _Node, style: Run, *, ordered: bool) -> None:
        self.flush()
        level = len(self.lists) + 1
        before, blocks_before = self.last_closed, len(self.blocks)
        closed, blocks_then = before
        if not ordered and closed and not closed.ordered and closed.level == level and blocks_then == len(self.blocks):
            current = closed  # two bullet lists with nothing between read as one (as in Word)
        else:
            current = _List(ordered, level, self.next_list_id)
            self.next_list_id += 1
        self.lists.append(current)
        stray: list[_Node | str] = []  # text or tags put straight in the list: an implicit item
        for child in node.children:
            if isinstance(child, _Node) and child.tag in ("li", "ul", "ol"):
                self._stray_item(stray, style)
                self.visit(child, style)
            else:
                stray.append(child)
        self._stray_item(stray, style)
        self.lists.pop()
        # An empty list leaves no trace: the lists around it still read as one.
        self.last_closed = (current, len(self.blocks)) if len(self.blocks) > blocks_before else before

    def _stray_item(self, stray: list[_Node | str], style: Run) -> None:
        if stray and any(not isinstance(child, str) or child.strip() for child in stray):
            self.item(_Node("li", children=list(stray)), style)
        stray.clear()

    def item(self, node: _Node, style: Run) -> None:
        self.flush()
        self.contexts.append(_Context("item", list=self.lists[-1]))
        self.visit_children(node, style)
        self.flush()
        self.contexts.pop()

    def image(self, node: _Node) -> None:
        src = clean_text(node.attrs.get("src"))
        alt = clean_text(node.attrs.get("alt"))
        self.flush()
        if src:
            self.blocks.append(Image(src, alt, level=len(self.lists)))
        elif alt:
            self.runs.append(Run(alt))

    def table(self, node: _Node) -> None:
        rows: list[tuple[TableCell, ...]] = []
        fostered: list[Run] = []
        self._table_rows(node, rows, fostered, header=False)
        fostered_runs = normalise_runs(fostered)
        if fostered_runs:  # text lost between rows, shown before the table as a browser does
            self.runs.extend(fostered_runs)
            self.flush()
        if rows:
            self.blocks.append(Table(tuple(rows), level=len(self.lists)))

    def _table_rows(self, node, rows, fostered, *, header: bool) -> None:
        """Rows of `node`'s own table: cells found outside any <tr> make a row of their own."""
        loose: list[TableCell] = []
        for child in node.children:
            if isinstance(child, str):
                fostered.append(Run(_SPACES.sub(" ", child)))
            elif child.tag in ("td", "th"):
                loose.append(_cell(child, header=header or child.tag == "th"))
            elif child.tag == "tr":
                self._end_row(loose, rows)
                cells: list[TableCell] = []
                self._row_cells(child, cells, fostered, header=header)
                self._end_row(cells, rows)
            elif child.tag in ("thead", "tbody", "tfoot", "table"):
                self._end_row(loose, rows)
                self._table_rows(child, rows, fostered, header=header or child.tag == "thead")
            elif child.tag not in _DROPPED:
                fostered.extend(_inline_runs(child, Run("")))
        self._end_row(loose, rows)

    def _row_cells(self, node, cells, fostered, *, header: bool) -> None:
        for child in node.children:
            if isinstance(child, str):
                fostered.append(Run(_SPACES.sub(" ", child)))
            elif child.tag in ("td", "th"):
                cells.append(_cell(child, header=header or child.tag == "th"))
            elif child.tag not in _DROPPED:  # a <p> or <span> in a row: its own cell
                runs = normalise_runs(_inline_runs(child, Run("")))
                if runs:
                    cells.append(TableCell(runs, header=header))

    @staticmethod
    def _end_row(cells: list[TableCell], rows: list) -> None:
        if cells:
            rows.append(tuple(cells))
            cells.clear()


def _span(value: str | None) -> int:
    try:
        return min(max(int((value or "1").strip()), 1), MAX_SPAN)
    except ValueError:
        return 1


def _cell(node: _Node, *, header: bool) -> TableCell:
    runs = normalise_runs(_inline_runs(node, Run(""), top=True))
    return TableCell(
        runs, header=header, colspan=_span(node.attrs.get("colspan")), rowspan=_span(node.attrs.get("rowspan"))
    )


_CELL_BLOCKS = frozenset({"blockquote", "li", "tr", "table", "ul", "ol"})


def _inline_runs(node: _Node, style: Run, *, top: bool = False) -> list[Run]:
    """Everything under a table cell as runs: blocks become lines, list items "• " lines, nested cells " | "."""
    runs: list[Run] = []
    tag = node.tag
    if tag in _DROPPED:
        return runs
    if tag == "br":
        return [replace(style, text="\n")]
    if tag == "img":
        alt = clean_text(node.attrs.get("alt"))
        return [replace(style, text=f"[{alt}]")] if alt else []
    if tag in _INLINE_FORMAT:
        style = replace(style, **_INLINE_FORMAT[tag])
    elif tag == "a":
        href = node.attrs.get("href", "").strip()
        style = replace(style, href=href) if is_safe_href(href) else style
    is_block = (
        not top and tag not in ("td", "th") and (tag in _HEADINGS or tag in _PARAGRAPH_LIKE or tag in _CELL_BLOCKS)
    )
    if is_block:
        runs.append(replace(style, text="\n"))
    if tag == "li" and not top:
        runs.append(replace(style, text="• "))
    cells = 0
    for child in node.children:
        if isinstance(child, str):
            runs.append(replace(style, text=_SPACES.sub(" ", child)))
            continue
        if child.tag in ("td", "th"):
            if cells:
                runs.append(replace(style, text=" | "))
            cells += 1
        runs.extend(_inline_runs(child, style))
    if is_block:
        runs.append(replace(style, text="\n"))
    return runs


def parse_html(html: str | None) -> list[Block]:
    """The blocks of a section's HTML. Never raises: unknown or broken markup degrades to text."""
    builder = _TreeBuilder()
    builder.feed(_INVALID_CHARS.sub("", html or ""))
    builder.close()
    blocks = _BlockBuilder()
    blocks.visit_children(builder.root, Run(""))
    blocks.flush()
    return blocks.blocks


# ---------------------------------------------------------------------------------------------------------------------
# blocks → canonical HTML

_TAGS = (("bold", "strong"), ("italic", "em"), ("underline", "u"), ("strike", "s"))


def runs_to_html(runs: Runs) -> str:
    parts: list[str] = []
    index = 0
    while index < len(runs):
        href = runs[index].href
        group = []
        while index < len(runs) and runs[index].href == href:
            group.append(runs[index])
            index += 1
        inner = "".join(_run_to_html(run) for run in group)
        parts.append(f'<a href="{escape(href)}">{inner}</a>' if href else inner)
    return "".join(parts)


def _run_to_html(run: Run) -> str:
    text = "<br>".join(escape(line, quote=False) for line in run.text.split("\n"))
    tags = [tag for attribute, tag in _TAGS if getattr(run, attribute)]
    return "".join(f"<{tag}>" for tag in tags) + text + "".join(f"</{tag}>" for tag in reversed(tags))


def _image_html(image: Image) -> str:
    return f'<img src="{escape(image.src)}" alt="{escape(image.alt)}">'


def _table_html(table: Table) -> str:
    head_rows = 0
    while head_rows < len(table.rows) - 1 and all(cell.header for cell in table.rows[head_rows]):
        head_rows += 1

    def row_html(row):
        cells = []
        for cell in row:
            tag = "th" if cell.header else "td"
            spans = "".join(
                f' {name}="{value}"'
                for name, value in (("colspan", cell.colspan), ("rowspan", cell.rowspan))
                if value > 1
            )
            cells.append(f"<{tag}{spans}>{runs_to_html(cell.runs)}</{tag}>")
        return "<tr>" + "".join(cells) + "</tr>"

    head = "".join(row_html(row) for row in table.rows[:head_rows])
    body = "".join(row_html(row) for row in table.rows[head_rows:])
    return "<table>" + (f"<thead>{head}</thead>" if head else "") + f"<tbody>{body}</tbody></table>"


@dataclass
class _HtmlList:
    list_id: int | None  # None: a level opened for a deeper item, taken by the next item at its level
    ordered: bool
    start: int  # index of the opening tag in the output
    item_open: bool = False
    text_last: bool = False  # the open item ends with text: a continuation needs a <br>


def blocks_to_html(blocks: list[Block]) -> str:
    """Canonical HTML of the sanitiser's allowlist: normalise_html(blocks_to_html(b)) == blocks_to_html(b)."""
    out: list[str] = []
    lists: list[_HtmlList] = []  # open lists, innermost last
    quote_open = False

    def close_lists(depth: int) -> None:
        while len(lists) > depth:
            current = lists.pop()
            out.append(("</li>" if current.item_open else "") + ("</ol>" if current.ordered else "</ul>"))

    def open_lists(depth: int, list_id: int | None, ordered: bool) -> None:
        while len(lists) < depth:
            if lists:
                parent = lists[-1]
                if not parent.item_open:
                    out.append("<li>")
                    parent.item_open = True
                parent.text_last = False
            deepest = len(lists) + 1 == depth
            is_ordered = ordered and deepest
            out.append("<ol>" if is_ordered else "<ul>")
            lists.append(_HtmlList(list_id if deepest else None, is_ordered, len(out) - 1))

    for block in blocks:
        if quote_open and not (isinstance(block, Paragraph) and block.quote):
            out.append("</blockquote>")
            quote_open = False
        if isinstance(block, ListItem):
            level = max(block.level, 1)
            close_lists(level)
            if len(lists) == level and lists[-1].list_id not in (None, block.list_id):
                close_lists(level - 1)
            open_lists(level, block.list_id, block.ordered)
            top = lists[-1]
            if top.list_id is None:
                top.list_id, top.ordered = block.list_id, block.ordered
                out[top.start] = "<ol>" if block.ordered else "<ul>"
            if block.continued and top.item_open:
                out.append(("<br>" if top.text_last else "") + runs_to_html(block.runs))
            else:
                out.append(("</li>" if top.item_open else "") + "<li>" + runs_to_html(block.runs))
                top.item_open = True
            top.text_last = True
        elif isinstance(block, Image | Table) and block.level > 0:
            # Inside a list item: the list goes on after it.
            close_lists(block.level)
            open_lists(block.level, None, False)
            top = lists[-1]
            if not top.item_open:
                out.append("<li>")
                top.item_open = True
            out.append(_image_html(block) if isinstance(block, Image) else _table_html(block))
            top.text_last = False
        else:
            close_lists(0)
            if isinstance(block, Heading):
                out.append(f"<h{block.level}>{runs_to_html(block.runs)}</h{block.level}>")
            elif isinstance(block, Paragraph):
                if block.quote and not quote_open:
                    out.append("<blockquote>")
                    quote_open = True
                out.append(f"<p>{runs_to_html(block.runs)}</p>")
            elif isinstance(block, Image):
                out.append(f"<p>{_image_html(block)}</p>")
            elif isinstance(block, Table):
                out.append(_table_html(block))
    close_lists(0)
    if quote_open:
        out.append("</blockquote>")
    return "".join(out)


def normalise_html(html: str | None) -> str:
    """The canonical form of `html`: equal for two texts that give the same document."""
    return blocks_to_html(parse_html(html))


def blocks_text(blocks: list[Block]) -> str:
    """Plain text of blocks, one line per block (speaker notes, search)."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Table):
            lines.extend(" | ".join(runs_text(cell.runs) for cell in row) for row in block.rows)
        elif isinstance(block, Image):
            if block.alt:
                lines.append(block.alt)
        else:
            prefix = "  " * (block.level - 1) + "• " if isinstance(block, ListItem) and not block.continued else ""
            lines.append(prefix + runs_text(block.runs))
    return "\n".join(lines)


def table_grid(table: Table) -> tuple[int, list[tuple[int, int, int, int, TableCell]]]:
    """HTML table layout: (number of columns, [(row, column, rowspan, colspan, cell)]), spans clipped to the grid."""
    taken: set[tuple[int, int]] = set()
    placed = []
    for row_index, row in enumerate(table.rows):
        column = 0
        for cell in row:
            while (row_index, column) in taken:
                column += 1
            rowspan = min(cell.rowspan, len(table.rows) - row_index)
            for r in range(row_index, row_index + rowspan):
                for c in range(column, column + cell.colspan):
                    taken.add((r, c))
            placed.append((row_index, column, rowspan, cell.colspan, cell))
            column += cell.colspan
    columns = max((c for _, c in taken), default=-1) + 1
    return columns, placed


def strip_accents(text: str) -> str:
    return "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))
