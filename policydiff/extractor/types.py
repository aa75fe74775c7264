"""The extractor's frozen stage types: lines with the layout facts later stages use, and the document.

Both the text path and the PDF path produce these, so outline and criteria
stages have one parser whatever the document was: plain text simply leaves
the font fields unknown.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Layout = Literal["positioned", "plain", "markdown", "html"]
"""What a reader knows of where text stood: a PDF's positions and type, plain text's line breaks and
indents, Markdown's and HTML's marked-up structure."""


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
    bottom: float | None = None
    """PDF only: distance of the line's lowest glyph from the top of the page."""
    cell: tuple[int, int, int] | None = None
    """(table, row, column) of the ruled-table cell the line stands in; a table's rows and columns count
    from 0 on each page it is continued on."""
    table_header: bool = False
    """The line is in a table's header row: it names the table's columns, and is never content."""
    right: float | None = None
    """PDF only: the right edge of the line's last character (a short line ends a paragraph early)."""
    text_x: float | None = None
    """PDF only: where the text after a list marker starts; items of one list share it even when their
    markers are right-aligned ("i." and "viii.")."""
    joined: tuple[int, ...] = ()
    """Further line numbers of the file the reader folded into this line (a trademark sign set on a line of
    its own and the words after it): accounting counts them with this line, so a join never shrinks a
    document's coverage lines."""


@dataclass(frozen=True)
class Document:
    """A read document: what kind it was, its bytes' hash, and its lines in reading order."""

    name: str
    format: str
    sha256: str
    lines: tuple[Line, ...]
    """Every line as read, furniture included (running headers carry dates and policy numbers)."""
    pages: int | None = None
    warnings: tuple[str, ...] = ()
    """What reading the file itself could not settle (lines in another encoding)."""

    @property
    def layout(self) -> Layout:
        return {"pdf": "positioned", "markdown": "markdown", "html": "html"}.get(self.format, "plain")  # type: ignore[return-value]
