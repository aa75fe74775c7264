"""Page furniture: running headers and footers, page numbers, notices, contents lines. The one place that
decides it, and says why for every line it removes.

Furniture repeats from page to page, so both layouts look for repetition: a
PDF by position (the same text near the top or bottom edge of most pages), a
text capture by neighbourhood (the same short text next to page-break
evidence, since its geometry is gone). Digits are folded before comparing,
so "Page 3 of 20" and "Page 4 of 20" are one line of furniture. Some lines
are furniture wherever they stand (a page number, a copyright notice): the
notices are data (`words.json`, "furniture").
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from ..normalized.lexicon import furniture_notices
from .markers import LEADING_MARKER
from .read.tolerances import PDF
from .types import Document, Line

FurnitureKind = Literal["repeated_row", "running_line", "noise", "toc"]
"""Why a line is furniture: a row repeated at one place on most pages (PDF), a line repeated next to page
breaks (text capture), a line that is never content (a page number, a notice), a contents line."""


@dataclass(frozen=True)
class Removed:
    line: Line
    reason: FurnitureKind


@dataclass(frozen=True)
class Cleaned:
    """A document's lines split into what is content and what is furniture, each removal with its reason."""

    kept: tuple[Line, ...]
    removed: tuple[Removed, ...]


def band_key(page: int | None, top: float | None) -> tuple[int | None, int]:
    """The visual row a line belongs to on its page: the key the PDF reader and this stage share."""
    return page, round((top or 0.0) / PDF.band)


_TOC_LEADER = re.compile(r"(?:\.\s*){4,}\s*\d+\s*$|\s{3,}\d{1,3}\s*$")
"""A contents line: dot leaders or a wide gap before a page number ("Coverage Rationale ........ 1")."""


@lru_cache(maxsize=1)
def _noise() -> re.Pattern[str]:
    notices = "|".join(f"(?:{p})" for p in furniture_notices())
    return re.compile(
        r"^(?:page\s*\d+\s*(?:of\s*\d+)?|\d+\s*(?:of|/)\s*\d+|-\s*\d+\s*-|\d{1,3}|"
        rf"(?:{notices}).*|(?:\S+\s+){{0,6}}page:?\s*\d+\s*(?:of|/)\s*\d+)$", re.IGNORECASE)


def furniture_key(text: str) -> str:
    """What two furniture lines share: lowercase, digits folded ("page # of #"), spacing folded."""
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", text.strip().lower()))


def is_noise(text: str) -> bool:
    """A line that is never policy content wherever it stands: a page number, a copyright or print notice."""
    return bool(_noise().match(text.strip()))


def clean(doc: Document) -> Cleaned:
    """The whole furniture stage: a PDF's repeated rows, contents lines and noise; a text capture's running
    lines and noise."""
    if doc.format == "pdf":
        return _positioned(doc.lines, doc.pages or 1)
    return _plain(doc.lines)


def _positioned(lines: Sequence[Line], n_pages: int) -> Cleaned:
    pages: list[list[tuple[str, float, float]]] = [[] for _ in range(n_pages)]
    for ln in lines:
        if ln.page is not None and 1 <= ln.page <= n_pages:
            pages[ln.page - 1].append((ln.text, ln.top or 0.0, ln.bottom if ln.bottom is not None else ln.top or 0.0))
    furniture = repeated_rows(pages)
    kept: list[Line] = []
    removed: list[Removed] = []
    for ln in lines:
        reason: FurnitureKind | None = None
        if band_key(ln.page, ln.top) in furniture:
            reason = "repeated_row"
        elif not ln.text or is_noise(ln.text):
            reason = "noise"
        elif _TOC_LEADER.search(ln.text):
            reason = "toc"
        if reason is None:
            kept.append(ln)
        else:
            removed.append(Removed(ln, reason))
    return Cleaned(tuple(kept), tuple(removed))


