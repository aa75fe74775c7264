"""A section's lines → an outline: paragraphs, list items nested under their lead-ins, sub-headings, labels.

Two passes. First, lines become units: a list item (it starts with a
marker, or a bullet the PDF drew), a paragraph, a sub-heading, a label
("Diagnosis", "Colorectal Cancer:"), with wrapped lines joined back. A line
continues the unit above when that unit's sentence is open (a trailing
comma, "and", "of"), when the line starts in lower case, or when the line
above was full, i.e. the next line's first word would not have fitted on it
(the way a reader tells a hard wrap from a new item when bullets are lost).

Second, units nest. In a PDF, depth is where an item's text starts: items of
one list share it even when their markers are right-aligned ("i." .. "viii."),
and a deeper one is a child. A paragraph that ends with ":" or announces
"all/any of the following" opens a list even when its items stand at its own
indent. In text captures, where indentation is gone, the enumeration styles
do it the way a reader follows a legal outline (I. → A. → 1. → a. → i.): a
style seen before closes everything opened after it; a new style opens a
level.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ..budget import DEFAULT, Budget, over
from ..errors import ExtractionError
from ..normalized.lexicon import covered_pattern, label_line, not_covered_patterns
from ..normalized.schema import Source
from ..normalized.text import one_line
from . import logic
from .limits import approval_term
from .markers import ENDS_SENTENCE, GLUED_CONNECTOR, LIST_MARKER, NOTE, ROMAN_NUMERAL, roman_value
from .sections import phase_only
from .types import Layout, Line

NodeKind = Literal["item", "para", "heading", "label"]


@dataclass(frozen=True)
class Node:
    """One unit of a section's outline (a list item, a paragraph, a sub-heading, a label) and what nests
    under it. Built by `build_outline`, then frozen: later stages read it and never rewrite it."""

    text: str
    kind: NodeKind
    source: Source | None = None
    marker: str | None = None
    style: str | None = None
    children: tuple[Node, ...] = ()
    connector: str | None = None
    """The connector joining this node to the next sibling ("and" / "or")."""
    lead: str | None = None
    """A connector the node's own text began with ("AND ALL of the following")."""
    x: float = 0.0
    """Left edge: the marker's position (points in a PDF, characters in text)."""
    text_x: float = 0.0
    """Where the node's text starts, after its marker."""
    level: tuple[float, int] = (0.0, 0)
    """Headings only: (size, bold), to nest a smaller heading under a larger one."""
    lines: tuple[Source, ...] = ()
    """Every line the unit was joined from, in order (the accounting counts lines, not units)."""
    cell: tuple[int, int, int] | None = None
    """(table, row, column) of the ruled-table cell the node was read from."""

    @property
    def opens_list(self) -> bool:
        """A lead-in: ends with ":" or announces all/any/at-least-N of what follows."""
        return _opens_list(self.text)


def _opens_list(text: str) -> bool:
    stripped = text.rstrip()
    return stripped.endswith(":") or logic.find_cue(stripped[-200:]) is not None


@dataclass(slots=True, eq=False)
class _Unit:
    """A node while the outline is being built: lines join it, connectors are split off, children nest.
    Only `build_outline` holds these; `freeze` turns them into `Node`s."""

    kind: NodeKind
    source: Source | None = None
    marker: str | None = None
    style: str | None = None
    children: list[_Unit] = field(default_factory=list)
    connector: str | None = None
    lead: str | None = None
    x: float = 0.0
    text_x: float = 0.0
    level: tuple[float, int] = (0.0, 0)
    text: str = ""
    """Set from the joined chunks by `settle`, connectors split off."""
    chunks: list[str] = field(default_factory=list)
    """The text as written, connectors included, one chunk per joined line (joined once, at the end:
    a paragraph of thousands of lines is never copied line by line)."""
    tail: str = ""
    """The last characters written: what decides whether the next line carries the sentence on."""
    open_parens: int = 0
    """"(" minus ")" so far: a parenthesis still open joins the next line."""
    last: Line | None = None
    lines: list[Source] = field(default_factory=list)
    cell: tuple[int, int, int] | None = None
    blank_before: bool = False
    """Set apart from the text above by a blank line."""
    connector_alone: bool = False
    """The connector was a line of its own ("-OR-"), which joins blocks, not the line it follows."""

    @property
    def opens_list(self) -> bool:
        return _opens_list(self.text)

    def write(self, text: str, line: Line) -> None:
        """Join one more line's text (hyphenation from the layout is undone)."""
        if not self.chunks:
            chunk = text
        elif self.tail.endswith("-") and len(self.tail) > 1 and self.tail[-2].isalpha() and text[:1].islower():
            self.chunks[-1] = self.chunks[-1][:-1]
            chunk = text
            self.tail = self.tail[:-1]
        else:
            chunk = " " + text
        if chunk:
            self.chunks.append(chunk)
        self.tail = (self.tail + chunk)[-60:]
        self.open_parens += chunk.count("(") - chunk.count(")")
        self.last = line
        self.lines.append(Source(line.line, line.page))

    @property
    def raw(self) -> str:
        return "".join(self.chunks)


