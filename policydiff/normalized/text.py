"""Whitespace and control characters: the one place text is squashed into a single clean line.

Labels, criteria, commit trailers and report cells all need text on one line;
doing it in one function keeps "the same text" meaning the same everywhere
(a diff that compared differently squashed strings would report phantom
rewordings).
"""
from __future__ import annotations

import re

_SPACE = re.compile(r"\s+")

CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f"
"""C0 and C1 control characters but tab and newline: terminal escapes, carriage returns, NUL."""
FORMATTING = "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
"""Zero-width characters and direction overrides: invisible, yet they can reorder what a reader sees."""
_CONTROL = re.compile(f"[{CONTROLS}]")
_FORMATTING = re.compile(f"[{FORMATTING}]")


def one_line(text: str | None) -> str:
    """Runs of whitespace (newlines included) become one space; ends are trimmed."""
    return _SPACE.sub(" ", text or "").strip()


def printable(text: str | None) -> str:
    """One clean line with no control or invisible formatting characters: for names and notes a user or
    a file gives (payer names, commit notes), which end up in paths, commit messages and reports."""
    return one_line(_CONTROL.sub(" ", _FORMATTING.sub("", text or "")))
