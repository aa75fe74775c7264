"""Unicode and artefact clean-up common to every input format: what every reader does to a line first."""
from __future__ import annotations

import re
import unicodedata

from ...normalized.text import CONTROLS, FORMATTING
from ..markers import BULLET_GLYPH

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
    return cap_gaps(text)


def cap_gaps(text: str) -> str:
    """Inner runs of spaces longer than `MAX_GAP` cut to it (again after any step that removes characters
    between two runs, such as Markdown's "**")."""
    return _WIDE_GAP.sub(" " * MAX_GAP, text) if " " * (MAX_GAP + 1) in text else text
