"""Ordinal scales and whole units, from `data/scales.json`: what a limit admits, as an interval.

Comparison and version diffs both ask "which of two limits lets fewer
patients in?". Numbers answer that on a line; stages, classes and grades need
an order first ("T2b" after "T2a", "IIIB" inside "III", "T1a" a part of "T1"),
and whole-unit measures need "< 18" to equal "<= 17". Every limit becomes
the interval of values it admits, and one interval inside another is the
stricter limit.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Scale:
    name: str
    measures: tuple[str, ...]
    spans: dict[str, tuple[int, int]]
    """Value (upper case) → (first, last) position it covers; a level covers all its sub-levels."""
    integer: bool = False

    def span(self, value: Any) -> tuple[int, int] | None:
        if self.integer:
            try:
                number = float(value)
            except (TypeError, ValueError):
                return None
            return (int(number), int(number)) if number.is_integer() else None
        return self.spans.get(str(value).strip().upper())


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    raw: dict[str, Any] = json.loads(resources.files(__package__).joinpath("data/scales.json").read_text("utf-8"))
    return raw


@lru_cache(maxsize=1)
def scales() -> tuple[Scale, ...]:
    out = []
    for name, entry in _data()["scales"].items():
        if entry.get("integer"):
            out.append(Scale(name, tuple(entry["measures"]), {}, True))
            continue
        spans: dict[str, tuple[int, int]] = {}
        position = 0
        for level in entry["levels"]:
            head, subs = level[0].upper(), [s.upper() for s in level[1:]]
            owned = []
            for sub in subs or [head]:
                spans[sub] = (position, position)
                owned.append((sub, position))
                position += 1
            for sub in [head, *subs]:  # "IA" covers "IA1".."IA3"; the level's own name covers all of it
                covered = [p for s, p in owned if s.startswith(sub)] if sub != head else [p for _, p in owned]
                if covered:
                    spans[sub] = (min(covered), max(covered))
        for alias, target in (entry.get("aliases") or {}).items():
            spans[alias.upper()] = spans[target.upper()]
        out.append(Scale(name, tuple(entry["measures"]), spans))
    return tuple(out)


def scale_for(measure: str) -> Scale | None:
    for scale in scales():
        for name in scale.measures:
            if measure == name or (name.endswith("*") and measure.startswith(name[:-1])):
                return scale
    return None


def whole_units(measure: str, unit: str | None) -> bool:
    """Counted in whole units, so "< 18" is "<= 17" (ages in years, counts, integer scores)."""
    rules = _data()["whole_units"]
    scale = scale_for(measure)
    return (scale is not None and scale.integer) or (unit or "") in rules["units"] or measure in rules["measures"]


@dataclass(frozen=True)
class Interval:
    """The values a limit admits: [lo, hi], each end open or closed; infinite ends are open."""

    lo: float = -math.inf
    hi: float = math.inf
    lo_closed: bool = False
    hi_closed: bool = False

    def within(self, other: Interval) -> bool:
        """Every value this admits, `other` admits too."""
        lo_ok = self.lo > other.lo or (self.lo == other.lo and (other.lo_closed or not self.lo_closed))
        hi_ok = self.hi < other.hi or (self.hi == other.hi and (other.hi_closed or not self.hi_closed))
        return lo_ok and hi_ok


def admitted(measure: str, op: str, value: Any, unit: str | None) -> Interval | None:
    """The interval of values a limit admits, or None when its value cannot be placed on a scale."""
    scale = scale_for(measure)
    if scale is not None and not scale.integer:
        return _ordinal(scale, op, value)
    bounds = value if op == "between" else (value, value)
    try:
        lo_v, hi_v = float(bounds[0]), float(bounds[1])
    except (TypeError, ValueError, IndexError):
        return None
    whole = whole_units(measure, unit) and lo_v.is_integer() and hi_v.is_integer()
    if op == "<":
        return Interval(hi=hi_v - 1, hi_closed=True) if whole else Interval(hi=hi_v)
    if op == "<=":
        return Interval(hi=hi_v, hi_closed=True)
    if op == ">":
        return Interval(lo=lo_v + 1, lo_closed=True) if whole else Interval(lo=lo_v)
    if op == ">=":
        return Interval(lo=lo_v, lo_closed=True)
    return Interval(lo_v, hi_v, True, True)  # "=" and "between"


def _ordinal(scale: Scale, op: str, value: Any) -> Interval | None:
    if op == "between":
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            return None
        first, last = scale.span(value[0]), scale.span(value[1])
        return Interval(first[0], last[1], True, True) if first and last else None
    span = scale.span(value)
    if span is None:
        return None
    lo, hi = span
    return {"<": Interval(hi=lo - 1, hi_closed=True), "<=": Interval(hi=hi, hi_closed=True),
            ">": Interval(lo=hi + 1, lo_closed=True), ">=": Interval(lo=lo, lo_closed=True)}.get(
        op, Interval(lo, hi, True, True))