def freeze(unit: _Unit) -> Node:
    return Node(unit.text, unit.kind, unit.source, unit.marker, unit.style, tuple(freeze(c) for c in unit.children),
                unit.connector, unit.lead, unit.x, unit.text_x, unit.level, tuple(unit.lines), unit.cell)


LABEL_LINE = label_line()
_NUMBER_START = re.compile(r"\d+(?:[.,]\d+)*(?![A-Z]|[a-z]*[A-Z])")
"""A line opening on a number ("2 years", "50%") may go on a sentence; one opening on a name that starts
with a digit ("3D Predict", "4Kscore") starts a line of its own."""
_OPEN_END = re.compile(r"(?:[-,/(]|(?<![;,.])\s(?:and|or)|\b(?:of|the|a|an|to|in|with|for|by|from|than|as|at|on|is|"
                       r"are|that|which|who|including|such|e\.g\.|i\.e\.|per|between|within|least|than)),?$", re.I)
"""A line that ends mid-sentence ("... treatment with", "... and"); "; and" ends an item, so it is not open."""
_VERB = re.compile(r"\b(?:is|are|has|have|had|must|meets?|will|shall|should|may|can|was|were|been|following|"
                   r"documented|requires?|receiv\w*|prescribed)\b", re.I)


def parse_marker(text: str, stack_styles: Sequence[tuple[str, str]]) -> tuple[str, str, str] | None:
    """(style, marker, rest) for an enumerated line, or None.

    `stack_styles` holds (style, last marker value) of the open levels, used to
    tell "I." after "H." (a letter) from "I." opening a roman list.
    """
    m = LIST_MARKER.match(text)
    if not m:
        return None
    rest = text[m.end():].strip()
    if m.group("b"):
        glyph = m.group("b")
        if glyph == "o" and (not rest or not (rest[0].isupper() or rest[0].isdigit() or rest[0] in "([")):
            return None
        if glyph in "-–*" and rest[:1].isdigit() and not rest.startswith(("1.", "2.", "3.")):
            return None  # "-20°C", "- 5 mm": a sign, not a bullet
        return ("bullet", glyph, rest)
    if m.group("step"):
        return ("step", m.group("step"), rest)
    value = m.group("pv") or m.group("v")
    wrap = "()" if m.group("pv") else m.group("d")
    if not rest and wrap == ".":
        return None
    if value.isdigit():
        kind = "decimal"
    elif ROMAN_NUMERAL.match(value) and _is_roman(value, stack_styles):
        kind = "roman-upper" if value.isupper() else "roman-lower"
    elif len(value) == 1:
        kind = "alpha-upper" if value.isupper() else "alpha-lower"
    else:
        return None
    if kind.startswith("alpha") and wrap == "." and rest[:1].islower():
        return None  # "e. g." style abbreviations, initials in names
    if kind == "decimal" and wrap == "." and re.match(r"^\d", rest) \
            and not re.match(r"^\d+(?:\.\d+)?\s*[A-Za-z%]", rest):
        return None  # "1. 0" is a number set apart; "1. 10 mg/kg every 2 weeks" is an item
    return (f"{kind}{wrap}", value, rest)


