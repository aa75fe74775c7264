"""How far apart things on a PDF page may be and still belong together: every tolerance the PDF reader uses.

Distances are PDF points (1/72 inch) on the page as drawn; sizes are font
sizes as drawn. They were measured on real payer PDFs (Word exports, browser
prints, publishing systems): a value here is a property of how documents are
typeset, not of any one document. One frozen, named object, so a reader can
see every choice in one place and a test can vary one.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PdfTolerances:
    band: float = 2.5
    """Rows whose tops differ by less are one visual row (cells of a table row, a bullet and its item). The
    furniture stage keys rows by the same band (`furniture.band_key`)."""

    # -- weight and headings
    bold_weight: int = 600
    """PDFium weight from which a glyph is bold."""
    heavier_than_body: int = 100
    """A row this much heavier than the body text's usual weight is emphasised..."""
    emphasis_weight: int = 500
    """...when it is at least this heavy (fonts that name no weight: "Roman" headings over "Book" body)."""
    heading_size: float = 1.15
    """A row this many times the body size is set as a heading."""
    heading_words: int = 12
    """A heading is at most this many words."""
    paragraph_gap: float = 1.9
    """A gap above a row of more than this many line heights (its size) starts a new block."""

    # -- label columns ("Description    A sleep study is ...")
    label_margin: float = 40.0
    """A side label starts at least this far left of the body's usual left edge."""
    label_gap: float = 24.0
    """...and a gap at least this wide separates it from the body text beside it."""
    label_body_offset: float = 60.0
    """The body beside a label in the margin starts at least this far right of the label."""
    label_body_slack: float = 8.0
    """The body beside a side label starts no more than this left of the body's usual edge."""
    label_size: float = 1.1
    """A label larger than its body by this factor is styled as one."""
    label_words: int = 5
    """A side label is at most this many words (a wrapped one, two lines of at most `label_words_wrapped`)."""
    label_words_wrapped: int = 6
    label_wrap_align: float = 3.0
    """The second line of a wrapped side label starts within this of the first."""
    label_probe_gaps: int = 5
    """Gaps looked at when a row is searched for a label column (the label is its first few words)."""

    # -- columns
    column_slack: float = 6.0
    """A row in the left column ends, and one in the right starts, within this of the page's middle."""
    column_width: float = 0.28
    """A left-column row is wider than this share of the page (a column of text, not a short cell)."""
    column_gutter: float = 8.0
    """Left and right columns are at least this far apart."""
    cell_gap: float = 12.0
    """Cells of one row further apart than this are joined with a wide gap (a table), else one space."""

    # -- drawn marks
    rule_height: float = 1.6
    """A path thinner than this is a rule (an underline), not a shape."""
    rule_length: float = 1.5
    """...and longer than this."""
    dot_min: float = 1.5
    """A drawn bullet is a square shape or image of this size..."""
    dot_max: float = 8.0
    """...to this size..."""
    dot_ratio: tuple[float, float] = (0.6, 1.6)
    """...with its width over height within this range."""
    dot_reach: float = 22.0
    """A drawn bullet stands at most this far left of its row's first character."""
    dot_slack: float = 2.0
    """...and vertically within its row, give or take this."""
    underline_overhang: float = 1.5
    """A rule under "<" or ">" spans the glyph, give or take this..."""
    underline_span: tuple[float, float] = (4.0, 6.0)
    """...and is shorter than (glyph width × the first) + the second: a sign's underline, not a rule under text."""
    underline_drop: tuple[float, float] = (1.5, 3.5)
    """A rule from this far above to this far below a glyph's bottom underlines it."""
    underline_row: float = 4.0
    """An underlined sign belongs to the row whose top is within this of the sign's."""

    # -- ruled tables
    rule_span: float = 10.0
    """A table rule (a cell border) is a thin line or box at least this long."""
    header_words: int = 10
    """A table's header row names its columns in at most this many words."""
    cell_slack: float = 3.0
    """Cell edges within this of each other are one edge, and text this far over a rule is still inside."""


PDF = PdfTolerances()
"""The tolerances the reader uses."""

__all__ = ["PDF", "PdfTolerances"]
