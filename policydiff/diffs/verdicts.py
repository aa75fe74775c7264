"""Eligibility verdicts: which policy lets fewer patients in, reading each limit's role, not only its number.

The cutoff verdict (`strictest`) compares numbers: ≤ 4 cm is a tighter cap
than ≤ 7 cm. That is worth saying, but it is not who qualifies: at a policy
where ≤ 4 cm is one way in among four, a 3 cm tumour can qualify by another
way, while at a policy where ≤ 7 cm is required, no tumour over 7 cm ever
does. The eligibility verdict says so. Its rules (README "How verdicts are
made") are applied in this order:

1. An administrative term (approval duration, dose, interval) is not an
   eligibility limit: "not comparable", with each policy's term.
2. An example value ("e.g. ...") is not a requirement: "not comparable".
3. A limit stated as an exclusion ("no eosinophil count above 1500") admits
   the opposite values; it is compared as that.
4. Limits that are all required: the tighter one is "stricter" (or "same").
5. A required limit at least as tight as limits that are alternatives (one of
   N, at least N of M): the required one is "stricter".
6. An alternative whose number is tighter than a required limit, or limits
   that are all alternatives: "depends" on the other alternatives, and the
   reason names them.
7. A limit one policy sets and the other does not: "stricter" when it is
   required, "depends" when it is an alternative.
8. Different kinds of limit, or units that do not convert: "not comparable".
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from ..normalized.schema import Op, Threshold
from ..normalized.vocabulary import measure_kind
from .limits import Placed, format_limit, stricter

Verdict = Literal["stricter", "looser", "same", "depends", "not comparable"]
_FLIP: dict[str, Op] = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}


@dataclass(frozen=True)
class Eligibility:
    verdict: Verdict
    policies: tuple[int, ...] = ()
    """The stricter policies (0-based), where the verdict names any."""
    reason: str = ""


def is_administrative(measure: str) -> bool:
    return measure_kind(measure) == "administrative"


def effective(placed: Placed) -> Threshold | None:
    """The limit as it bears on eligibility: an exclusion admits the opposite values ("no ... > 1500" is
    "<= 1500"); None where the opposite is not one limit ("not between 2 and 4")."""
    t = placed.threshold
    if not placed.negated:
        return t
    if t.op not in _FLIP:
        return None
    return replace(t, op=_FLIP[t.op])


def _role(p: Placed) -> str:
    if p.mode == "at_least":
        return f"one of an at-least-{p.need}-of-{p.of} group"
    if p.mode == "alternative":
        return f"one of {p.of} alternatives"
    if p.mode == "negated":
        return "required (stated as an exclusion)"
    return "required"


def _say(k: int, p: Placed) -> str:
    return f"#{k + 1}'s {format_limit(p.threshold)}"


def eligibility(values: Sequence[Placed | None], present: Sequence[bool]) -> Eligibility:
    """The eligibility verdict over one measure's limits, one per policy (None where a policy states none);
    `present` says which policies have the indication at all."""
    stated = [(k, p) for k, p in enumerate(values) if p is not None]
    if not stated:
        return Eligibility("not comparable", (), "no policy states this limit")
    measure = stated[0][1].threshold.measure
    if is_administrative(measure):
        terms = "; ".join(f"#{k + 1} {format_limit(p.threshold)}" for k, p in stated)
        return Eligibility("not comparable", (), f"{measure} is an administrative term, not an eligibility limit: "
                                                 f"{terms}")
    examples = [(k, p) for k, p in stated if p.mode == "example"]
    if examples:
        k, p = examples[0]
        return Eligibility("not comparable", (), f"{_say(k, p)} is an example (e.g.), not a requirement")
    silent = [k for k, p in enumerate(values) if p is None and present[k]]
    absent = [k for k, p in enumerate(values) if p is None and not present[k]]
    limits = {k: effective(p) for k, p in stated}
    if any(t is None for t in limits.values()):
        return Eligibility("not comparable", (), "a limit stated as an exclusion has no single opposite limit")
    hard = {k for k, p in stated if p.mode in ("required", "negated")}
    nobody_else = ", ".join(f"#{k + 1}" for k in silent)
    if len(stated) == 1:
        k, p = stated[0]
        if not silent:
            return Eligibility("not comparable", (), f"only #{k + 1} has this indication" if absent
                               else "only one policy states this limit")
        if k in hard:
            return Eligibility("stricter", (k,), f"only #{k + 1} limits {measure} ({format_limit(p.threshold)}, "
                                                 f"{_role(p)}); {nobody_else} sets no such limit")
        return Eligibility("depends", (), f"{_say(k, p)} is {_role(p)}; {nobody_else} sets no such limit: "
                                          f"it depends on #{k + 1}'s other criteria")
    best = _tightest({k: t for k, t in limits.items() if t is not None})
    if best is None:
        return Eligibility("not comparable", (), "different kinds of limit (or units that do not convert)")
    tied = len(best) == len(stated)
    if all(k in hard for k, _ in stated):
        if tied and not silent:
            return Eligibility("same", (), "the same limit, required by every policy")
        return Eligibility("stricter", tuple(best), _required_reason(stated, best, silent))
    by_k = dict(stated)
    soft = [k for k, _ in stated if k not in hard]
    if all(k in hard for k in best) and not tied:
        return Eligibility("stricter", tuple(best), "; ".join([
            *(f"{_say(k, by_k[k])} is required" for k in best),
            *(f"{_say(k, by_k[k])} is only {_role(by_k[k])}" for k in soft)]))
    named = "; ".join(f"{_say(k, p)} is {_role(p)}" for k, p in stated)
    if hard:
        return Eligibility("depends", (), f"{named}: whether fewer patients qualify depends on the other "
                                          f"alternatives of " + ", ".join(f"#{k + 1}" for k in soft))
    return Eligibility("depends", (), f"{named}: both are alternatives, so it depends on the other criteria")


def _tightest(limits: dict[int, Threshold]) -> list[int] | None:
    """The policies whose limit admits fewest (several when equal); None when two are not comparable."""
    keys = list(limits)
    best = [keys[0]]
    for k in keys[1:]:
        result = stricter(limits[k], limits[best[0]])
        if result is None:
            return None
        if result == -1:
            best = [k]
        elif result == 0:
            best.append(k)
    if any(k not in best and stricter(limits[best[0]], limits[k]) is None for k in keys):
        return None
    return best


def _required_reason(stated: list[tuple[int, Placed]], best: list[int], silent: list[int]) -> str:
    tighter = ", ".join(_say(k, p) for k, p in stated if k in best)
    looser = ", ".join(_say(k, p) for k, p in stated if k not in best)
    parts = [f"{tighter} {'is' if len(best) == 1 else 'are'} required and tighter"]
    if looser:
        parts[0] += f" than {looser} (also required)"
    if silent:
        parts.append(", ".join(f"#{k + 1}" for k in silent) + " sets no such limit")
    return "; ".join(parts)


def administrative_change(measure: str, old: Threshold, new: Threshold) -> str:
    """How an administrative term moved: "longer" / "shorter" for durations and intervals, "higher" / "lower"
    for doses, "changed" when the two cannot be ordered."""
    def upper(t: Threshold) -> float:
        value = t.value[1] if isinstance(t.value, tuple) else t.value
        return float(value)

    try:
        a, b = upper(old), upper(new)
    except (TypeError, ValueError):
        return "changed"
    if (old.unit or "") != (new.unit or "") or a == b:
        return "changed"
    dose = "dose" in measure or "quantity" in measure
    if b > a:
        return "higher" if dose else "longer"
    return "lower" if dose else "shorter"