def _is_roman(value: str, recent: Sequence[tuple[str, str]]) -> bool:
    """Is "i." / "v." / "x." a roman numeral here, or a letter? `recent` holds (style, marker) of the items
    above, nearest first.

    Several letters are roman numerals too. Multi-letter markers ("ii", "iv")
    are roman. A single letter is a letter when it follows the letter before
    it in the nearest list it continues ("i" after "h", "v" after "u"), and
    roman when it follows the roman numeral before it ("V" after "IV", even
    with a lettered sub-list between) or starts a list ("i").
    """
    if len(value) > 1:
        return True
    case = "upper" if value.isupper() else "lower"
    for style, last in recent:  # the nearest list this marker continues decides
        if style.startswith(f"alpha-{case}") and len(last) == 1 and ord(value.lower()) == ord(last.lower()) + 1:
            return False
        if style.startswith(f"roman-{case}") and roman_value(value) == roman_value(last) + 1:
            return True
    return value.lower() == "i"


# -- pass 1: lines → units ----------------------------------------------------------------------------------------

_NEIGHBOURS = 8
"""How many lines either side make a text line's neighbourhood, for its block's width."""


_WIDEST_WRAP = 200
"""Text captures that wrap their lines do so within 170 characters (the corpus: at most 162 at the 90th
percentile); a line longer than this is a paragraph written on one line, and the next line starts anew. A
capture whose usual (90th percentile) line is longer still wraps nothing: each of its lines is a paragraph."""


@dataclass
class _Layout:
    """What "a full line" means: the right margin (PDF, per page) or the usual line length (text)."""

    geometry: bool
    margins: dict[int | None, float]
    width: float
    local: dict[int, float] = field(default_factory=dict)
    """Text: the longest line among each line's neighbours (a block wraps at its own width, a quoted or
    indented block short of the document's)."""

    @classmethod
    def of(cls, lines: Sequence[Line], geometry: bool) -> _Layout:
        if geometry:
            by_page: dict[int | None, list[float]] = {}
            for ln in lines:
                if ln.right is not None:
                    by_page.setdefault(ln.page, []).append(ln.right)
            margins = {page: sorted(rights)[int(len(rights) * 0.9)] for page, rights in by_page.items()}
            return cls(True, margins, 0.0)
        lengths = sorted(len(ln.text) + ln.indent for ln in lines) or [80.0]
        width = lengths[int(len(lengths) * 0.9)] if len(lengths) > 5 else max(lengths)
        by_line = [(ln.line, len(ln.text) + ln.indent) for ln in lines if ln.text.strip()]
        local: dict[int, float] = {}
        for k, (number, _) in enumerate(by_line):
            near = [n for _, n in by_line[max(k - _NEIGHBOURS, 0):k + _NEIGHBOURS + 1]]
            if len(near) > 5:
                local[number] = min(width, max(near))
        return cls(False, {}, width, local)

    def full(self, prev: Line, nxt: Line, item: bool = False) -> bool:
        """Would the next line's first word have fitted at the end of the previous one?

        In text an item's lines wrap short of the usual length by the indent the capture dropped (a
        sub-bullet of a PDF keeps its wrap but loses its margin), so an item's line is full a little sooner.
        """
        first_word = len(nxt.text.split()[0]) if nxt.text.split() else 1
        if self.geometry:
            margin = self.margins.get(prev.page)
            if margin is None or prev.right is None:
                return False
            char = (prev.size or 10.0) * 0.5
            return prev.right + (first_word + 1) * char > margin - 2
        if len(prev.text) + prev.indent > _WIDEST_WRAP or self.width > _WIDEST_WRAP:
            return False  # a whole paragraph on one line, or a capture that writes every paragraph so
        width = self.local.get(prev.line, self.width)
        return len(prev.text) + prev.indent + first_word + 1 > max(width * (0.85 if item else 0.95), 40)


def _split_connectors(text: str) -> tuple[str, str | None, str | None]:
    """(text, leading connector, trailing connector)."""
    lead = logic.leading_connector(text)
    body, trailing = logic.trailing_connector(text)
    return body, lead, trailing


