"""What `extract --explain` reports: each stage's decision about each line, and the rule that made it.

The extractor records these (`extractor/trace.py`); renderers show them. Kept here, below both, so
neither reaches into the other.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .schema import Policy, Source

Stage = Literal["layout", "furniture", "section", "outline", "indication", "logic", "threshold", "bucket"]
STAGES: tuple[str, ...] = ("layout", "furniture", "section", "outline", "indication", "logic", "threshold", "bucket")


@dataclass(frozen=True)
class Decision:
    """One decision of one stage about one line (or the unit that starts on it)."""

    stage: Stage
    source: Source | None
    decision: str
    """What was decided, in a few words ("heading", "coverage", "bmi >= 40 kg/m2")."""
    rule: str
    """The name of the rule that decided (a function or pattern name a reader can find in the code)."""


@dataclass(frozen=True)
class Explained:
    """A policy with the decisions that made it, and the document's lines they are about."""

    policy: Policy
    lines: tuple[tuple[int | None, int, str], ...]
    """(page, line, text) of every line as read, furniture included."""
    decisions: tuple[Decision, ...]


__all__ = ["Decision", "Explained", "STAGES", "Stage"]
