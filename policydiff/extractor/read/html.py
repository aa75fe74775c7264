"""HTML → `Line`s: a policy published as a web page, read with the structure its markup states.

lxml's HTML parser (libxml2) reads the page. It recovers from the malformed markup payer pages are full
of (unclosed `<p>` and `<li>`, misnested `<b><i>`, stray end tags) the way browsers do, unescapes each
character reference exactly once (`&amp;amp;` is the text "&amp;"), and keeps each element's source
line, so every line's provenance points into the file. The walk below then keeps what a reader of the
page sees as structure, in the `Line` shape the Markdown reader gives:

- `<h1>`–`<h6>` are headings (`heading=True`);
- list items carry their marker ("•", or the ordered list's "1.", "a.", "iv." from its `type`, `start`,
  `value` or `list-style-type`) and their nesting as indent, four columns a level;
- a table row whose cells are plain text is one line, cells joined by four spaces; a header row (in
  `<thead>`, or all `<th>`) is marked `bold`; a row whose cells hold lists or paragraphs is read cell by
  cell, so the criteria list in a cell keeps its own structure;
- paragraphs and other blocks start lines after a blank (`blank_before`); `<br>` breaks a line, two of
  them leave a blank;
- a link keeps its text; its address is dropped (an analyst reads the words, and provenance is the line).

What is not the policy's text is never read: scripts, styles, templates, form controls, embedded media,
and the page's own chrome where the markup says what it is: `<nav>`, a `<header>` or `<footer>` outside
an article or section (the page's banner and footer, as ARIA reads them), the landmark roles
navigation, banner, contentinfo and search, and anything marked hidden (`hidden`, `aria-hidden="true"`,
`display: none`). Class names say nothing here: every site names its own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from ...budget import DEFAULT, Budget, over
from ...errors import ExtractionError
from ..markers import BULLET_BEFORE_ENUMERATOR, SENTENCE_BREAK
from ..types import Line
from .clean import clean_text

_NEVER_TEXT = frozenset({
    "head", "title", "script", "style", "noscript", "template", "meta", "link", "base", "svg", "math", "iframe",
    "object", "embed", "canvas", "audio", "video", "picture", "map", "button", "select", "option", "optgroup",
    "datalist", "textarea", "input", "nav", "dialog",
})
"""Elements whose text is never the policy's: code, styling, media, form controls, navigation."""
_PAGE_CHROME = frozenset({"header", "footer"})
_SECTIONING = frozenset({"article", "aside", "main", "section"})
"""A `<header>` or `<footer>` inside one of these belongs to it (an article's title and dates), not to the page."""
_CHROME_ROLES = frozenset({"navigation", "banner", "contentinfo", "search"})
_HIDDEN_STYLE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\b", re.I)

_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_LISTS = frozenset({"ul", "ol", "menu", "dir"})
_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "header", "hgroup", "hr", "legend", "li", "main", "p",
    "pre", "section", "summary", "table", "tbody", "thead", "tfoot", "tr", *_HEADINGS, *_LISTS,
})
"""Elements that end the line before them and start a new one (everything else is inline text)."""
_TIGHT = frozenset({"li", "dd", "dt", "tbody", "thead", "tfoot"})
"""Blocks that break a line without a blank before it, like the items of a tight Markdown list."""
_BOLD = frozenset({"b", "strong"})
_WHITESPACE = re.compile(r"[ \t\n\r\f]+")
"""HTML's collapsible white space (a no-break space is text, and `clean_text` folds it to a space)."""
_HIDDEN_WORDS = 20
"""A hidden element with this many words may be a collapsed panel of the policy, not a decoration: say so."""
_LONG_BLOCK = 1500
"""A block longer than this is split into its sentences, as flattened text captures are."""

_STYLE_TYPES = {"decimal": "1", "lower-alpha": "a", "lower-latin": "a", "upper-alpha": "A", "upper-latin": "A",
                "lower-roman": "i", "upper-roman": "I", "disc": "", "circle": "", "square": "", "none": ""}
_LIST_STYLE = re.compile(r"list-style(?:-type)?\s*:\s*([a-z-]+)", re.I)