class OutlineBuilder:
    """Consumes a section's lines in order; `nodes` is the outline."""

    def __init__(self, layout: _Layout):
        self.layout = layout
        self.units: list[_Unit] = []
        self.current: _Unit | None = None

    def _start(self, unit: _Unit, text: str, line: Line) -> _Unit:
        unit.cell = line.cell
        unit.blank_before = line.blank_before
        unit.write(text, line)
        self.units.append(unit)
        return unit

    def add(self, line: Line) -> None:
        text = line.text.strip()
        if not text or line.table_header:
            return  # a table's header names its columns: read as structure, never as content
        source = Source(line.line, line.page)
        if line.cell is not None and line.cell[2] == 0:
            # The first cell of a table row names what the row's other cells say: a label, however it wraps.
            current = self.current
            if current is not None and current.kind == "label" and current.cell == line.cell:
                current.write(text, line)
                current.text = one_line(current.raw)
                return
            self.current = self._start(_Unit("label", source, x=line.indent, text_x=line.indent, text=text), text,
                                       line)
            return
        if LABEL_LINE.match(text):  # "Diagnosis", "INDICATIONS:": a block label, whatever its typeface
            self.current = None
            self._start(_Unit("label", source, x=line.indent, text_x=line.indent, text=text.rstrip(": ")), text, line)
            return
        if line.heading:
            self.current = None
            self._start(_Unit("heading", source, x=line.indent, text_x=line.indent, text=text.strip(" :#"),
                              level=(line.size or 0.0, int(bool(line.bold)))), text, line)
            return
        connector = logic.standalone_connector(text)
        if connector:
            if self.units:
                self.units[-1].connector = connector
                self.units[-1].connector_alone = True
                self.units[-1].lines.append(source)
            self.current = None
            return
        glued = GLUED_CONNECTOR.match(text)
        if glued:  # "-AND-ii. One additional ...": the connector, then the next item
            if self.units:
                self.units[-1].connector = glued.group(1).lower()
            text = text[glued.end():]
        styles = [(u.style or "", u.marker or "") for u in self.units[-12:] if u.kind == "item"]
        marker = parse_marker(text, list(reversed(styles)))
        if marker:
            style, value, rest = marker
            if style in ("bullet", "step"):
                style = f"{style}@{round(line.indent / (6 if self.layout.geometry else 2))}"
            text_x = line.text_x if line.text_x is not None else line.indent + len(value) + 1
            self.current = self._start(_Unit("item", source, value, style, x=line.indent, text_x=text_x), rest, line)
            return
        current = self.current
        if current is not None and current.last is not None and self._continues(current, current.last, line):
            current.write(text, line)
            return
        self.current = self._start(_Unit("para", source, x=line.indent, text_x=line.indent), text, line)

    def _continues(self, unit: _Unit, prev: Line, line: Line) -> bool:
        text = line.text.strip()
        if line.cell != prev.cell:
            return False  # a table's cell ends where the next cell starts
        if NOTE.match(text):
            return False  # "Note: ..." starts a paragraph of its own
        prev_text = unit.tail
        starts_low = text[:1].islower() or text[:1] in "([&®™†‡" \
            or (_NUMBER_START.match(text) is not None and not ENDS_SENTENCE.search(prev_text))
        open_end = bool(_OPEN_END.search(prev_text[-30:]))
        if logic.leading_connector(text) and logic.find_cue(text):
            return False  # "AND ALL of the following:" opens a new group
        if unit.open_parens > 0 and not line.blank_before and line.page == prev.page:
            return True  # "(e.g. ... requested test is myChoice" / "CDx), or": a parenthesis is still open
        if self.layout.geometry:
            if prev_text.endswith(":") and line.indent > prev.indent + 3:
                return False  # a lead-in's first item, indented under it, even with the bullet lost
            if line.page != prev.page:
                return not ENDS_SENTENCE.search(prev_text) and line.indent >= unit.x - 3 and (starts_low or open_end)
            if unit.kind == "item" and line.indent < unit.text_x - 4:
                return starts_low and not line.blank_before
            if line.blank_before:
                return open_end and not text[:1].isupper()
            return starts_low or open_end or self.layout.full(prev, line)
        if line.blank_before:
            return open_end or (starts_low and not ENDS_SENTENCE.search(prev_text))
        if starts_low or open_end:
            return True
        return self.layout.full(prev, line, unit.kind == "item") and not ENDS_SENTENCE.search(prev_text)


