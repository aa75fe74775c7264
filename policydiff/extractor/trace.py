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

    def by_line(self) -> dict[tuple[int | None, int], list[Decision]]:
        """Decisions grouped by (page, line), each line's in stage order."""
        out: dict[tuple[int | None, int], list[Decision]] = {}
        for d in self.decisions:
            if d.source is not None:
                out.setdefault((d.source.page, d.source.line), []).append(d)
        for decisions in out.values():
            decisions.sort(key=lambda d: STAGES.index(d.stage))
        return out


__all__ = ["Decision", "STAGES", "Stage", "Trace"]
