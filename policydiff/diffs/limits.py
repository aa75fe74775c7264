"""What a threshold means for eligibility: its kind of bound, which of two is stricter, its role in the logic.

"Stricter" means fewer patients qualify (docs/contract.md): a lower ceiling
(≤ 4 cm vs ≤ 5 cm), a higher floor (BMI ≥ 40 vs ≥ 35), a narrower range.
Time limits convert between days, weeks, months and years ("in the previous
year" is "in the previous 12 months"). Two limits in units that do not
convert, or of different kinds, are not comparable, and the code says so
rather than choosing.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Literal

from ..normalized.scales import admitted
from ..normalized.schema import Criterion, Group, Indication, Threshold
from ..normalized.units import tidy_number

BoundKind = Literal["upper", "lower", "range", "equal"]

def bound_kind(t: Threshold) -> BoundKind:
    """"upper" (<, <=), "lower" (>, >=), "range" (between) or "equal"."""
    if t.op in ("<", "<="):
        return "upper"
    if t.op in (">", ">="):
        return "lower"
    return "range" if t.op == "between" else "equal"


def stricter(a: Threshold, b: Threshold) -> int | None:
    """-1 when a is stricter, 1 when b is, 0 when they admit the same patients, None when not comparable.

    Time limits convert first (`in_one_unit`): "within the previous year" is "within 12 months".

    Each limit becomes the interval of values it admits (`normalized.scales`): stages and classes in their
    order ("= T1a" inside "= T1"), whole units counted whole ("< 18" years is "<= 17"), a strict inequality
    narrower than its "or equal" twin. One interval inside the other is the stricter limit; two that
    overlap without one holding the other are not comparable.
    """
    if a.measure != b.measure:
        return None
    readings = in_one_unit(a, b)
    if readings is None:
        return None
    results = {_ordered(x, y) for x, y in readings}
    if len(results) == 1:
        return results.pop()
    # Across calendar units the answer turned on how long a month is: equal within the calendar's variation
    # ("3 months" and "90 days"), unless one reading finds the two not comparable at all.
    return None if None in results else 0


_admitted = lru_cache(maxsize=8192)(admitted)
"""A comparison asks for the same few limits' intervals thousands of times."""


def _ordered(a: Threshold, b: Threshold) -> int | None:
    x, y = _admitted(a.measure, a.op, a.value, a.unit), _admitted(b.measure, b.op, b.value, b.unit)
    if x is None or y is None:
        return None
    inside, holds = x.within(y), y.within(x)
    if inside and holds:
        return 0
    if inside:
        return -1
    if holds:
        return 1
    return None


TIME_UNITS: dict[str, tuple[str, float]] = {
    "minutes": ("minutes", 1), "hours": ("minutes", 60), "days": ("minutes", 1440), "weeks": ("minutes", 10080),
    "months": ("months", 1), "years": ("months", 12),
}
"""Time units by calendar: (the finest unit of its family, exact factor to it). Minutes to weeks convert
exactly, as do months and years; a month is 28 to 31 days, so the two families meet only in `_calendar_days`."""
_FINEST = ("minutes", "hours", "days", "weeks", "months", "years")
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _calendar_days(months: float) -> tuple[float, float]:
    """The fewest and the most days that `months` consecutive calendar months can hold (leap years too):
    1 month is 28 to 31 days, 3 months 89 to 92, 12 months 365 to 366."""
    if months <= 0 or not float(months).is_integer():
        return months * 28, months * 31
    n = int(months)
    spans = []
    for start in range(48):  # four years of start months, one of them a leap year
        days = 0
        for k in range(start, start + n):
            month, year = k % 12, k // 12
            days += 29 if month == 1 and year % 4 == 0 else _MONTH_DAYS[month]
        spans.append(days)
    return float(min(spans)), float(max(spans))


def _scaled(t: Threshold, unit: str, factor: float) -> Threshold:
    def scale(v: Any) -> Any:
        return tidy_number(float(v) * factor) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
    value = tuple(scale(v) for v in t.value) if isinstance(t.value, tuple) else scale(t.value)
    return replace(t, value=value, unit=unit)


