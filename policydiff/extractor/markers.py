"""The marks of written structure, each defined once: bullets, enumerators, connectors, notes, sentence ends.

Every stage that asks "is this a list item?", "does this line end a
sentence?" or "is this an AND line?" asks here, so the answer cannot differ
between the reader that measures a PDF row and the outline that nests it.

Two alphabets of bullets exist: the glyphs documents draw (Symbol and
Wingdings private-use code points, squares, circles, checkmarks), and the
few that remain once `clean_text` has mapped every drawn glyph to "•"
("•", a Courier "o", dashes, "*", "§"). Patterns over cleaned text use the
second; a PDF row is measured before cleaning, so its patterns accept both.
"""
from __future__ import annotations

import re

from ..normalized.lexicon import note_words

BULLET_GLYPHS = ("\uf0b7\uf0a7\uf0d8\uf076\uf0fc\uf0a8\uf06e\uf0e0\uf0de\uf02d"
                 "\u2022\u25cf\u25aa\u25a0\u25e6\u2023\u2043\u2219\u27a2\u25ba\u2713\u2714\u00b7\u25cb\u25a1")
"""Glyphs that fonts (Symbol, Wingdings) and word processors draw as bullets; `clean_text` maps them to "•"."""
BULLET_GLYPH = re.compile("[" + re.escape(BULLET_GLYPHS) + "]")

BULLETS = "•o-–*§"
"""The bullets of cleaned text: the one bullet, a Courier "o", a hyphen or en dash, an asterisk, a section mark."""
_BULLET = "[" + re.escape(BULLETS) + "]"
_RAW_BULLET = "[" + re.escape(BULLETS + BULLET_GLYPHS) + "]"

ROMAN_NUMERAL = re.compile(r"^(?=[ivxlc])(c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$", re.I)
"""A well-formed roman numeral ("iv", "XII"), whatever its case."""

_ENUMERATOR = r"(?:\((?:[a-zA-Z]{1,4}|\d{1,3})\)|(?:[IVXLC]{1,6}|[ivxlc]{1,6}|[A-Za-z]|\d{1,3})[.)])"
"""An enumerator: "1.", "a)", "iv.", "(2)", "(b)"."""

LIST_MARKER = re.compile(
    r"^(?:\((?P<pv>[a-zA-Z]{1,4}|\d{1,3})\)|(?P<v>[IVXLC]{1,6}|[ivxlc]{1,6}|[A-Za-z]|\d{1,3})(?P<d>[.)])"
    r"|(?P<b>[-–•*o§])|(?P<step>(?:step|criterion|criteria)\s+\d+[.:]))(?:\s+|$)")
"""A list item's marker at the start of cleaned text, in named parts: a parenthesised value (pv), a value
and its delimiter (v, d), a bullet (b), or a numbered step ("Step 2:")."""

LEADING_MARKER = re.compile(rf"^(?:{_RAW_BULLET}|{_ENUMERATOR})\s+(?=\S)")
"""A list marker at the start of a PDF row, before cleaning, followed by the item's text (whose left edge
is the item's true indent)."""

BULLET_ONLY = re.compile(rf"^{_BULLET}$")
"""A bullet alone on its line: the PDF set it apart from its item."""

BULLET_START = re.compile(rf"^{_BULLET}\s")
"""Cleaned text that starts with a bullet."""

BULLET_BEFORE_ENUMERATOR = re.compile(rf"^(\s*)[-*•]\s+(?={_ENUMERATOR}\s)")
"""A text capture's doubled marker ("- I. Policy"): the bullet is an artefact, the enumerator is the document's."""

GLUED_CONNECTOR = re.compile(rf"^[-\ufffe\u2010\u2011–—]?\W*(AND|OR)[-\ufffe\u2010\u2011–—]?\W*(?={_ENUMERATOR}\s)")
""""-AND-ii. One ...": a centred connector set on the same row as the next item."""

CONNECTOR_LINE = re.compile(r"^\W*(and|or|and/or)\W*$", re.I)
"""An "and" / "OR" / "-AND-" line of its own between items."""
TRAILING_CONNECTOR = re.compile(r"(?:[;,.]\s*|\s+)(?:-\s*)?(and|or|and/or)\s*(?:-\s*)?$", re.I)
""""...; and" / "... OR" closing an item."""
LEADING_CONNECTOR = re.compile(r"^\W*(and|or)\b\W*", re.I)
""""AND ALL of the following:" opening a lead-in."""
CHAINED = re.compile(r"[;,]\s*(?:and|or)\s*$", re.I)
"""An item chained to the next by "; and" / ", or"."""

NOTE = re.compile(r"^\W*(?:" + "|".join(note_words()) + r")\b\s*[:.-]", re.I)
""""Note: ...", "NB." : an aside set among the criteria, kept with its item, never a criterion itself."""

ENDS_SENTENCE = re.compile(r"[.:;!?]\s*[\"')\]]?$")
"""Text that ends a sentence, an item or a lead-in (a closing quote or bracket may follow)."""
ENDS_CLAUSE = re.compile(r"[.;,]\s*$")
"""Text that ends a clause: a line after it starts something new rather than continuing a heading."""
CLAUSE_BREAK = re.compile(r"[;:•]|\b(?:and|or)\s+(?=[A-Z])|\.\s+(?=[A-Z])")
"""Where a clause of a criterion ends: a semicolon, a colon, a bullet, a connector before a capital, a new
sentence (a limit's measure is named from words inside its clause)."""
SENTENCE_BREAK = re.compile(r"(?<=[a-z0-9)\]][.:;!?])\s+(?=[A-Z(])")
"""Between two sentences of flattened text (where a capture lost its line breaks)."""

MARKUP = re.compile(r"\*\*|__|^\s*(?:#+|[-•*]|\(?[0-9ivxIVX]{1,4}[.)])\s+")
"""Markdown emphasis, heading hashes and a leading list marker: what a field's value is read without."""


def roman_value(text: str) -> int:
    """"iv" → 4; assumes `ROMAN_NUMERAL` matched."""
    values = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
    total = 0
    for a, b in zip(text.lower(), text.lower()[1:] + " "):
        va, vb = values[a], values.get(b, 0)
        total += -va if va < vb else va
    return total


__all__ = ["BULLETS", "BULLET_BEFORE_ENUMERATOR", "BULLET_GLYPH", "BULLET_GLYPHS", "BULLET_ONLY", "BULLET_START",
           "CHAINED", "CLAUSE_BREAK", "CONNECTOR_LINE", "ENDS_CLAUSE", "ENDS_SENTENCE", "GLUED_CONNECTOR",
           "LEADING_CONNECTOR", "LEADING_MARKER", "LIST_MARKER", "MARKUP", "NOTE", "ROMAN_NUMERAL", "SENTENCE_BREAK",
           "TRAILING_CONNECTOR", "roman_value"]
