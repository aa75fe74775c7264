"""What a threshold means for eligibility: its kind of bound, which of two is stricter, its role in the logic.

"Stricter" means fewer patients qualify (docs/contract.md): a lower ceiling
(≤ 4 cm vs ≤ 5 cm), a higher floor (BMI ≥ 40 vs ≥ 35), a narrower range.
Two limits in different units, or of different kinds, are not comparable,
and the code says so rather than choosing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..normalized.scales import admitted
from ..normalized.schema import Criterion, Group, Indication, Threshold

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

    Each limit becomes the interval of values it admits (`normalized.scales`): stages and classes in their
    order ("= T1a" inside "= T1"), whole units counted whole ("< 18" years is "<= 17"), a strict inequality
    narrower than its "or equal" twin. One interval inside the other is the stricter limit; two that
    overlap without one holding the other are not comparable.
    """
    if a.measure != b.measure or (a.unit or "") != (b.unit or ""):
        return None
    x, y = admitted(a.measure, a.op, a.value, a.unit), admitted(b.measure, b.op, b.value, b.unit)
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


Mode = Literal["required", "alternative", "at_least", "negated", "example"]


@dataclass(frozen=True)
class Placed:
    """A threshold with the logic around it."""

    threshold: Threshold
    criterion: str
    role: str
    """Plain words: "required", "one of 3 alternatives", "required, together with ..., in one of 3 alternatives"."""
    mode: Mode = "required"
    """What the role means for eligibility: a requirement; one alternative among `of`; part of an
    "at least `need` of `of`" group; a limit stated as an exclusion (it must not hold); an example value."""
    of: int = 1
    need: int | None = None
    negated: bool = False
    """Stated as an exclusion ("no ... greater than 1500"): the limit admits the opposite values."""


def format_limit(t: Threshold) -> str:
    symbol = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "=": "="}.get(t.op, t.op)
    unit = "" if t.unit in (None, "count") else (t.unit if t.unit == "%" else f" {t.unit}")
    if t.op == "between" and isinstance(t.value, tuple):
        return f"{t.value[0]}–{t.value[1]}{unit}"
    return f"{symbol} {t.value}{unit}"


def placed_thresholds(ind: Indication) -> list[Placed]:
    """Every threshold of an indication with its role in the criteria logic."""
    out: list[Placed] = []

    def place(path: tuple[Group, ...], node, own: Threshold) -> Placed:
        enclosing = path[-1]
        alternatives = [g for g in path[:-1] if g.logic == "any"]
        mode: Mode = "required"
        of, need = 1, None
        if enclosing.logic == "any":
            need = enclosing.min
            phrase = f"at least {enclosing.min} of" if enclosing.min else "one of"
            role = f"{phrase} {len(enclosing.items)} alternatives"
            mode, of = ("at_least" if enclosing.min else "alternative"), len(enclosing.items)
        else:
            siblings = [f"{t.measure} {format_limit(t)}" for item in enclosing.items if item is not node
                        for t in item.thresholds]
            role = "required" + (f", together with {', '.join(siblings)}" if siblings else "")
            if alternatives:
                # Required within its branch (a setting such as "salvage therapy"): compared as required,
                # against the same setting of the other policy.
                role += f", in one of {len(alternatives[-1].items)} alternatives"
        negated = isinstance(node, Criterion) and node.negated
        if negated:
            role += " (stated as an exclusion)"
            mode = "negated" if mode == "required" else mode
        if own.example:
            role += " (an example)"
            mode = "example"
        return Placed(own, node.text, role, mode, of, need, negated)

    def walk(group: Group, path: tuple[Group, ...]) -> None:
        for t in group.thresholds:
            if path:
                out.append(place(path, group, t))
            else:
                out.append(Placed(t, group.text, "required (an example)" if t.example else "required",
                                  "example" if t.example else "required"))
        for item in group.items:
            if isinstance(item, Group):
                walk(item, path + (group,))
            else:
                for t in item.thresholds:
                    out.append(place(path + (group,), item, t))

    walk(ind.criteria, ())
    return out
