"""Lines → sections → an outline tree of enumerated items and paragraphs.

Depth comes from the enumeration style (I. → A. → 1. → a. → i.), the way a
reader follows a legal outline: a style seen before closes everything
opened after it; a new style opens a level. Bullets add their indentation to
the style, so nested bullet lists nest. Wrapped lines and blank lines inside
one item are joined back into it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..normalized.schema import Source
from . import logic
from .furniture import drop_running_lines, is_noise
from .lines import Line
from .sections import heading_kind, inline_heading


@dataclass
class Node:
    text: str
    kind: str
    """"item" (enumerated), "para" (unmarked paragraph), "label" (a block label like "Diagnosis") or
    "subheading" (a heading by layout inside a section, naming what follows)."""
    source: Source | None = None
    style: str | None = None
    marker: str | None = None
    children: list[Node] = field(default_factory=list)
    connector: str | None = None
    """The connector joining this node to the next sibling ("and" / "or")."""
    raw: str = ""
    """The item's whole text as written, connectors included; `text` is re-read from it on every wrap."""
    lead: str | None = None
    """A connector the node's own text began with ("AND ALL of the following")."""
    last: Line | None = None
    text_x: float = 0.0


@dataclass
class Section:
    kind: str
    """criteria, exclusion, coding, definitions, documentation, background, limits, history, references,
    boilerplate, or front (before the first heading)."""
    title: str
    nodes: list[Node] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    source: Source | None = None


_ROMAN = re.compile(r"^(?=[ivxlc])(c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$", re.I)
_MARKER = re.compile(
    r"^(?:\((?P<pv>[a-zA-Z]{1,4}|\d{1,3})\)|(?P<v>[IVXLC]{1,6}|[ivxlc]{1,6}|[A-Za-z]|\d{1,3})(?P<d>[.)])"
    r"|(?P<b>[-–•*o§])|(?P<step>(?:step|criterion|criteria)\s+\d+[.:]))(?:\s+|$)"
)
LABEL_LINE = re.compile(r"^(?:diagnos[ie]s|indications?|conditions?)\s*:?\s*$", re.I)


def _roman_value(text: str) -> int:
    values = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
    total = 0
    for a, b in zip(text.lower(), text.lower()[1:] + " "):
        va, vb = values[a], values.get(b, 0)
        total += -va if va < vb else va
    return total


def parse_marker(text: str, stack_styles: list[tuple[str, str]]) -> tuple[str, str, str] | None:
    """(style, marker, rest) for an enumerated line, or None.

    `stack_styles` holds (style, last marker value) of the open levels, used to
    tell "I." after "H." (a letter) from "I." opening a roman list.
    """
    m = _MARKER.match(text)
    if not m:
        return None
    rest = text[m.end():].strip()
    if m.group("b"):
        glyph = m.group("b")
        if glyph == "o" and (not rest or not rest[0].isupper()):
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
    elif _ROMAN.match(value) and _is_roman(value, stack_styles):
        kind = "roman-upper" if value.isupper() else "roman-lower"
    elif len(value) == 1:
        kind = "alpha-upper" if value.isupper() else "alpha-lower"
    else:
        return None
    if kind.startswith("alpha") and wrap == "." and rest[:1].islower():
        return None  # "e. g." style abbreviations, initials in names
    return (f"{kind}{wrap}", value, rest)


def _is_roman(value: str, stack_styles: list[tuple[str, str]]) -> bool:
    case = "upper" if value.isupper() else "lower"
    for style, last in stack_styles:
        single = len(value) == 1 and len(last) == 1
        if style.startswith(f"alpha-{case}") and single and ord(value.lower()) == ord(last.lower()) + 1:
            return False
        if style.startswith(f"roman-{case}"):
            return _roman_value(value) == _roman_value(last) + 1 or len(value) > 1
    if len(value) > 1:
        return True
    return value.lower() == "i"


