"""Page furniture: running headers and footers, page numbers, notices. The one place that decides it.

Furniture repeats from page to page, so both paths look for repetition: a
PDF by position (the same text near the top or bottom edge of most pages), a
text capture by neighbourhood (the same short text next to page-break
evidence, since its geometry is gone). Digits are folded before comparing,
so "Page 3 of 20" and "Page 4 of 20" are one line of furniture.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from .markers import LEADING_MARKER
from .types import Line

# Lines that are never policy content wherever they stand.
_NOISE = re.compile(
    r"^(?:page\s*\d+\s*(?:of\s*\d+)?|\d+\s*(?:of|/)\s*\d+|-\s*\d+\s*-|\d{1,3}|"
    r"(?:this document is subject to the disclaimer|if printed,? this document|proprietary information|"
    r"confidential(?: and proprietary)?|©|\(c\)\s*\d{4}|copyright\b|printed on|printed from|"
    r"https?://\S+$|cpt (?:codes? )?(?:is a |copyright)|current procedural terminology \(cpt\)|"
    r"all rights reserved).*|(?:\S+\s+){0,6}page:?\s*\d+\s*(?:of|/)\s*\d+)$",
    re.IGNORECASE,
)


def furniture_key(text: str) -> str:
    """What two furniture lines share: lowercase, digits folded ("page # of #"), spacing folded."""
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", text.strip().lower()))


def is_noise(text: str) -> bool:
    return bool(_NOISE.match(text.strip()))


def drop_running_lines(lines: Sequence[Line]) -> list[Line]:
    """Remove page furniture from text captures of PDFs, which have no page geometry left.

    A line is running furniture when the same short text recurs (three times or
    more) next to page-break evidence: a page number, a disclaimer line or
    another running line. Repeated criteria ("Age 18 years of age or older")
    recur too, but not at page breaks, so they stay.
    """
    keep = [ln for ln in lines if not is_noise(ln.text)]
    breaks = {id(ln) for ln in lines if is_noise(ln.text)}
    counts = Counter(furniture_key(ln.text) for ln in keep if _could_be_furniture(ln.text))
    repeated = {key for key, n in counts.items() if n >= 3}
    if not repeated:
        return keep
    furniture: set[int] = set()
    for _ in range(3):
        before = len(furniture)
        for i, ln in enumerate(lines):
            if id(ln) in furniture or furniture_key(ln.text) not in repeated:
                continue
            neighbours = [*lines[max(i - 1, 0):i], *lines[i + 1:i + 2]]
            if i == 0 or any(id(n) in breaks or id(n) in furniture for n in neighbours):
                furniture.add(id(ln))
        if len(furniture) == before:
            break
    # A repeated text is furniture everywhere once it is furniture at most of its places.
    marked = Counter(furniture_key(ln.text) for ln in lines if id(ln) in furniture)
    common = {k for k, n in marked.items() if n * 2 >= counts[k]}
    return [ln for ln in keep if furniture_key(ln.text) not in common]


_CONTENT = re.compile(r"^\s*(?:\d{4}[0-9A-Z]|[A-V]\d{4})(?![\d])|[<>≤≥]|"
                      r"\b(?:or older|or more|or less|at least|of the following|years of age)\b", re.I)
"""List items, code-table rows ("81178 ATXN1 ..." and "81179 ATXN2 ..." look alike once digits are folded),
limits: content, whatever repeats."""


def _could_be_furniture(text: str) -> bool:
    """Headings, list items and limits repeat in real policies; page furniture is none of these."""
    return len(text.split()) <= 25 and not LEADING_MARKER.match(text.strip()) and not _CONTENT.search(text)


def repeated_rows(pages: Sequence[Sequence[tuple[str, float, float]]]) -> set[tuple[int, int]]:
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
            bands.setdefault(round(row[1] / 2.5), []).append(row)
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
    out: set[tuple[int, int]] = set()
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
                out.add((page_no, round(top / 2.5)))
                found.setdefault(near, set()).add(frozenset(key.split()))
    # The same header drawn differently on one page ("Subsection: X Subject:" where the others print
    # "Subsection: X Original Policy Date: ..."): a row at a furniture row's height made mostly of its words.
    for key, spots in places.items():
        words = set(key.split())
        if len(words) < 2:
            continue
        for page_no, top in spots:
            if (page_no, round(top / 2.5)) in out:
                continue
            near = round(top)
            if any(len(words & w) >= 0.6 * len(words)
                   for h in range(near - 3, near + 4) for w in found.get(h, ())):
                out.add((page_no, round(top / 2.5)))
    return out