def _marker(kind: str, n: int) -> str:
    if kind in ("a", "A"):
        letters = ""
        while n > 0:
            n, rest = divmod(n - 1, 26)
            letters = chr(ord("a") + rest) + letters
        return (letters.upper() if kind == "A" else letters or "a") + "."
    if kind in ("i", "I"):
        numerals = (("m", 1000), ("cm", 900), ("d", 500), ("cd", 400), ("c", 100), ("xc", 90), ("l", 50),
                    ("xl", 40), ("x", 10), ("ix", 9), ("v", 5), ("iv", 4), ("i", 1))
        roman, left = "", max(n, 1)
        for glyphs, value in numerals:
            while left >= value:
                roman, left = roman + glyphs, left - value
        return (roman.upper() if kind == "I" else roman) + "."
    return f"{n}."


def _int(value: str | None, default: int) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        return default


@dataclass
class _List:
    kind: str
    """"" for bullets, else an ordered list's numbering type: "1", "a", "A", "i", "I"."""
    next: int = 1


@dataclass
class _Cell:
    header: bool
    lines: list[Line] = field(default_factory=list)


@dataclass
class _Row:
    line: int
    header: bool
    cells: list[_Cell] = field(default_factory=list)
    table: int = 0
    index: int = 0


@dataclass
class _Table:
    """A table being read: its number on the page, rows so far, and whether a header row named its columns."""

    number: int
    rows: int = 0
    named: bool = False


