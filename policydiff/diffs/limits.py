"""What a threshold means for eligibility: its kind of bound, which of two is stricter, its role in the logic.

"Stricter" means fewer patients qualify (docs/contract.md): a lower ceiling
(≤ 4 cm vs ≤ 5 cm), a higher floor (BMI ≥ 40 vs ≥ 35), a narrower range.
Two limits in different units, or of different kinds, are not comparable,
and the code says so rather than choosing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ..normalized.schema import Criterion, Group, Indication, Threshold

BoundKind = Literal["upper", "lower", "range", "equal"]

_ROMAN = {"0": 0, "I": 1, "II": 2, "III": 3, "IV": 4, "V": 5}


def bound_kind(t: Threshold) -> BoundKind:
    """"upper" (<, <=), "lower" (>, >=), "range" (between) or "equal"."""
    if t.op in ("<", "<="):
        return "upper"
    if t.op in (">", ">="):
        return "lower"
    return "range" if t.op == "between" else "equal"


def _ordinal(value) -> float | None:
    """A comparable number for values and stages ("T2b" < "T3", "III" < "IV")."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip().upper()
    m = re.fullmatch(r"T(\d)([A-D]?)", text)
    if m:
        return int(m.group(1)) + (ord(m.group(2)) - 64) * 0.1 if m.group(2) else int(m.group(1)) + 0.0
    m = re.fullmatch(r"(IV|V|I{1,3}|0)([A-C]?)", text)
    if m:
        return _ROMAN[m.group(1)] + ((ord(m.group(2)) - 64) * 0.1 if m.group(2) else 0.0)
    try:
        return float(text)
    except ValueError:
        return None


def stricter(a: Threshold, b: Threshold) -> int | None:
    """-1 when a is stricter, 1 when b is, 0 when they admit the same patients, None when not comparable."""
    if a.measure != b.measure or (a.unit or "") != (b.unit or "") or bound_kind(a) != bound_kind(b):
        return None
    kind = bound_kind(a)
    if kind == "range":
        if not (isinstance(a.value, tuple) and isinstance(b.value, tuple)):
            return None
        lo = _compare_values(a.value[0], b.value[0], higher_is_stricter=True)
        hi = _compare_values(a.value[1], b.value[1], higher_is_stricter=False)
        if lo is None or hi is None:
            return None
        if lo == hi or hi == 0:
            return lo
        if lo == 0:
            return hi
        return None  # one bound tighter, the other looser: neither range is narrower
    if kind == "equal":
        same = _ordinal(a.value) == _ordinal(b.value) if _ordinal(a.value) is not None else a.value == b.value
        return 0 if same else None
    result = _compare_values(a.value, b.value, higher_is_stricter=(kind == "lower"))
    if result == 0 and a.op != b.op:
        # Same number: the strict inequality admits fewer ("< 8" is stricter than "<= 8").
        return -1 if len(a.op) == 1 else 1
    return result


def _compare_values(x, y, higher_is_stricter: bool) -> int | None:
    ox, oy = _ordinal(x), _ordinal(y)
    if ox is None or oy is None:
        return None
    if ox == oy:
        return 0
    x_stricter = ox > oy if higher_is_stricter else ox < oy
    return -1 if x_stricter else 1


@dataclass(frozen=True)
class Placed:
    """A threshold with the logic around it."""

    threshold: Threshold
    criterion: str
    role: str
    """Plain words: "required", "one of 3 alternatives", "required, together with ..., in one of 3 alternatives"."""


def format_limit(t: Threshold) -> str:
    symbol = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "=": "="}.get(t.op, t.op)
    unit = "" if t.unit in (None, "count") else (t.unit if t.unit == "%" else f" {t.unit}")
    if t.op == "between" and isinstance(t.value, tuple):
        return f"{t.value[0]}–{t.value[1]}{unit}"
    return f"{symbol} {t.value}{unit}"


def placed_thresholds(ind: Indication) -> list[Placed]:
    """Every threshold of an indication with its role in the criteria logic."""
    out: list[Placed] = []

    def describe(path: tuple[Group, ...], node, own: Threshold) -> str:
        enclosing = path[-1]
        alternatives = [g for g in path[:-1] if g.logic == "any"]
        if enclosing.logic == "any":
            need = f"at least {enclosing.min} of" if enclosing.min else "one of"
            role = f"{need} {len(enclosing.items)} alternatives"
        else:
            siblings = [f"{t.measure} {format_limit(t)}" for item in enclosing.items if item is not node
                        for t in item.thresholds]
            role = "required" + (f", together with {', '.join(siblings)}" if siblings else "")
            if alternatives:
                role += f", in one of {len(alternatives[-1].items)} alternatives"
        if isinstance(node, Criterion) and node.negated:
            role += " (stated as an exclusion)"
        return role

    def walk(group: Group, path: tuple[Group, ...]) -> None:
        for t in group.thresholds:
            out.append(Placed(t, group.text, describe(path or (group,), group, t) if path else "required"))
        for item in group.items:
            if isinstance(item, Group):
                walk(item, path + (group,))
            else:
                for t in item.thresholds:
                    out.append(Placed(t, item.text, describe(path + (group,), item, t)))

    walk(ind.criteria, ())
    return out