def _settle(unit: _Unit) -> _Unit:
    """Split connectors off a finished unit's text (a table row's name is kept as it was written)."""
    if unit.kind == "label" and unit.cell is not None:
        return unit
    body, lead, trailing = _split_connectors(unit.raw)
    unit.text = body
    unit.lead = lead
    unit.connector = unit.connector or trailing
    return unit


# -- pass 2: units → tree -----------------------------------------------------------------------------------------

def _nest_by_geometry(units: list[_Unit]) -> list[_Unit]:
    roots: list[_Unit] = []
    stack: list[_Unit] = []
    for unit in units:
        if unit.kind == "heading":
            while stack and not (stack[-1].kind == "heading" and _outranks(stack[-1], unit)):
                stack.pop()
            (stack[-1].children if stack else roots).append(unit)
            stack.append(unit)
            continue
        level = next((k for k in range(len(stack) - 1, -1, -1)
                      if _next_in_list(unit, stack[k]) or any(_next_in_list(unit, c) for c in stack[k].children[-3:])),
                     None)
        if level is not None:  # "2." after "1." at the same indent, though a lead-in stood between them
            del stack[level + (0 if _next_in_list(unit, stack[level]) else 1):]
        while stack and not (_geometric_child(unit, stack[-1]) or _style_child(unit, stack)) \
                or stack and _full_single(unit, stack[-1]) or stack and _row_start_outside(unit, stack[-1]):
            stack.pop()
        if not stack or stack[-1].kind == "heading":
            siblings = stack[-1].children if stack else roots
            # a list the unit resumes, else the item a note belongs to
            owner = _interrupted_list(unit, siblings) or _note_owner(unit, siblings)
            if owner is not None:
                owner.children.append(unit)
                stack.append(owner)
                stack.append(unit)
                continue
        (stack[-1].children if stack else roots).append(unit)
        stack.append(unit)
    return roots


def _row_start_outside(unit: _Unit, parent: _Unit) -> bool:
    """A table row's first cell never hangs under text outside the table (the sentence that introduces
    the table, "... for the conditions in the table below"): rows stand side by side under the heading."""
    return unit.kind == "label" and unit.cell is not None and unit.cell[2] == 0 and parent.kind != "heading" \
        and parent.cell is None


def _full_single(unit: _Unit, parent: _Unit) -> bool:
    """A lead-in that takes one item ("when the following criterion is met:") already has it: an item at
    that item's indent is not the lead-in's."""
    if parent.kind != "para" or unit.kind != "item" or not logic.takes_one_item(parent.text):
        return False
    return any(c.kind == "item" and abs(c.x - unit.x) <= 4 for c in parent.children)


def _interrupted_list(unit: _Unit, siblings: list[_Unit]) -> _Unit | None:
    """A list that a statement interrupted resumes after it: a bullet after a one-item lead-in, at the indent
    and in the style of the list before the lead-in, goes back into that list."""
    if unit.kind != "item" or len(siblings) < 2:
        return None
    lead, before = siblings[-1], siblings[-2]
    if lead.kind != "para" or not logic.takes_one_item(lead.text) or not before.children:
        return None
    last = before.children[-1]
    if last.kind == "item" and last.style == unit.style and abs(last.x - unit.x) <= 4:
        return before
    return None


def _ordinal(node: _Unit) -> int | None:
    """The place an enumerated item's marker gives it: "3." → 3, "c)" → 3, "iv." → 4."""
    style, value = node.style or "", node.marker or ""
    if style.startswith("decimal") and value.isdigit():
        return int(value)
    if style.startswith("roman"):
        return roman_value(value)
    if style.startswith("alpha") and len(value) == 1:
        return ord(value.lower()) - 96
    return None


def _next_in_list(unit: _Unit, earlier: _Unit) -> bool:
    """Does `unit` continue the list `earlier` belongs to: same numbering style, same indent, next number?"""
    if unit.kind != "item" or earlier.kind != "item" or unit.style != earlier.style or abs(unit.x - earlier.x) > 4:
        return False
    here, before = _ordinal(unit), _ordinal(earlier)
    return here is not None and before is not None and here == before + 1


def _outranks(parent: _Unit, heading: _Unit) -> bool:
    """A larger or bolder heading holds a smaller one; of two alike, the one further left holds the indented one."""
    if parent.level != heading.level:
        return parent.level > heading.level
    return heading.x > parent.x + 6


