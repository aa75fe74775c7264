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
    captions: re.Pattern[str]
    """Table and figure captions: they head a part of the section they stand in."""


@lru_cache(maxsize=1)
def heading_roles() -> HeadingRoles:
    raw = _load("sections.json")
    by_role = tuple((role, re.compile(r"^(?:" + "|".join(f"(?:{p})" for p in patterns) + r")$"))
                    for role, patterns in raw["roles"].items())
    by_content = tuple((re.compile(rf"^(?:{pattern})$"), rule["role"], rule["evidence"])
                       for pattern, rule in raw["by_content"].items())
    inherit = re.compile(r"^(?:" + "|".join(f"(?:{p})" for p in raw["inherit"]) + r")$")
    captions = re.compile(r"^(?:" + "|".join(f"(?:{p})" for p in raw["captions"]) + r")$")
    return HeadingRoles(by_role, by_content, frozenset(raw["weak"]), inherit, captions)


@lru_cache(maxsize=1)
def label_line() -> re.Pattern[str]:
    """A line that only labels the list below it ("INDICATIONS:", "Diagnosis")."""
    words = _load("sections.json")["labels"]["words"]
    return re.compile(r"^(?:" + "|".join(f"(?:{w})" for w in words) + r")\s*:?\s*$", re.IGNORECASE)


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
def furniture_notices() -> tuple[str, ...]:
    """How a line that is a notice, not policy content, begins ("© 2025 ...", "Printed on ...")."""
    return tuple(_words()["furniture"])


@lru_cache(maxsize=1)
def number_names() -> tuple[str, ...]:
    """Words after which a number names something ("Table 2", "Step 1", "chromosome 17"), not a limit."""
    return tuple(re.escape(w) for w in _words()["number_names"])


@lru_cache(maxsize=1)
def document_kind_words() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(document kind, patterns) for documents that state no covered criteria: how each names itself."""
    raw = _words()["document_kinds"]
    return tuple((kind, tuple(patterns)) for kind, patterns in raw.items() if not kind.startswith("_"))


@lru_cache(maxsize=1)
def folder_note_stems() -> frozenset[str]:
    """File stems ("README", "SOURCES") of what a folder keeps about itself, not one of its documents."""
    return frozenset(s.lower() for s in _words()["folder_notes"]["stems"])


@lru_cache(maxsize=1)
def table_header_cell() -> re.Pattern[str]:
    """A cell of a table's header row: a column name ("Indication", "Criteria", "Dosage Regimen")."""
    words = _words()["table_headers"]["words"]
    return re.compile(r"^(?:" + "|".join(f"(?:{w})" for w in words) + r")[\s†*:]*$", re.IGNORECASE)


@lru_cache(maxsize=1)
def common_requirement_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(refers, general): how a block that applies to every indication points at them, or names itself."""
    raw = _words()["common_requirements"]
    return _any_of(raw["refers"]), _any_of(raw["general"])


@lru_cache(maxsize=1)
def generic_name() -> re.Pattern[str]:
    """A heading that names the policy's criteria in general ("Criteria for Medically Necessary Procedures")."""
    return re.compile(r"^(?:" + "|".join(f"(?:{p})" for p in _words()["generic_names"]["patterns"]) + r")\s*:?$",
                      re.IGNORECASE)


@lru_cache(maxsize=1)
def generic_subject() -> re.Pattern[str]:
    """A bare noun that, as the whole subject of a coverage statement, names nothing ("Procedures are ...")."""
    return re.compile(r"^(?:the\s+)?(?:" + "|".join(_words()["generic_names"]["subjects"]) + r")$", re.IGNORECASE)


@lru_cache(maxsize=1)
def requirement_words() -> re.Pattern[str]:
    """The words by which a sentence states a requirement ("must", "is required")."""
    return re.compile(r"\b(?:" + "|".join(_words()["requirement_words"]["patterns"]) + r")\b", re.IGNORECASE)


@lru_cache(maxsize=1)
def administrative_heading() -> re.Pattern[str]:
    """A sub-heading over administrative terms inside the criteria ("Procedures & Length of Stay")."""
    return re.compile(r"^(?:" + "|".join(f"(?:{p})" for p in _words()["administrative_headings"]["patterns"])
                      + r")\s*:?$", re.IGNORECASE)


