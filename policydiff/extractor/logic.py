"""All / any / at-least-N: reading how a policy combines its criteria.

Two kinds of evidence: the lead-in's cue ("must satisfy all of the
following", "at least one of") and the connectors between items ("; and",
"; or", an "OR" on its own line). When they agree, fine. When they disagree
or are missing, the lead-in wins because it is the document's own statement
of the rule, and a warning names the place, so no reading is a silent guess.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..normalized.lexicon import logic_words, number_words
from .markers import CONNECTOR_LINE, LEADING_CONNECTOR, TRAILING_CONNECTOR


@dataclass(frozen=True)
class Cue:
    logic: str
    """"all" or "any"."""
    min: int | None = None
    explicit: bool = True
    """False for a bare "the following criteria are met", which implies all without saying so."""


@dataclass(frozen=True)
class _Cues:
    counted: tuple[re.Pattern[str], ...]
    """"at least two of": group `n` holds the number."""
    fixed: tuple[tuple[re.Pattern[str], Cue], ...]
    implied_all: re.Pattern[str]
    negated_lead: re.Pattern[str]


@lru_cache(maxsize=1)
def _cues() -> _Cues:
    """The cue patterns of `words.json` ("logic"), compiled once."""
    words = logic_words()
    numbers = sorted((w for w, v in number_words().items() if v == int(v) and 1 <= v <= 9 and " " not in w),
                     key=len, reverse=True)
    n = r"(?P<n>" + "|".join([*map(re.escape, numbers), r"[1-9]"]) + r")"
    fill = {"{n}": n, "{following}": words["following"]}

    def expand(pattern: str) -> str:
        for key, value in fill.items():
            pattern = pattern.replace(key, value)
        return pattern

    nouns = "|".join(words["list_nouns"])
    follows = rf"(?:\s*\(\d\))?(?=\s*(?:of\b|(?:{nouns})\b|:))"
    counted = tuple(re.compile(r"\b" + expand(p) + follows, re.I) for p in words["at_least"])
    fixed = tuple((re.compile(r"\b" + expand(p), re.I), Cue(logic)) for logic in ("any", "all") for p in words[logic])
    implied = re.compile("|".join(rf"\b(?:{expand(p)})" for p in words["implied_all"]), re.I)
    negated = re.compile("|".join(rf"\b(?:{expand(p)})" for p in words["negated_lead"]), re.I)
    return _Cues(counted, fixed, implied, negated)


def find_cue(text: str) -> Cue | None:
    """The logic a lead-in announces, or None when it announces none."""
    cues = _cues()
    for pattern in cues.counted:
        m = pattern.search(text)
        if m:
            word = m.group("n").lower()
            n = int(word) if word.isdigit() else int(number_words()[word])
            return Cue("any") if n == 1 else Cue("any", min=n)
    for pattern, cue in cues.fixed:  # in the order of words.json: "any" cues before "all" cues
        if pattern.search(text):
            return cue
    if cues.implied_all.search(text):
        return Cue("all", explicit=False)
    return None




def trailing_connector(text: str) -> tuple[str, str | None]:
    """"Tumors are accessible; and" → ("Tumors are accessible;", "and")."""
    offset = max(len(text) - 40, 0)  # the connector is at the end: search only the tail (texts grow line by line)
    m = TRAILING_CONNECTOR.search(text, offset)
    if not m or len(text) - len(m.group(0)) < 3:
        return text, None
    word = m.group(1).lower()
    return text[: m.start()].rstrip() + (";" if ";" in m.group(0) else ""), ("or" if word == "and/or" else word)


def standalone_connector(text: str) -> str | None:
    """An "and" / "OR" / "-AND-" line of its own between blocks."""
    m = CONNECTOR_LINE.match(text)
    if not m:
        return None
    word = m.group(1).lower()
    return "or" if word == "and/or" else word


def leading_connector(text: str) -> str | None:
    """"AND ALL of the following:" begins with a connector joining it to what came before."""
    m = LEADING_CONNECTOR.match(text)
    return m.group(1).lower() if m else None


@dataclass(frozen=True)
class Reading:
    logic: str
    min: int | None
    runs: tuple[tuple[int, ...], ...] | None = None
    """When "any" is read over and-joined runs (A and B; or C), the item indexes of each run."""
    warning: str | None = None
    rule: str = ""
    """Which evidence decided: "lead_in_cue", "cue_over_connectors", "any_of_and_runs", "connectors",
    "implied_all_cue", "implied_all_but_or_connectors", "no_cue_no_connectors", "single_item",
    "mixed_connectors"."""


def resolve(cue: Cue | None, connectors: list[str | None], where: str) -> Reading:
    """Combine a lead-in's cue with the connectors between n items (len(connectors) == n - 1)."""
    said = {c for c in connectors if c}
    n = len(connectors) + 1
    if cue is not None and cue.explicit:
        opposite = "and" if cue.logic == "any" else "or"
        if opposite not in said:
            return Reading(cue.logic, cue.min, rule="lead_in_cue")
        if cue.logic == "any" and cue.min is None and "or" in said:
            runs = _and_runs(connectors)
            return Reading("any", None, runs, f"{where}: items are joined by both 'and' and 'or'; read as "
                           f"any of {len(runs)} alternatives, each a run of 'and'-joined items, as the lead-in "
                           f"says 'any'", "any_of_and_runs")
        return Reading(cue.logic, cue.min, None, f"{where}: the lead-in says '{cue.logic}' but items are joined "
                       f"by '{opposite}'; read as '{cue.logic}' per the lead-in", "cue_over_connectors")
    if said == {"or"}:
        if cue is not None and not cue.explicit:
            return Reading("any", None, None, f"{where}: the lead-in implies 'all' but items are joined by 'or'; "
                           f"read as 'any' per the connectors", "implied_all_but_or_connectors")
        return Reading("any", None, rule="connectors")
    if said == {"and"} or not said:
        if cue is None and n > 1 and not said:
            return Reading("all", None, None, f"{where}: no 'all'/'any' wording and no connectors between "
                           f"{n} items; read as 'all'", "no_cue_no_connectors")
        return Reading("all", None, rule="connectors" if said else ("implied_all_cue" if cue is not None
                                                                     else "single_item"))
    # Mixed connectors and no explicit cue.
    return Reading("all", None, None, f"{where}: items are joined by both 'and' and 'or' with no lead-in "
                   f"saying which applies; read as 'all'", "mixed_connectors")