def _geometric_child(unit: _Unit, parent: _Unit) -> bool:
    if parent.kind == "heading":
        return True
    if parent.kind == "label":
        return unit.kind != "label" and (unit.x > parent.x + 3 or unit.kind == "item" and unit.x >= parent.x - 4)
    if unit.x > parent.text_x - 3 and unit.x > parent.x + 3:
        return True  # indented under the parent's text
    if parent.kind == "para" and parent.opens_list and unit.kind == "item" and unit.x >= parent.x - 4:
        return True  # a lead-in's list at its own indent
    if parent.kind == "para" and parent.opens_list and unit.kind == "para" and unit.lead and unit.opens_list \
            and unit.x >= parent.x - 4:
        return True  # "AND any of the following:" carries the lead-in's list on
    return parent.kind == "item" and parent.opens_list and unit.kind == "item" and unit.x > parent.x + 3


def _style_child(unit: _Unit, stack: list[_Unit]) -> bool:
    """Items of different numbering styles at one indent (a flat layout): the legal-outline rule decides.

    A style not open at this indent opens a level under the item above; a
    style already open closes back to it.
    """
    parent = stack[-1]
    if unit.kind != "item" or parent.kind != "item" or abs(unit.x - parent.x) > 3 or unit.style == parent.style:
        return False
    open_here = {n.style for n in stack if n.kind == "item" and abs(n.x - unit.x) <= 3}
    return unit.style not in open_here


def _note_owner(unit: _Unit, siblings: list[_Unit]) -> _Unit | None:
    """An unmarked paragraph at the indent of the item just above it belongs to that item (a note, an
    approval term), not to the list's parent."""
    if unit.kind != "para" or not siblings:
        return None
    prev = siblings[-1]
    if prev.kind == "item" and abs(prev.x - unit.x) <= 4 and not unit.opens_list:
        return prev
    return None


def _nest_by_style(units: list[_Unit]) -> list[_Unit]:
    """Text captures: enumeration styles and lead-ins decide depth (indentation is mostly lost)."""
    roots: list[_Unit] = []
    stack: list[tuple[str, _Unit]] = []
    for index, unit in enumerate(units):
        nxt = units[index + 1] if index + 1 < len(units) else None
        if unit.kind == "heading":
            stack = [("heading", unit)]
            roots.append(unit)
            continue
        row = _row_owner(unit, stack)
        if row is not None:
            # a table cell beside its row's first cell: under the row's name, or under the lead-in of its own
            # cell that it follows ("All of the following:" over the cell's bullets)
            stack = stack[: row + 1]
            stack[-1][1].children.append(unit)
            if unit.kind == "item" or unit.opens_list:
                stack.append((unit.style or "" if unit.kind == "item" else "para", unit))
            continue
        named_list = unit.kind == "para" and _name_line(unit) and not NOTE.match(unit.text) and (
            unit.text.rstrip().endswith(":") or nxt is not None and nxt.kind == "item" and nxt.marker == "•")
        if unit.kind == "label" or named_list:
            # A label ("Diagnosis:", "Progression:") starts a block of its own: a sibling of the labels before
            # it, or a part of the lead-in whose list it opens ("... when the following criteria are met:").
            lead = next((k for k in range(len(stack) - 1, -1, -1) if stack[k][0] == "para"
                         and stack[k][1].opens_list and all(c.kind == "label" for c in stack[k][1].children)), None)
            if lead is not None:
                stack = stack[:lead + 1]
            else:
                while stack and stack[-1][0] != "heading":
                    stack.pop()
            (stack[-1][1].children if stack else roots).append(unit)
            stack.append(("label", unit))
            continue
        if unit.kind == "item":
            styles = [style for style, _ in stack]
            style = unit.style or ""
            if style in styles:
                stack = stack[: styles.index(style)]
            (stack[-1][1].children if stack else roots).append(unit)
            stack.append((style, unit))
            continue
        # A paragraph: inside an item it is indented under, else it closes the lists above it; but
        # "Authorization will be issued for 6 months." ends the approval phase it stands in, not the list.
        term_owner = _phase_owner(unit, stack)
        if term_owner is not None:
            term_owner.children.append(unit)
            continue
        owner = _indented_owner(unit, stack)
        if owner is None and _implicit_item(unit, stack):
            unit.kind = "item"
            unit.style = "implicit"
            styles = [style for style, _ in stack]
            if "implicit" in styles:
                stack = stack[: styles.index("implicit")]
            stack[-1][1].children.append(unit)
            stack.append(("implicit", unit))
            continue
        if owner is None:
            base = [entry for entry in stack if entry[0] in ("heading", "label")][:1]
            stack = base
            (stack[-1][1].children if stack else roots).append(unit)
        else:
            stack = stack[: owner + 1]
            stack[-1][1].children.append(unit)
        if unit.opens_list:
            stack.append(("para", unit))
    return roots


