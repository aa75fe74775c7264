"""Who an indication is for: the ages it admits, read as pairing evidence across payers.

Two payers' bariatric policies both have an adult and an adolescent block,
worded differently ("Gastric bypass and gastric restrictive procedures" with
"age 18 years or older"; "Bariatric surgery in adolescents, age 12-17"). The
labels alone pair them badly; the population pairs them at once. The ages
come, strongest first, from the indication's own required age limits, then
from population words in its label or lead-in (`normalized/data/
populations.json`: "adults", "adolescents", "children"), then from the
policy's title ("Bariatric Surgery (Adults)").
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

from ..normalized.scales import admitted
from ..normalized.schema import Indication
from .limits import placed_thresholds

ADULT = 18
"""The age from which a person is an adult, in whole years."""


@dataclass(frozen=True)
class Ages:
    """Whole years admitted, both ends included; `hi` is infinite where no upper age is set."""

    lo: float = 0
    hi: float = math.inf
    said: bool = True
    """Said by the indication itself (its limits or words), not only by the policy's title: only what an
    indication says of itself makes two alike; the title may still set two apart."""

    @property
    def adult(self) -> bool:
        return self.lo >= ADULT

    @property
    def minor(self) -> bool:
        return self.hi < ADULT


@lru_cache(maxsize=1)
def _words() -> tuple[tuple[re.Pattern[str], Ages], ...]:
    raw = json.loads(resources.files("policydiff.normalized").joinpath("data/populations.json").read_text("utf-8"))
    out = []
    for entry in raw["populations"].values():
        lo, hi = entry["ages"]
        pattern = re.compile(r"\b(?:" + "|".join(f"(?:{w})" for w in entry["words"]) + r")\b", re.IGNORECASE)
        out.append((pattern, Ages(float(lo), math.inf if hi is None else float(hi))))
    return tuple(out)


def ages_in_words(text: str) -> Ages | None:
    """The ages population words in `text` name ("in adults" is 18 and over; "adults and adolescents" 12
    and over), or None when it names no population."""
    found = [ages for pattern, ages in _words() if pattern.search(text)]
    if not found:
        return None
    return Ages(min(a.lo for a in found), max(a.hi for a in found))


def without_population(text: str) -> str:
    """`text` without its population words: "asthma in adults" and "copd in adults" share no wording."""
    for pattern, _ in _words():
        text = pattern.sub(" ", text)
    return " ".join(text.split())


def ages_required(ind: Indication) -> Ages | None:
    """The ages an indication's outright age limits admit (limits in one branch or one alternative do not
    say who the whole indication is for), or None when it sets none."""
    lo, hi = 0.0, math.inf
    seen = False
    for p in placed_thresholds(ind):
        t = p.threshold
        if t.measure != "age" or p.mode != "required" or t.unit not in (None, "years"):
            continue
        interval = admitted("age", t.op, t.value, "years")
        if interval is None:
            continue
        seen = True
        lo = max(lo, interval.lo)
        hi = min(hi, interval.hi)
    return Ages(lo, hi) if seen else None


def ages_of(ind: Indication, title: str | None = None) -> Ages | None:
    """Who the indication is for, by the strongest evidence it gives (see the module's docstring)."""
    own = ages_required(ind) or ages_in_words(f"{ind.label} {ind.criteria.text}")
    if own is not None or not title:
        return own
    general = ages_in_words(title)
    return Ages(general.lo, general.hi, said=False) if general else None


Fit = Literal["same", "conflict", "unknown"]


def fit(a: Ages | None, b: Ages | None) -> Fit:
    """"same" when both say they are for adults, or both for minors; "conflict" when no age is admitted by
    both (adults against adolescents); else "unknown"."""
    if a is None or b is None:
        return "unknown"
    if a.hi < b.lo or b.hi < a.lo:
        return "conflict"
    if a.said and b.said and ((a.adult and b.adult) or (a.minor and b.minor)):
        return "same"
    return "unknown"