@lru_cache(maxsize=1)
def note_words() -> tuple[str, ...]:
    """The words that open an aside among the criteria ("Note:", "NB.")."""
    return tuple(re.escape(w) for w in _words()["notes"])


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


@dataclass(frozen=True)
class FrontMatterWords:
    labels: re.Pattern[str]
    """Every field label, longest first at each place."""
    slots: tuple[tuple[str, re.Pattern[str]], ...]
    """(slot, its labels): which slots a matched label may fill ("Policy" is a number or a title)."""
    document_kinds: frozenset[str]
    notice_before: re.Pattern[str]
    notice_after: re.Pattern[str]
    organization: re.Pattern[str]
    not_payer: re.Pattern[str]


@lru_cache(maxsize=1)
def front_matter_words() -> FrontMatterWords:
    """The labels of a policy's front matter, compiled into one pattern, longest label first at each place."""
    raw = _load("front_matter.json")
    every = sorted({label for labels in raw["labels"].values() for label in labels}, key=lambda p: (-len(p), p))
    labels_re = re.compile(r"(?<![\w&])(?:" + "|".join(f"(?:{p})" for p in every) + r")(?![\w&])", re.IGNORECASE)
    slots = tuple((slot, re.compile("|".join(f"(?:{p})" for p in labels), re.IGNORECASE))
                  for slot, labels in raw["labels"].items())
    notices = raw["notices"]
    suffix = "|".join(f"(?:{s})" for s in raw["organization_suffixes"])
    return FrontMatterWords(
        labels=labels_re,
        slots=slots,
        document_kinds=frozenset(raw["document_kinds"]["words"]),
        notice_before=re.compile(r"(?:" + "|".join(notices["before_name"]) + r")\s*(?:\d{4}[-–,\s]*)*", re.IGNORECASE),
        notice_after=re.compile(r",?\s+(?:inc\.?,?\s+)?(?:" + "|".join(notices["after_name"]) + r")\b", re.IGNORECASE),
        organization=re.compile(rf"^\W*(?P<p>[A-Z][\w&'.-]*(?:\s+[A-Z&][\w&'.-]*){{0,4}}\s+(?:{suffix}))\b"
                                r"(?:\s*[:|,-].*)?$", re.IGNORECASE),
        not_payer=re.compile(r"\b(?:" + "|".join(raw["not_payers"]) + r")\b", re.IGNORECASE),
    )


@lru_cache(maxsize=1)
def payer_aliases() -> tuple[tuple[re.Pattern[str], str], ...]:
    """(alias pattern, canonical name), longest alias first so "Blue Cross Blue Shield of X" beats "Blue Cross"."""
    raw = _load("payers.json")["payers"]
    return _alias_patterns([(alias, name) for name, aliases in raw.items() for alias in [name, *aliases]])


@lru_cache(maxsize=1)
def grading_systems() -> tuple[str, ...]:
    """The grading systems a grade may be named by ("WHO Grade 3")."""
    return tuple(_load("scales.json")["grading_systems"]["names"])


@lru_cache(maxsize=1)
def payer_first_words() -> frozenset[str]:
    """The first word of every payer alias, lowercased: a line holding none of them names no payer (a
    cheap first look before the aliases one by one; most lines of a policy name no payer)."""
    raw = _load("payers.json")["payers"]
    return frozenset(re.sub(r"(?<=[a-z])(?=[A-Z])", " ", alias).split()[0].lower()
                     for name, aliases in raw.items() for alias in [name, *aliases] if alias.split())


@lru_cache(maxsize=1)
def letterhead_aliases() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Names that are a payer only as a letterhead line of their own."""
    raw = _load("payers.json")["letterhead_only"]
    return _alias_patterns([(alias, name) for name, aliases in raw.items() if not name.startswith("_")
                            for alias in aliases])


def _alias_patterns(pairs: list[tuple[str, str]]) -> tuple[tuple[re.Pattern[str], str], ...]:
    compiled = []
    for alias, name in sorted(pairs, key=lambda p: -len(p[0])):
        words = [re.escape(w) for w in re.sub(r"(?<=[a-z])(?=[A-Z])", " ", alias).split()]
        compiled.append((re.compile(r"(?<![\w-])" + r"\s*".join(words) + r"(?![\w-])", re.IGNORECASE), name))
    return tuple(compiled)