def _row_owner(unit: _Unit, stack: list[tuple[str, _Unit]]) -> int | None:
    """Where in the stack a table cell's unit goes: the deepest open unit of the same cell that can hold it
    (a lead-in, an item of another style), else the row's name; None outside tables."""
    cell = unit.cell
    if cell is None or cell[2] == 0 or unit.kind in ("heading", "label"):
        return None
    at = next((k for k in range(len(stack) - 1, -1, -1) if stack[k][1].kind == "label"
               and (stack[k][1].cell or ())[:2] == cell[:2]), None)
    if at is None:
        return None
    for k in range(len(stack) - 1, at, -1):
        style, node = stack[k]
        if node.cell == unit.cell and (style == "para" or unit.kind == "item" and style != (unit.style or "")):
            return k
    return at


def _phase_owner(unit: _Unit, stack: list[tuple[str, _Unit]]) -> _Unit | None:
    """The approval-phase item ("1. Initial Authorization") an approval term closes, if one is open."""
    if approval_term(unit.text) is None:
        return None
    return next((node for style, node in reversed(stack) if node.kind == "item" and phase_only(node.text)), None)


def _indented_owner(unit: _Unit, stack: list[tuple[str, _Unit]]) -> int | None:
    for index in range(len(stack) - 1, -1, -1):
        style, node = stack[index]
        if style not in ("para", "heading", "label", "implicit") and node.kind == "item" and unit.x > 0 \
                and unit.x >= node.text_x - 1:
            return index
    return None


_THE_FOLLOWING = re.compile(r"\bthe following\b", re.I)
"""A lead-in that announces a list, whatever it says of it."""


def _implicit_item(unit: _Unit, stack: list[tuple[str, _Unit]]) -> bool:
    """Web captures lose bullet glyphs: under a lead-in ending in ':', lines closed by ';' (or names alone on
    their line) are still items."""
    if not stack or stack[-1][0] not in ("para", "implicit", "label"):
        return False
    text = unit.text
    if not _name_start(text) or LABEL_LINE.match(text):
        return False
    if stack[-1][0] == "implicit" and unit.blank_before and len(unit.lines) > 1 \
            and (not stack[-1][1].blank_before or unit.opens_list or _states_coverage(text)):
        # after the items and a blank line, a paragraph (a sentence opening a list of its own, a statement
        # "The use of other tests is unproven ...") is not one more item: the list has ended
        return False
    parent = stack[-1][1]
    opened = stack[-1][0] in ("para", "label") and not parent.children and parent.text.rstrip().endswith(":")
    closed = text.rstrip().endswith((";", ":")) or unit.connector is not None \
        or len(unit.lines) == 1 and _name_line(unit) and (logic.find_cue(parent.text) is not None
                                                          or _THE_FOLLOWING.search(parent.text) is not None)
    # ("... with any of the following:" over "Acute myeloid leukemia" alone on its line; "The following are
    # considered unproven:" over "Sprocket nerve pulsing")
    previous = parent.children[-1] if stack[-1][0] in ("para", "label") and parent.children else None
    return opened and closed or stack[-1][0] == "implicit" or (
        previous is not None and previous.style == "implicit")


def _states_coverage(text: str) -> bool:
    return bool(covered_pattern().search(text)) or any(p.search(text) for _, p in not_covered_patterns())


def _name_start(text: str) -> bool:
    """A capital, or a digit that opens a name rather than a number ("4Kscore", "3D Predict")."""
    return text[:1].isupper() or text[:1].isdigit() and _NUMBER_START.match(text) is None