class _Walk:
    """The page's elements in order → lines. `line` is the source line the walk has reached."""

    def __init__(self, budget: Budget):
        self.budget = budget
        self.out: list[Line] = []
        self.sinks: list[list[Line]] = [self.out]
        self.parts: list[tuple[str, bool]] = []
        self.first: int | None = None
        self.line = 1
        self.blank = True
        self.hidden = 0
        self.bold = 0
        self.pre = 0
        self.heading = 0
        self.lists: list[_List] = []
        self.rows: list[_Row] = []
        self.tables: list[_Table] = []
        self.table_count = 0
        self.head_rows = 0
        self.marker: str | None = None
        self.in_item = 0
        self.hidden_text: list[tuple[int, int]] = []
        """(line, words) of each hidden element with text enough to be a collapsed part of the policy."""

    # -- text --------------------------------------------------------------------------------------------------
    def text(self, text: str | None) -> None:
        if not text:
            return
        if not self.hidden:
            if self.first is None and text.strip():
                self.first = self.line + text[:len(text) - len(text.lstrip())].count("\n")
            self.parts.append((text, self.bold > 0))
        self.line += text.count("\n")

    def flush(self) -> None:
        """The text gathered so far becomes a line (several, in `<pre>` or when it is very long)."""
        parts, first = self.parts, self.first
        self.parts, self.first = [], None
        if first is None:
            return
        bold = all(is_bold for chunk, is_bold in parts if chunk.strip())
        raw = "".join(chunk for chunk, _ in parts)
        if self.pre:
            pieces = [(first + k, piece) for k, piece in enumerate(raw.split("\n"))]
        else:
            pieces = [(first, _WHITESPACE.sub(" ", raw))]
        for number, piece in pieces:
            text = clean_text(piece).rstrip() if self.pre else clean_text(piece).strip()
            if not text.strip():
                self.blank = True
                continue
            self._emit(text, number, bold)

    def _emit(self, text: str, number: int, bold: bool) -> None:
        depth = len(self.lists)
        marker, self.marker = self.marker, None
        if marker is not None:
            text = BULLET_BEFORE_ENUMERATOR.sub(r"\1", f"{marker} {text}")
            indent = float(max(depth - 1, 0) * 4)
        else:
            indent = float(max(depth - 1, 0) * 4 + 2) if self.in_item else 0.0
            if self.pre:
                indent += len(text) - len(text.lstrip())
                text = text.strip()
        parts = [text] if len(text) < _LONG_BLOCK or self.heading else \
            [part for part in SENTENCE_BREAK.split(text) if part.strip()]
        for k, part in enumerate(parts):
            if len(part) > self.budget.line_chars:
                raise ExtractionError(over(f"line {number} holds a block of {len(part)} characters", "line_chars",
                                           self.budget))
            self.sinks[-1].append(Line(part, number, None, indent=indent if k == 0 else indent + 2, bold=bold or None,
                                       blank_before=self.blank or k > 0, heading=self.heading > 0))
            self.blank = False

    def block(self, tag: str, nested_list: bool = False) -> None:
        """A block boundary: the line so far ends; most blocks also leave a blank before the next line."""
        self.flush()
        if tag not in _TIGHT and not nested_list:
            self.blank = True

    # -- elements ----------------------------------------------------------------------------------------------
    def start(self, el: etree._Element) -> None:
        if el.sourceline:
            self.line = max(self.line, el.sourceline)
        tag = el.tag if isinstance(el.tag, str) else ""
        if self.hidden:
            self.hidden += 1
            return
        why = _left_out(el, tag)
        if why is not None:
            self.hidden += 1
            if why == "hidden":
                words = len(el.text_content().split())
                if words >= _HIDDEN_WORDS:
                    self.hidden_text.append((self.line, words))
            return
        if tag == "br":
            if self.heading:
                self.parts.append((" ", self.bold > 0))
            elif self.first is None:
                self.blank = True  # a second <br> in a row: an empty line
            else:
                self.flush()
            return
        if tag in _BLOCKS:
            self.block(tag, nested_list=tag in _LISTS and bool(self.lists))
        if tag in _HEADINGS:
            self.heading += 1
        elif tag in _BOLD:
            self.bold += 1
        elif tag == "pre":
            self.pre += 1
        elif tag in _LISTS:
            self.lists.append(_list_of(el, tag))
        elif tag == "li":
            self._item(el)
        elif tag == "thead":
            self.head_rows += 1
        elif tag == "table":
            self.tables.append(_Table(self.table_count))
            self.table_count += 1
        elif tag == "tr":
            table = self.tables[-1] if self.tables else _Table(-1)
            self.rows.append(_Row(self.line, self.head_rows > 0, table=table.number, index=table.rows))
            table.rows += 1
        elif tag in ("td", "th"):
            self.flush()
            self.sinks.append([])
            if self.rows:
                self.rows[-1].cells.append(_Cell(tag == "th"))
            if tag == "th":
                self.bold += 1

    def end(self, el: etree._Element) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if self.hidden:
            self.hidden -= 1
            return
        if tag in ("td", "th"):
            self.flush()
            lines = self.sinks.pop()
            if self.rows and self.rows[-1].cells:
                self.rows[-1].cells[-1].lines = lines
            else:
                self.sinks[-1].extend(lines)
            if tag == "th":
                self.bold -= 1
            return
        if tag in _BLOCKS:
            self.block(tag, nested_list=tag in _LISTS and len(self.lists) > 1)
        if tag in _HEADINGS:
            self.heading -= 1
        elif tag in _BOLD:
            self.bold -= 1
        elif tag == "pre":
            self.pre -= 1
        elif tag in _LISTS and self.lists:
            self.lists.pop()
        elif tag == "li":
            self.in_item -= 1
            self.marker = None
        elif tag == "thead":
            self.head_rows -= 1
        elif tag == "tr" and self.rows:
            self._row(self.rows.pop())
        elif tag == "table" and self.tables:
            self.tables.pop()

    def _item(self, el: etree._Element) -> None:
        self.in_item += 1
        if not self.lists:
            self.lists.append(_List(""))  # an <li> outside any list: a bullet
        current = self.lists[-1]
        current.next = _int(el.get("value"), current.next)
        self.marker = _marker(current.kind, current.next) if current.kind else "•"
        current.next += 1

    def _row(self, row: _Row) -> None:
        """A row of plain cells is one line; a row whose cells hold blocks is read cell by cell."""
        header = row.header or (bool(row.cells) and all(c.header for c in row.cells))
        plain = all(len(c.lines) <= 1 and not any(ln.heading for ln in c.lines) for c in row.cells)
        if not any(c.lines for c in row.cells):
            return
        table = next((t for t in reversed(self.tables) if t.number == row.table), None)
        if header and table is not None and len(row.cells) > 1:
            table.named = True
        elif table is not None and table.named and len(row.cells) > 1:
            # a table whose header row names its columns ("Indication | Criteria"): each cell is read on its
            # own, with its place in the table, as a ruled PDF table's cells are
            for col, cell in enumerate(row.cells):
                self.sinks[-1].extend([Line(ln.text, ln.line, None, indent=ln.indent, bold=ln.bold,
                                            blank_before=ln.blank_before or k == 0, heading=ln.heading,
                                            cell=(row.table, row.index, col))
                                       for k, ln in enumerate(cell.lines)])
            self.blank = True
            return
        if plain:
            texts = [c.lines[0].text if c.lines else "" for c in row.cells]
            first = next(c.lines[0].line for c in row.cells if c.lines)
            self.sinks[-1].append(Line("    ".join(texts).rstrip(), first, None, bold=header or None,
                                       blank_before=True, table_header=header and len(row.cells) > 1))
        else:
            lines = [ln for c in row.cells for ln in c.lines]
            self.sinks[-1].extend([Line(ln.text, ln.line, None, indent=ln.indent, bold=header or ln.bold,
                                        blank_before=ln.blank_before or k == 0, heading=ln.heading)
                                   for k, ln in enumerate(lines)])
        self.blank = True


