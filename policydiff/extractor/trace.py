"""What each stage decided about each line, and the name of the rule that decided: kept only when asked for.

`extract --explain` answers "why was this line a heading?", "why did '28 days'
become a threshold?" and "why is this line not an indication?" from these
records. Stages take an optional `Trace`; when none is given they record
nothing and pay only a `None` test, so reading costs the same as without it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..normalized.explained import STAGES, Decision, Stage
from ..normalized.schema import Source


@dataclass
class Trace:
    """The decisions of one extraction, in the order they were made."""

    decisions: list[Decision] = field(default_factory=list)

    def note(self, stage: Stage, source: Source | None, decision: str, rule: str) -> None:
        self.decisions.append(Decision(stage, source, decision, rule))



__all__ = ["Decision", "STAGES", "Stage", "Trace"]