def _plain(lines: Sequence[Line]) -> Cleaned:
    """Text captures of PDFs have no page geometry left.

    A line is running furniture when the same short text recurs (three times or
    more) next to page-break evidence: a page number, a disclaimer line or
    another running line. Repeated criteria ("Age 18 years of age or older")
    recur too, but not at page breaks, so they stay.
    """
    noise = [is_noise(ln.text) for ln in lines]
    keys = [furniture_key(ln.text) for ln in lines]
    counts = Counter(key for ln, key, n in zip(lines, keys, noise) if not n and _could_be_furniture(ln.text))
    repeated = {key for key, n in counts.items() if n >= 3}
    furniture: set[int] = set()
    if repeated:
        for _ in range(3):
            before = len(furniture)
            for i, key in enumerate(keys):
                if i in furniture or key not in repeated:
                    continue
                if i == 0 or any(j in furniture or noise[j] for j in (i - 1, i + 1) if 0 <= j < len(lines)):
                    furniture.add(i)
            if len(furniture) == before:
                break
    # A repeated text is furniture everywhere once it is furniture at most of its places.
    marked = Counter(keys[i] for i in furniture)
    common = {k for k, n in marked.items() if n * 2 >= counts[k]}
    kept: list[Line] = []
    removed: list[Removed] = []
    for ln, key, n in zip(lines, keys, noise):
        if n:
            removed.append(Removed(ln, "noise"))
        elif key in common:
            removed.append(Removed(ln, "running_line"))
        else:
            kept.append(ln)
    return Cleaned(tuple(kept), tuple(removed))


_CONTENT = re.compile(r"^\s*(?:\d{4}[0-9A-Z]|[A-V]\d{4})(?![\d])|[<>≤≥]|"
                      r"\b(?:or older|or more|or less|at least|of the following|years of age)\b", re.I)
"""List items, code-table rows ("81178 ATXN1 ..." and "81179 ATXN2 ..." look alike once digits are folded),
limits: content, whatever repeats."""


def _could_be_furniture(text: str) -> bool:
    """Headings, list items and limits repeat in real policies; page furniture is none of these."""
    return len(text.split()) <= 25 and not LEADING_MARKER.match(text.strip()) and not _CONTENT.search(text)


def repeated_rows(pages: Sequence[Sequence[tuple[str, float, float]]]) -> set[tuple[int | None, int]]:
    """(page number, rounded top) of every visual row that is page furniture.

    `pages` holds each page's lines as (text, top, bottom), in points from the
    top of the page. Lines at one height form a visual row, compared whole
    (a header drawn as one cell on one page and two cells on the next is one
    furniture row). A row is furniture when the same text (digits folded)
    stands at the same height (within 2 pt) on at least half of the pages, or
    near the top or bottom edge on at least half of them.
    """
    if len(pages) < 2:
        return set()
    needed = max(2, int(len(pages) * 0.5))
    places: dict[str, list[tuple[int, float]]] = {}
    edges: list[set[str]] = []
    for page_no, rows in enumerate(pages, start=1):
        edge: set[str] = set()
        bands: dict[int, list[tuple[str, float, float]]] = {}
        for row in rows:
            bands.setdefault(round(row[1] / PDF.band), []).append(row)
        if rows:
            top_edge = min(top for _, top, _ in rows)
            bottom_edge = max(bottom for _, _, bottom in rows)
            span = max(bottom_edge - top_edge, 1.0)
            for band in bands.values():
                top, bottom = min(r[1] for r in band), max(r[2] for r in band)
                key = furniture_key(" ".join(r[0] for r in band))
                places.setdefault(key, []).append((page_no, top))
                if top - top_edge < span * 0.14 or bottom_edge - bottom < span * 0.1:
                    edge.add(key)
        edges.append(edge)
    edge_counts = Counter(k for keys in edges for k in keys)
    out: set[tuple[int | None, int]] = set()
    found: dict[int, set[frozenset[str]]] = {}
    """Furniture rows by height (whole points): their words, for the variants below."""
    for key, spots in places.items():
        if len({p for p, _ in spots}) < needed:
            continue
        by_height: dict[int, set[int]] = {}
        for page_no, top in spots:
            by_height.setdefault(round(top), set()).add(page_no)
        for page_no, top in spots:
            near = round(top)
            same_place = set().union(*(by_height.get(h, set()) for h in range(near - 2, near + 3)))
            if len(same_place) >= needed or (edge_counts[key] >= needed and key in edges[page_no - 1]):
                out.add(band_key(page_no, top))
                found.setdefault(near, set()).add(frozenset(key.split()))
    # The same header drawn differently on one page ("Subsection: X Subject:" where the others print
    # "Subsection: X Original Policy Date: ..."): a row at a furniture row's height made mostly of its words.
    for key, spots in places.items():
        words = set(key.split())
        if len(words) < 2:
            continue
        for page_no, top in spots:
            if band_key(page_no, top) in out:
                continue
            near = round(top)
            if any(len(words & w) >= 0.6 * len(words)
                   for h in range(near - 3, near + 4) for w in found.get(h, ())):
                out.add(band_key(page_no, top))
    return out