def _and_runs(connectors: list[str | None]) -> tuple[tuple[int, ...], ...]:
    runs: list[list[int]] = [[0]]
    for i, c in enumerate(connectors):
        if c == "or":
            runs.append([i + 1])
        else:
            runs[-1].append(i + 1)
    return tuple(tuple(r) for r in runs)


@lru_cache(maxsize=1)
def _cap_lead() -> re.Pattern[str]:
    return re.compile("|".join(rf"\b(?:{p})" for p in logic_words()["cap_lead"]), re.I)


@lru_cache(maxsize=1)
def _single_item() -> re.Pattern[str]:
    return re.compile("|".join(rf"\b(?:{p})" for p in logic_words()["single_item"]), re.I)


def takes_one_item(text: str) -> bool:
    """"... when the following criterion is met:": the lead-in's list is one item (what follows at the same
    indent belongs to the list it interrupted)."""
    return bool(_single_item().search(text[-160:]))


def caps_its_items(text: str) -> bool:
    """"When the dose does not exceed either of the following:": the items it lists are caps ("10 mg/kg every
    2 weeks" is a dose of at most 10 mg/kg), not criteria that must be absent."""
    return bool(_cap_lead().search(text))


def negated_list(text: str) -> bool:
    """"Patient is not receiving X in combination with either of the following": none of the items may hold."""
    return bool(_cues().negated_lead.search(text)) and not caps_its_items(text)
