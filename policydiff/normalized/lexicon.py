"""The word lists of the genre, read from `data/sections.json` and `data/words.json` and compiled once.

Payers' wording changes more often than the rules that read it, so every
list a rule consults (section headings and their roles, how coverage and
non-coverage are stated, logic cues, number words, approval phases) is data:
adding a phrasing means editing JSON, not code.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.files(__package__).joinpath(f"data/{name}").read_text("utf-8"))
    return data


def _any_of(patterns: list[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in patterns) + r")\b", re.IGNORECASE)


@dataclass(frozen=True)
class HeadingRoles:
    by_role: tuple[tuple[str, re.Pattern[str]], ...]
    by_content: tuple[tuple[re.Pattern[str], str, str], ...]
    """(heading, fallback role, evidence needed for coverage: "statement" or "criteria")."""
    weak: frozenset[str]
    inherit: re.Pattern[str]
    """Sub-headings that take the role of the section they stand in."""


@lru_cache(maxsize=1)
def heading_roles() -> HeadingRoles:
    raw = _load("sections.json")
    by_role = tuple((role, re.compile(r"^(?:" + "|".join(f"(?:{p})" for p in patterns) + r")$"))
                    for role, patterns in raw["roles"].items())
    by_content = tuple((re.compile(rf"^(?:{pattern})$"), rule["role"], rule["evidence"])
                       for pattern, rule in raw["by_content"].items())
    inherit = re.compile(r"^(?:" + "|".join(f"(?:{p})" for p in raw["inherit"]) + r")$")
    return HeadingRoles(by_role, by_content, frozenset(raw["weak"]), inherit)


@lru_cache(maxsize=1)
def _words() -> dict[str, Any]:
    return _load("words.json")


@lru_cache(maxsize=1)
def covered_pattern() -> re.Pattern[str]:
    """How a policy says something is covered: "is considered medically necessary", "may be approved"."""
    return _any_of(_words()["covered"])


@lru_cache(maxsize=1)
def not_covered_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(kind, pattern) for how a policy says something is not covered, most specific kind first."""
    raw = _words()["not_covered"]
    order = ("not_reasonable_and_necessary", "investigational", "not_medically_necessary", "all_other_uses")
    return tuple((kind, _any_of(raw[kind])) for kind in order)


@lru_cache(maxsize=1)
def phase_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(renewal, initial): the words that name an approval phase."""
    raw = _words()["phases"]
    return _any_of(raw["renewal"]), _any_of(raw["initial"])


@lru_cache(maxsize=1)
def logic_words() -> dict[str, Any]:
    return dict(_words()["logic"])


@lru_cache(maxsize=1)
def number_words() -> dict[str, float]:
    """Number words ("two", "twelve", "a single") → value; hyphenated and spaced forms both listed."""
    raw = {k.lower(): float(v) for k, v in _words()["numbers"].items()}
    raw.update({k.replace("-", " "): v for k, v in list(raw.items()) if "-" in k})
    return raw


@lru_cache(maxsize=1)
def fraction_words() -> dict[str, float]:
    return {k.lower(): float(v) for k, v in _words()["fractions"].items()}


@lru_cache(maxsize=1)
def period_words() -> dict[str, tuple[float, str]]:
    """"annually" → (12, "months"): how often, or how far back, in words."""
    return {k.lower(): (float(v[0]), str(v[1])) for k, v in _words()["periods"].items()}
