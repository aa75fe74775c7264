"""Whitespace and control characters: the one place text is squashed into a single clean line.

Labels, criteria, commit trailers and report cells all need text on one line;
doing it in one function keeps "the same text" meaning the same everywhere
(a diff that compared differently squashed strings would report phantom
rewordings).
"""
from __future__ import annotations

import re

_SPACE = re.compile(r"\s+")


def one_line(text: str | None) -> str:
    """Runs of whitespace (newlines included) become one space; ends are trimmed."""
    return _SPACE.sub(" ", text or "").strip()