def _left_out(el: etree._Element, tag: str) -> str | None:
    """Why an element's text is not the policy's: "code" (scripts, styles, media, controls, navigation),
    "chrome" (the page's banner, footer and landmarks) or "hidden" (marked so); None when it is read."""
    if not tag:
        return None
    if tag in _NEVER_TEXT:
        return "code"
    if tag in _PAGE_CHROME and not any(a.tag in _SECTIONING for a in el.iterancestors()):
        return "chrome"
    if (el.get("role") or "").strip().lower() in _CHROME_ROLES:
        return "chrome"
    if el.get("hidden") is not None or (el.get("aria-hidden") or "").strip().lower() == "true" \
            or _HIDDEN_STYLE.search(el.get("style") or ""):
        return "hidden"
    return None


def _list_of(el: etree._Element, tag: str) -> _List:
    style = _LIST_STYLE.search(el.get("style") or "")
    kind = _STYLE_TYPES.get(style.group(1).lower()) if style else None
    if kind is None:
        kind = (el.get("type") or "1").strip() if tag == "ol" else ""
        kind = kind if kind in ("1", "a", "A", "i", "I", "") else "1"
    return _List(kind, _int(el.get("start"), 1))


def html_lines(text: str, budget: Budget = DEFAULT) -> tuple[list[Line], list[str]]:
    """An HTML page → its lines, as the module docstring says, and warnings: hidden text that was left out
    (a page may hide a collapsed section of the policy itself). An error names what could not be read."""
    # An XML declaration names an encoding, and the text is decoded already; keep its line breaks.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", lambda m: "\n" * m.group(0).count("\n"), text)
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"not readable as HTML ({exc})") from None
    fatal = next((e for e in parser.error_log if e.level_name == "FATAL"), None)
    if fatal is not None:
        reason = re.sub(r",?\s*(?:use|try)\s+XML_PARSE_HUGE(?:\s+option)?", "", fatal.message.strip())
        raise ExtractionError(f"the HTML parser stopped at line {fatal.line}: {reason}; the page was not read")
    walk = _Walk(budget)
    for event, el in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            walk.start(el)
            walk.text(el.text)
        else:
            walk.end(el)
            walk.text(el.tail)
    walk.flush()
    if not walk.out:
        raise ExtractionError("no text in the HTML page once scripts, styles and page navigation are left out")
    warnings = []
    if walk.hidden_text:
        where = ", ".join(str(line) for line, _ in walk.hidden_text[:8])
        more = f" and {len(walk.hidden_text) - 8} more" if len(walk.hidden_text) > 8 else ""
        words = sum(w for _, w in walk.hidden_text)
        warnings.append(f"{len(walk.hidden_text)} hidden part(s) of the page were left out ({words} words, at "
                        f"line(s) {where}{more}); if the page shows them when opened, check them against the original")
    return walk.out, warnings
