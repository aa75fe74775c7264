"""Text lines with the layout facts later stages use, and the document that holds them.

Both the text path and the PDF path produce these, so outline and criteria
stages have one parser whatever the document was: plain text simply leaves
the font fields unknown.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..normalized.text import CONTROLS, FORMATTING
from .markers import BULLET_GLYPH


@dataclass(frozen=True, slots=True)
class Line:
    text: str
    line: int
    """1-based line number (text: in the file; PDF: on the page)."""
    page: int | None = None
    indent: float = 0.0
    """Left edge: characters for text, points for PDFs."""
    bold: bool | None = None
    size: float | None = None
    blank_before: bool = False
    """A blank line (text) or a wide vertical gap (PDF) precedes this line."""
    heading: bool = False
    """A reader's lines: the layout says heading (Markdown '#', or a bold, larger PDF line). A section's
    lines: the sections stage decided it is one (a new `Line`; the reader's is never rewritten)."""
    top: float | None = None
    """PDF only: distance from the top of the page, for header/footer detection."""
    right: float | None = None
    """PDF only: the right edge of the line's last character (a short line ends a paragraph early)."""
    text_x: float | None = None
    """PDF only: where the text after a list marker starts; items of one list share it even when their
    markers are right-aligned ("i." and "viii.")."""


_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_INVISIBLE = re.compile(f"[{CONTROLS}{FORMATTING}]")
"""Control characters, zero-width characters and direction overrides: no reader sees them, and in a
title or a criterion they could cut a commit message (NUL) or reorder what an analyst reads (U+202E)."""
_SEPARATORS = {0x2028: " ", 0x2029: " "}
"""Unicode's line and paragraph separators inside a line read as spaces: lines end at newlines only."""
_WIDE_GAP = re.compile(r"(?<=[^ ]) {9,}")  # any run but the indent at the start
MAX_GAP = 8
"""Spaces inside a line beyond this say nothing more (a column gap is a gap); capping runs keeps every
later pattern's work linear in the line's length."""


def clean_text(text: str) -> str:
    """Unicode and artefact clean-up common to every input format.

    NFKC folds ligatures (ﬁ) and full-width forms; it keeps ≤ and ≥. Bullet
    glyphs become '•' and other private-use characters, which no reader can
    interpret, are dropped.
    """
    text = _INVISIBLE.sub("", text).replace("\u00ad", "").replace("\ufffe", "-")
    text = text.translate(_SEPARATORS)
    text = text.replace("\u2010", "-").replace("\u2011", "-")
    text = BULLET_GLYPH.sub("•", text)
    text = _PRIVATE_USE.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u2264", "≤").replace("\u2265", "≥")
    text = text.replace("\t", "    ").rstrip()
    return _WIDE_GAP.sub(" " * MAX_GAP, text) if " " * (MAX_GAP + 1) in text else text


@dataclass(frozen=True)
class Document:
    """A read document: what kind it was, its bytes' hash, and its lines in reading order."""

    name: str
    format: str
    sha256: str
    lines: tuple[Line, ...]
    pages: int | None = None
    raw_lines: tuple[Line, ...] | None = None
    """PDF only: every line before furniture was removed (headers carry dates and policy numbers)."""
    warnings: tuple[str, ...] = ()
    """What reading the file itself could not settle (lines in another encoding)."""