def _name_line(node: _Unit) -> bool:
    """Short and title-like: a name ("Breast Cancer", "Multiple myeloma:"), not a sentence or a criterion."""
    return len(node.text.split()) <= 8 and _name_start(node.text) and not _VERB.search(node.text) \
        and not logic.find_cue(node.text) and not node.text.rstrip(" :").endswith((".", ";", ","))


def _bare_lead_in(node: _Unit) -> bool:
    """A lead-in that is only its logic ("All of the following:", "One of the following criteria:"),
    holding its list: it names nothing itself."""
    return node.kind == "para" and bool(node.children) and len(node.text.split()) <= 8 \
        and node.text.rstrip().endswith(":") and logic.find_cue(node.text) is not None


def _labels(nodes: list[_Unit]) -> None:
    """A short title-like line directly over a list names what the list is about: a label.

    Its list may already hang under it (it ended with ":"), or follow it as bullets of its own
    level when the line has no colon ("Merkel Cell" over "• For assessment of ..."): those bullets
    are moved under it.
    """
    index = 0
    while index < len(nodes):
        node = nodes[index]
        unlisted = node.kind in ("para", "item") and node.style in (None, "implicit") and not node.children
        if unlisted and _name_line(node) and index + 1 < len(nodes) and _bare_lead_in(nodes[index + 1]):
            # "General Requirements" over "All of the following:" and its list: the name is the list's
            node.children = [nodes[index + 1]]
            del nodes[index + 1]
        if unlisted and _name_line(node) and index + 1 < len(nodes) and nodes[index + 1].kind == "item" \
                and nodes[index + 1].marker == "•":
            end = index + 1
            while end < len(nodes) and nodes[end].kind == "item" and nodes[end].marker == "•":
                end += 1
            node.children = nodes[index + 1:end]
            del nodes[index + 1:end]
        if node.kind in ("para", "item") and node.style in (None, "implicit") and node.children \
                and node.children[0].kind == "item" and _name_line(node):
            node.kind = "label"
            node.text = node.text.rstrip(": ")
        _labels(node.children)
        index += 1


def build_outline(lines: Sequence[Line], kind: Layout, layout_lines: Sequence[Line] | None = None,
                  budget: Budget = DEFAULT) -> list[Node]:
    """A section's lines → its outline (roots in document order), frozen."""
    geometry = kind == "positioned"
    layout = _Layout.of(layout_lines or lines, geometry)
    builder = OutlineBuilder(layout)
    for line in lines:
        builder.add(line)
    units = [_settle(u) for u in builder.units]
    roots = _nest_by_geometry(units) if geometry else _nest_by_style(units)
    deepest, where = depth(roots)
    if deepest > budget.depth:
        place = f" (from line {where.line}{f', page {where.page}' if where.page else ''})" if where else ""
        raise ExtractionError(over(f"outline nests {deepest} levels deep{place}", "depth", budget))
    _labels(roots)
    _lift_connectors(roots)
    return [freeze(root) for root in roots]


def _lift_connectors(nodes: list[_Unit]) -> None:
    """"1. Both of the following: a. ... b. ..." / "-OR-" / "2. Both of the following: ...": a connector on a
    line of its own after a block's last sub-item joins the block to the next one at the block's level."""
    for index, node in enumerate(nodes):
        _lift_connectors(node.children)
        if index + 1 == len(nodes) or node.connector is not None or not node.children:
            continue
        last = node.children[-1]
        while last.children and last.connector is None:
            last = last.children[-1]
        if last.connector_alone:
            node.connector, last.connector = last.connector, None


def depth(nodes: Sequence[Node] | Sequence[_Unit]) -> tuple[int, Source | None]:
    """How many levels the outline nests, and where its deepest node starts; without recursion, so any
    depth can be measured before anything recursive walks the tree."""
    deepest, where = 0, None
    stack = [(node, 1) for node in nodes]
    while stack:
        node, level = stack.pop()
        if level > deepest:
            deepest, where = level, node.source
        stack.extend((child, level + 1) for child in node.children)
    return deepest, where


def walk(nodes: Sequence[Node]) -> Iterator[Node]:
    """Every node, parents before children, in document order."""
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))