_TERMINAL = re.compile(r"[.:;!?]\s*[\"')\]]?$")
_OPEN_END = re.compile(r"(?:[-,/(]|\b(?:and|or|of|the|a|an|to|in|with|for|by|from|than|as|at|on|is|are|"
                       r"that|which|who|including|such|e\.g\.|i\.e\.))$", re.I)


class OutlineBuilder:
    """Consumes lines in order; produces sections of outline trees."""

    def __init__(self, width: float, geometry: bool):
        self.width = width
        self.geometry = geometry
        self.sections: list[Section] = [Section("front", "")]
        self.stack: list[tuple[str, Node]] = []
        self.last: Node | None = None

    # -- helpers -------------------------------------------------------------
    @property
    def section(self) -> Section:
        return self.sections[-1]

    def _attach(self, node: Node, parent: Node | None) -> None:
        (parent.children if parent else self.section.nodes).append(node)
        self.last = node

    def _new_section(self, kind: str, title: str, line: Line) -> None:
        self.sections.append(Section(kind, title, source=Source(line.line, line.page)))
        self.stack = []
        self.last = None

    def _continues(self, prev: Line, line: Line, node: Node) -> bool:
        text = line.text
        if LABEL_LINE.match(text) or logic.leading_connector(text) and logic.find_cue(text):
            return False
        if node.kind == "label":
            return False
        prev_text = node.text
        starts_low = text[:1].islower() or text[:1] in "([&" or text[:1].isdigit() and not prev_text.endswith(".")
        if self.geometry and line.page == prev.page:
            if _OPEN_END.search(prev_text[-30:]) and line.indent >= node.text_x - 3:
                return True
            if line.blank_before and not starts_low:
                return False
            if node.kind == "item" and line.indent < node.text_x - 3:
                return starts_low and not line.blank_before
            return True
        if starts_low or _OPEN_END.search(prev_text[-30:]):
            return True
        long_prev = len(prev.text) + prev.indent >= 0.72 * self.width
        if line.blank_before:
            return long_prev and not _TERMINAL.search(prev_text)
        return long_prev

    # -- the one entry point -------------------------------------------------
    def add(self, line: Line) -> None:
        text = line.text
        kind = heading_kind(text, numbered=line.heading)
        if kind is not None and (line.heading or not self._is_sentence(text)):
            self._new_section(kind, text.strip(" :#"), line)
            self.section.lines.append(line)
            return
        self.section.lines.append(line)
        inline = inline_heading(text)
        if inline and not _MARKER.match(text):
            self._new_section(inline[0], text.split(":")[0], line)
            text = inline[1]
        connector = logic.standalone_connector(text)
        if connector:
            if self.last is not None:
                self.last.connector = connector
                self.last.raw = ""  # a connector line closes the item: no later line continues it
            return
        styles = [(style, node.marker or "") for style, node in self.stack]
        marker = parse_marker(text, styles)
        source = Source(line.line, line.page)
        if marker:
            style, value, rest = marker
            if style == "bullet" or style == "step":
                style = f"{style}@{round(line.indent / (6 if self.geometry else 2))}"
            rest, trailing = logic.trailing_connector(rest)
            node = Node(rest, "item", source, style, value, connector=trailing, last=line, raw=marker[2],
                        text_x=line.indent + (len(value) + 2) * (5 if self.geometry else 1))
            self._place_item(node)
            return
        if self._implicit_item(text):
            body, trailing = logic.trailing_connector(text)
            self._place_item(Node(body, "item", source, "implicit", None, connector=trailing, last=line, raw=text,
                                  text_x=line.indent))
            return
        if self.last is not None and self.last.raw and self.last.last is not None \
                and self._continues(self.last.last, line, self.last):
            self.last.raw = _join(self.last.raw, text)
            self.last.text, self.last.connector = logic.trailing_connector(self.last.raw)
            self.last.last = line
            opens = self.last.raw.rstrip().endswith(":") or logic.find_cue(self.last.raw[-160:])
            if self.last.kind == "para" and opens and not any(node is self.last for _, node in self.stack):
                self.stack = self.stack + [("para", self.last)]  # a lead-in whose ":" came on a wrapped line
            return
        lead = logic.leading_connector(text)
        body, trailing = logic.trailing_connector(text)
        kind = "label" if LABEL_LINE.match(text) else ("subheading" if self._is_subheading(line) else "para")
        node = Node(body, kind, source, "para", None, connector=trailing,
                    lead=lead, last=line, text_x=line.indent, raw="" if kind == "subheading" else text)
        if self.last is not None and lead and not self.last.connector:
            self.last.connector = lead
        # A paragraph closes the lists it is not indented under, and may open a list of its own.
        owner = self._indented_under(line) if node.kind == "para" else None
        if owner is None:
            self.stack = []
            self._attach(node, None)
        else:
            self.stack = self.stack[: owner + 1]
            self._attach(node, self.stack[owner][1])
        if node.kind == "para" and (text.rstrip().endswith(":") or logic.find_cue(text)):
            self.stack = self.stack + [("para", node)]

    def _indented_under(self, line: Line) -> int | None:
        """Stack index of the deepest open item whose text this paragraph is indented under, if any.

        Only with real indentation: a note indented inside a list item stays in
        that item ("Authorization will be issued for 12 months" under its criteria).
        """
        for index in range(len(self.stack) - 1, -1, -1):
            style, node = self.stack[index]
            if style != "para" and node.kind == "item" and line.indent > 0 \
                    and line.indent >= node.text_x - (3 if self.geometry else 1):
                return index
        return None

    def _is_subheading(self, line: Line) -> bool:
        """A heading by layout (Markdown '#', bold PDF line) that names no known section: an indication's name."""
        text = line.text
        return bool(line.heading or line.bold and self.geometry) and len(text.split()) <= 12 \
            and not text.rstrip().endswith((".", ";", ",")) and not logic.find_cue(text)

    def _implicit_item(self, text: str) -> bool:
        """Web captures lose bullet glyphs: under a lead-in ending in ':', lines closed by ';' are still items."""
        if not self.stack or self.stack[-1][0] not in ("para", "implicit") or self.last is None:
            return False
        if not text[:1].isupper() or LABEL_LINE.match(text):
            return False
        previous = (self.last.raw or self.last.text).rstrip()
        opened = self.stack[-1][1] is self.last and previous.endswith(":")
        return opened and (text.rstrip().endswith((";", ":")) or bool(logic.trailing_connector(text)[1])) \
            or self.last.style == "implicit" and (previous.endswith(";") or self.last.connector is not None)

    def _is_sentence(self, text: str) -> bool:
        return len(text.split()) > 8 and text.rstrip().endswith(".")

    def _place_item(self, node: Node) -> None:
        styles = [style for style, _ in self.stack]
        if node.style in styles:
            index = styles.index(node.style)
            self.stack = self.stack[: index]
        parent = self.stack[-1][1] if self.stack else None
        self._attach(node, parent)
        self.stack.append((node.style or "", node))


def _join(a: str, b: str) -> str:
    if a.endswith("-") and len(a) > 1 and a[-2].isalpha() and b[:1].islower():
        return a[:-1] + b  # hyphenation from the layout
    return f"{a} {b}".strip()


def build_sections(lines: list[Line], geometry: bool = False) -> list[Section]:
    """The whole outline stage: drop furniture, find sections, build their trees."""
    if not geometry:
        lines = drop_running_lines(lines)
    else:
        lines = [ln for ln in lines if not is_noise(ln.text)]
    lengths = sorted(len(ln.text) + ln.indent for ln in lines) or [80.0]
    width = lengths[int(len(lengths) * 0.9)] if len(lengths) > 5 else max(lengths)
    builder = OutlineBuilder(width, geometry)
    for line in lines:
        builder.add(line)
    return builder.sections
