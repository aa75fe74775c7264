"""Ruled tables: where a page's cells are, so that text read across a row's cells is read cell by cell.

Payers set indications and their criteria in two-column tables ("Indication | Criteria"), continued
across pages, and PDF text layers join a row's cells into one line ("Ampullary Cancer BOTH of the
following:"). The cells' rules are drawn on the page, so PDFium's page objects say which pages hold a
ruled grid with text running across an inner rule (cheap: the reader walks those objects anyway), and
only those pages are given to pdfplumber's table finder, the reference for cell geometry and about a
hundred times slower than reading the page. A table of more columns than `MAX_COLUMNS` is a code or
contact table, read as rows as before.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from .tolerances import PDF

Box = tuple[float, float, float, float]
"""(left, top, right, bottom) in points from the page's top-left corner."""

MAX_COLUMNS = 4
"""More columns than this: a code, contact or revision table whose rows read well as lines."""


@dataclass(frozen=True)
class Grid:
    """One ruled table on a page."""

    bbox: Box
    columns: tuple[float, ...]
    """x of each column's left edge, the table's own left edge first."""
    rows: tuple[float, ...]
    """y of each row's top, then the table's bottom."""
    edges: tuple[tuple[float, ...], ...] = ()
    """Per row, the x of the inner rules it really has (a caption cell spanning the row has none)."""

    def inner_edges(self, row: int) -> tuple[float, ...]:
        return self.edges[row] if row < len(self.edges) else self.columns[1:]

    def column_of(self, x: float) -> int:
        return max(k for k, left in enumerate(self.columns) if x >= left - PDF.cell_slack) \
            if x >= self.columns[0] - PDF.cell_slack else 0

    def row_of(self, y: float) -> int:
        return max((k for k, top in enumerate(self.rows[:-1]) if y >= top - PDF.cell_slack), default=0)

    def holds(self, left: float, top: float, right: float, bottom: float) -> bool:
        l0, t0, r0, b0 = self.bbox
        return left >= l0 - PDF.cell_slack and right <= r0 + PDF.cell_slack and top >= t0 - PDF.cell_slack \
            and bottom <= b0 + PDF.cell_slack


def ruled_grid_likely(rules: list[Box], rows: list[tuple[float, float, float, float]]) -> bool:
    """Does the page hold a ruled grid with text running across one of its inner rules?

    `rules` are thin drawn lines and boxes; `rows` are (left, top, right, bottom) of the page's text rows. A
    vertical rule is inner when rules stand to its left and right at the same height; text on both sides of
    it, at its height, is in two cells (and a row that runs across it was read across them)."""
    verticals = [r for r in rules if r[2] - r[0] < PDF.rule_height and r[3] - r[1] > PDF.rule_span]
    horizontals = [r for r in rules if r[3] - r[1] < PDF.rule_height and r[2] - r[0] > PDF.rule_span]
    if len(verticals) < 3 or len(horizontals) < 2:
        return False
    for v in verticals:
        x = (v[0] + v[2]) / 2
        beside = [w for w in verticals if w[1] < v[3] and v[1] < w[3]]
        if not (any(w[0] < x - 20 for w in beside) and any(w[0] > x + 20 for w in beside)):
            continue
        at_height = [(left, right) for left, top, right, bottom in rows if v[1] - 2 <= top and bottom <= v[3] + 2]
        if any(left < x - 2 and right > x + 2 for left, right in at_height) or (
                any(right < x for left, right in at_height) and any(left > x for left, right in at_height)):
            return True
    return False


class TableFinder:
    """pdfplumber opened once per document, and only when a page needs it."""

    def __init__(self, data: bytes):
        self._data = data
        self._pdf: Any = None

    def grids(self, index: int) -> list[Grid]:
        """The ruled tables of page `index` (0-based) of at most `MAX_COLUMNS` columns and two rows."""
        if self._pdf is None:
            import logging

            import pdfplumber

            logging.getLogger("pdfminer").setLevel(logging.ERROR)  # font complaints are not the reader's business

            self._pdf = pdfplumber.open(io.BytesIO(self._data))
        out = []
        for table in self._pdf.pages[index].find_tables():
            cells = [c for c in table.cells if c is not None]
            if not cells:
                continue
            lefts = _clusters(sorted(c[0] for c in cells))
            tops = _clusters(sorted(c[1] for c in cells))
            if not 2 <= len(lefts) <= MAX_COLUMNS or len(tops) < 2:
                continue
            x0, top, x1, bottom = table.bbox
            by_top: dict[float, tuple[float, ...]] = {}
            for row in table.rows:
                xs = sorted(c[0] for c in row.cells if c is not None)
                row_top = next((c[1] for c in row.cells if c is not None), None)
                if row_top is not None:
                    by_top[min(tops, key=lambda t: abs(t - row_top))] = tuple(xs[1:])
            edges = tuple(by_top.get(t, tuple(lefts[1:])) for t in tops)
            out.append(Grid((x0, top, x1, bottom), tuple(lefts), (*tops, bottom), edges))
        return out

    def close(self) -> None:
        if self._pdf is not None:
            self._pdf.close()
            self._pdf = None


def _clusters(values: list[float]) -> list[float]:
    """Values within `PDF.cell_slack` of each other are one edge (the first of them)."""
    out: list[float] = []
    for v in values:
        if not out or v - out[-1] > PDF.cell_slack:
            out.append(v)
    return out


__all__ = ["Grid", "MAX_COLUMNS", "TableFinder", "ruled_grid_likely"]
