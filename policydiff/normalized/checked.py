"""What `policydiff check` reports of one document: its reading, in figures (from its accounting)."""
from __future__ import annotations

from dataclasses import dataclass

from .schema import Criterion, Policy, Unread, iter_criteria, iter_thresholds


@dataclass(frozen=True)
class Checked:
    """One document's reading, in figures."""

    path: str
    kind: str = ""
    coverage_sections: int = 0
    indications: int = 0
    criteria: int = 0
    thresholds: int = 0
    coverage_lines: int = 0
    read_lines: int = 0
    unread: tuple[Unread, ...] = ()
    numbers_read: int = 0
    unread_numbers: tuple[Unread, ...] = ()
    criteria_like: tuple[str, ...] = ()
    """Sections whose role is not coverage but whose text reads like criteria."""
    error: str | None = None
    skipped: str | None = None

    @property
    def share_read(self) -> float:
        return self.read_lines / self.coverage_lines if self.coverage_lines else 1.0

    @property
    def complete(self) -> bool:
        return self.error is None and not self.unread and not self.unread_numbers

    @property
    def worst_first(self) -> tuple[int, int, float, int, str]:
        """Unreadable first, then the most unread lines, numbers, the lowest share read."""
        return (0 if self.error else 1, -len(self.unread), self.share_read, -len(self.unread_numbers), self.path)


def summarize(path: str, policy: Policy) -> Checked:
    a = policy.accounting
    coverage = sum(1 for s in policy.sections if s.role == "coverage")
    criteria = sum(1 for i in policy.indications for node, _ in iter_criteria(i.criteria)
                   if isinstance(node, Criterion))
    thresholds = sum(1 for i in policy.indications for _ in iter_thresholds(i.criteria))
    return Checked(path, policy.kind, coverage, len(policy.indications), criteria, thresholds, a.coverage_lines,
                   a.read_lines, a.unread, a.numbers_read, a.unread_numbers, a.criteria_like)


__all__ = ["Checked", "summarize"]
