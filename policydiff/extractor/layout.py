"""Positioned lines, furniture removed → the layout facts later stages read: blocks, headings, bullets.

A PDF's text layer says where each row stands and in what type, not what it
is. Three facts are read from that, once, here: a bullet set apart from its
item belongs to it; a wide gap above a row starts a new block; a short row
in bold or larger type than the body is set as a heading (the sections stage
decides whether it is one). Text and Markdown readers state these facts
themselves.
"""
from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import replace

from .markers import BULLET_ONLY
from .read.tolerances import PDF
from .types import Line


def settle(lines: Sequence[Line], body_size: float | None = None) -> tuple[Line, ...]:
    """`body_size` is the document's usual type size (the median over all its lines, if not given)."""
    if body_size is None:
        sizes = [ln.size for ln in lines if ln.size]
        body_size = statistics.median(sizes) if sizes else 10.0
    out: list[Line] = []
    previous: Line | None = None
    pending_bullet: Line | None = None
    for ln in lines:
        if BULLET_ONLY.match(ln.text):
            pending_bullet = ln
            continue
        if pending_bullet is not None and pending_bullet.page == ln.page:
            ln = replace(ln, text_x=ln.indent, indent=pending_bullet.indent,
                         text=f"• {ln.text}" if pending_bullet.text != "-" else f"- {ln.text}")
        pending_bullet = None
        gap = ln.top - previous.top if previous is not None and previous.page == ln.page and ln.top is not None \
            and previous.top is not None else None
        spacing = (previous.size or body_size) * PDF.paragraph_gap if previous is not None \
            else body_size * PDF.paragraph_gap
        ln = replace(ln, blank_before=previous is None or previous.page != ln.page or gap is None or gap > spacing,
                     heading=bool(ln.bold or (ln.size and ln.size > body_size * PDF.heading_size))
                     and len(ln.text.split()) <= PDF.heading_words and not ln.text.endswith((".", ";", ",")))
        out.append(ln)
        previous = ln
    return tuple(out)
