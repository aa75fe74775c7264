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
from functools import lru_cache
from typing import Literal

from ..normalized.schema import Op, Threshold
from ..normalized.vocabulary import measure_kind
from .limits import Placed, format_limit, role_words, stricter

Verdict = Literal["stricter", "looser", "same", "depends", "not comparable"]
_FLIP: dict[str, Op] = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}


@dataclass(frozen=True)
class Eligibility:
    verdict: Verdict
    policies: tuple[int, ...] = ()
    """The stricter policies (0-based), where the verdict names any."""
    reason: str = ""


@lru_cache(maxsize=4096)
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
    return role_words(p.mode, p.of, p.need, p.negated)


def _say(k: int, p: Placed) -> str:
    return f"#{k + 1}'s {format_limit(p.threshold)}"


def _hard(stated: Sequence[tuple[int, Placed]]) -> set[int]:
    """Which limits bind as requirements. A limit required for the whole indication always does; one
    required only inside a branch does when no other policy requires its limit outright (branch against
    branch, as "salvage therapy" against "salvage therapy"); against an outright requirement it is one way
    in among others, and compared as an alternative."""
    outright = {k for k, p in stated if p.mode in ("required", "negated")}
    if outright:
        return outright
    return {k for k, p in stated if p.mode == "branch"}


def eligibility(values: Sequence[Placed | None], present: Sequence[bool],
                examples: Sequence[Placed | None] = ()) -> Eligibility:
    """The eligibility verdict over one measure's limits, one per policy (None where a policy states none);
    `present` says which policies have the indication at all, `examples` which of the silent ones give a
    value of this measure only as an example (named in the reason, never compared)."""
    stated = [(k, p) for k, p in enumerate(values) if p is not None]
    if not stated:
        return Eligibility("not comparable", (), "no policy states this limit")
    measure = stated[0][1].threshold.measure
    if is_administrative(measure):
        terms = "; ".join(f"#{k + 1} {format_limit(p.threshold)}" for k, p in stated)
        return Eligibility("not comparable", (), f"{measure} is an administrative term, not an eligibility limit: "
                                                 f"{terms}")
    if any(p.mode == "example" for _, p in stated):
        named = " and ".join(_say(k, p) for k, p in stated)
        return Eligibility("not comparable", (), f"{named} {'is an example' if len(stated) == 1 else 'are examples'} "
                                                 f"(e.g.), not a requirement")
    silent = [k for k, p in enumerate(values) if p is None and present[k]]
    absent = [k for k, p in enumerate(values) if p is None and not present[k]]
    limits = {k: effective(p) for k, p in stated}
    if any(t is None for t in limits.values()):
        return Eligibility("not comparable", (), "a limit stated as an exclusion has no single opposite limit")
    hard = _hard(stated)
    nobody_else = ", ".join(f"#{k + 1}" for k in silent) + (" sets" if len(silent) == 1 else " set") + \
        " no such limit" + _example_note(examples, silent)
    if len(stated) == 1:
        k, p = stated[0]
        if not silent:
            return Eligibility("not comparable", (), f"only #{k + 1} has this indication" if absent
                               else "only one policy states this limit")
        if k in hard:
            return Eligibility("stricter", (k,), f"only #{k + 1} limits {measure} ({format_limit(p.threshold)}, "
                                                 f"{_role(p)}); {nobody_else}")
        return Eligibility("depends", (), f"{_say(k, p)} is {_role(p)}; {nobody_else}: "
                                          f"it depends on #{k + 1}'s other criteria")
    known = {k: t for k, t in limits.items() if t is not None}
    best = _tightest(known)
    if best is None:
        return Eligibility("not comparable", (), "different kinds of limit (or units that do not convert)")
    by_k = dict(stated)
    if all(k in hard for k, _ in stated):
        if len(best) == len(stated) and not silent:
            return Eligibility("same", (), "the same limit, " + ("required by every policy" if all(
                p.mode != "branch" for _, p in stated) else "each required in one branch"))
        return Eligibility("stricter", tuple(best), _required_reason(stated, best, silent))
    soft = [k for k, _ in stated if k not in hard]
    # Rule 5: the tightest requirement, when it is at least as tight as every alternative, lets fewer in.
    firm = _tightest({k: known[k] for k in hard}) if hard else None
    if firm is not None and all(_as_tight(known[firm[0]], known[j]) for j in soft):
        return Eligibility("stricter", tuple(firm), "; ".join([
            *(f"{_say(k, by_k[k])} is {_role(by_k[k])}" for k in firm),
            *(f"{_say(k, by_k[k])} is {_role(by_k[k])} and looser" for k in sorted(hard) if k not in firm),
            *(f"{_say(k, by_k[k])} is only {_role(by_k[k])}" for k in soft)]))
    named = "; ".join(f"{_say(k, p)} is {_role(p)}" for k, p in stated)
    if hard:
        return Eligibility("depends", (), f"{named}: whether fewer patients qualify depends on the other "
                                          f"alternatives of " + ", ".join(f"#{k + 1}" for k in soft))
    return Eligibility("depends", (), f"{named}: {'both' if len(stated) == 2 else 'all'} are alternatives, so it "
                                      f"depends on the other criteria")


def _as_tight(required: Threshold, alternative: Threshold) -> bool:
    """Rule 5's test: the requirement admits no more than the alternative, the alternative's own number
    included ("FEV1 <= 80%" required is as tight as "FEV1 < 80%" as one way in: they part only at 80%,
    while the alternative's other ways in admit far more)."""
    if stricter(required, alternative) in (-1, 0):
        return True
    closed: Op | None = {"<": "<=", ">": ">="}.get(alternative.op)  # type: ignore[assignment]
    return closed is not None and stricter(required, replace(alternative, op=closed)) in (-1, 0)


def _example_note(examples: Sequence[Placed | None], silent: Sequence[int]) -> str:
    given = [(k, examples[k]) for k in silent if k < len(examples) and examples[k] is not None]
    return "".join(f" ({_say(k, p)} is given only as an example)" for k, p in given if p is not None)


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
        verb = "sets" if len(silent) == 1 else "set"
        parts.append(", ".join(f"#{k + 1}" for k in silent) + f" {verb} no such limit")
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