def in_one_unit(a: Threshold, b: Threshold) -> list[tuple[Threshold, Threshold]] | None:
    """The two limits in one unit, to be compared: one reading where the units convert exactly (1 year is 12
    months, 2 weeks 14 days), or the shortest and the longest reading of the months where days meet months
    (1 month is 28 to 31 days); None when the units do not convert at all (cm and %)."""
    ua, ub = a.unit or "", b.unit or ""
    if ua == ub:
        return [(a, b)]
    if ua not in TIME_UNITS or ub not in TIME_UNITS:
        return None
    (fa, xa), (fb, xb) = TIME_UNITS[ua], TIME_UNITS[ub]
    if fa == fb:  # one family: both in the finer of the two units, exactly
        finer = min((ua, ub), key=_FINEST.index)
        to = TIME_UNITS[finer][1]
        return [(_scaled(a, finer, xa / to), _scaled(b, finer, xb / to))]
    def days(t: Threshold, extreme: int) -> Threshold:
        if TIME_UNITS[t.unit or ""][0] == "minutes":
            return _scaled(t, "days", TIME_UNITS[t.unit or ""][1] / 1440)
        factor = TIME_UNITS[t.unit or ""][1]
        def one(v: Any) -> Any:
            if not isinstance(v, (int, float)) or isinstance(v, bool):
                return v
            return tidy_number(_calendar_days(float(v) * factor)[extreme])
        value = tuple(one(v) for v in t.value) if isinstance(t.value, tuple) else one(t.value)
        return replace(t, value=value, unit="days")
    return [(days(a, e), days(b, e)) for e in (0, 1)]


Mode = Literal["required", "branch", "alternative", "at_least", "negated", "example"]


@dataclass(frozen=True)
class Placed:
    """A threshold with the logic around it."""

    threshold: Threshold
    criterion: str
    role: str
    """Plain words, always beginning with `role_words`: "required", "one of 3 alternatives", "required in one
    of 2 alternatives, together with ...". Every format shows this string; verdict reasons use its head."""
    mode: Mode = "required"
    """What the role means for eligibility: a requirement of the indication; a requirement of one branch
    only (one of `of` alternatives); one alternative among `of`; part of an "at least `need` of `of`" group;
    a limit stated as an exclusion (it must not hold); an example value."""
    of: int = 1
    need: int | None = None
    negated: bool = False
    """Stated as an exclusion ("no ... greater than 1500"): the limit admits the opposite values."""


def role_words(mode: Mode, of: int = 1, need: int | None = None, negated: bool = False) -> str:
    """A limit's role in a few words, read from its place in the criteria tree."""
    head = {"required": "required",
            "negated": "required",
            "branch": f"required in one of {of} alternatives",
            "alternative": f"one of {of} alternatives",
            "at_least": f"one of {of} alternatives, at least {need} needed",
            "example": "an example (e.g.)"}[mode]
    return head + (" (stated as an exclusion)" if negated and mode != "example" else "")


def format_limit(t: Threshold) -> str:
    symbol = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "=": "="}.get(t.op, t.op)
    unit = "" if t.unit in (None, "count") else (t.unit if t.unit == "%" else f" {t.unit}")
    if t.op == "between" and isinstance(t.value, tuple):
        return f"{t.value[0]}–{t.value[1]}{unit}"
    if t.value == 1 and t.unit in TIME_UNITS:
        unit = unit.removesuffix("s")  # "≤ 1 year", not "≤ 1 years"
    return f"{symbol} {t.value}{unit}"


def placed_thresholds(ind: Indication) -> list[Placed]:
    """Every threshold of an indication with its role, read from its place in the criteria tree: a limit
    in an "any" group is one alternative; a limit required inside a group that is itself one of several
    alternatives is required only in that branch; an example is an example wherever it stands."""
    out: list[Placed] = []

    def place(path: tuple[Group, ...], node: Criterion | Group, own: Threshold) -> Placed:
        enclosing = path[-1]
        branches = [g for g in path[:-1] if g.logic == "any"]
        negated = isinstance(node, Criterion) and node.negated
        mode: Mode
        of, need = 1, None
        together = ""
        if own.example:
            mode = "example"
        elif enclosing.logic == "any":
            mode, of, need = ("at_least" if enclosing.min else "alternative"), len(enclosing.items), enclosing.min
        else:
            siblings = [f"{t.measure} {format_limit(t)}" for item in enclosing.items if item is not node
                        for t in item.thresholds]
            together = f", together with {', '.join(siblings)}" if siblings else ""
            if branches:
                mode, of = "branch", len(branches[-1].items)
            else:
                mode = "negated" if negated else "required"
        return Placed(own, node.text, role_words(mode, of, need, negated) + together, mode, of, need, negated)

    def walk(group: Group, path: tuple[Group, ...]) -> None:
        for t in group.thresholds:
            if path:
                out.append(place(path, group, t))
            else:  # the indication's own lead-in ("In adults age 18 years or older, ...") binds all of it
                mode: Mode = "example" if t.example else "required"
                out.append(Placed(t, group.text, role_words(mode), mode))
        for item in group.items:
            if isinstance(item, Group):
                walk(item, path + (group,))
            else:
                for t in item.thresholds:
                    out.append(place(path + (group,), item, t))

    walk(ind.criteria, ())
    return out
