"""Pairing things across two policies: one one-to-one pass, used for indications, criteria, groups and limits.

`pair(left, right, scorer, cutoff)` scores every left × right combination,
takes the best pairs first (ties broken by document order), never uses an
item twice, and refuses pairs below `cutoff`; what is left unpaired becomes
only-left / only-right. Each caller supplies its own evidence as a scorer.

For indications the evidence, strongest first, is: the same canonical key;
one policy's indication named (by any synonym) in the other's label or
criteria ("primary hepatocellular origin" inside "Hepatic lesions"); then
fuzzy similarity of labels and criteria text (rapidfuzz). Pairs below
`CONFIDENT` are made but marked low-confidence, so a report can show them
instead of hiding a doubtful match.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, TypeVar

from rapidfuzz import fuzz

from ..normalized.schema import Indication, iter_criteria
from ..normalized.vocabulary import content_words, known_key, mentions, normalize_label
from .population import Ages, ages_of, fit, without_population

CUTOFF = 0.55
CONFIDENT = 0.75

A = TypeVar("A")
B = TypeVar("B")
Method = Literal["key", "synonym", "population", "fuzzy", "text", "continuation", "first", ""]


@dataclass(frozen=True)
class Pair:
    """Positions of a left and a right item (None for the side that has none), the score and its evidence."""

    left: int | None
    right: int | None
    score: float
    method: Method = ""

    @property
    def low_confidence(self) -> bool:
        return self.left is not None and self.right is not None and self.score < CONFIDENT


Match = Pair
"""An indication pair (the name comparison code has always used)."""


def pair(left: Sequence[A], right: Sequence[B], scorer: Callable[[A, B], tuple[float, Method]],
         cutoff: float) -> list[Pair]:
    """One-to-one pairs, best first; returned in left order, then the right items left unpaired.

    Greedy best-first is optimal enough here: lists are short, and a document
    author's near-duplicates are rare; what matters is that a strong pair is
    never broken up to make two weak ones.
    """
    candidates = []
    for i, a in enumerate(left):
        for j, b in enumerate(right):
            value, method = scorer(a, b)
            if value >= cutoff:
                candidates.append((value, i, j, method))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    by_left: dict[int, Pair] = {}
    used_right: set[int] = set()
    for value, i, j, method in candidates:
        if i in by_left or j in used_right:
            continue
        by_left[i] = Pair(i, j, round(value, 3), method)
        used_right.add(j)
    out = [by_left.get(i, Pair(i, None, 0.0)) for i in range(len(left))]
    return out + [Pair(None, j, 0.0) for j in range(len(right)) if j not in used_right]


def criteria_text(ind: Indication) -> str:
    parts = [ind.criteria.text]
    for node, _ in iter_criteria(ind.criteria):
        parts.append(node.text)
    return " ".join(p for p in parts if p)


@dataclass(frozen=True)
class Features:
    """What indication scoring reads, computed once per indication (a comparison scores each many times)."""

    key: str
    base: str
    continuation: bool
    label: str
    text: str
    spoken: str
    """The criteria, normalized and padded with spaces, for whole-word synonym look-ups."""
    ages: Ages | None = None
    """Who the indication is for (`population.ages_of`)."""
    spoken_label: str = ""
    """The label, normalized and padded, for the same look-ups."""
    known: str | None = None
    """The vocabulary's key for the label itself, where it has one."""
    full: str = ""
    """Label and criteria text, as fuzzy matching reads them."""

    @classmethod
    def of(cls, ind: Indication, title: str | None = None) -> Features:
        base = ind.key.removesuffix("-continuation")
        text = criteria_text(ind)
        return cls(ind.key, base, ind.key.endswith("-continuation"),
                   content_words(without_population(normalize_label(ind.label))),
                   text,
                   " " + normalize_label(text) + " ", ages_of(ind, title),
                   " " + normalize_label(ind.label) + " ", known_key(ind.label), f"{normalize_label(ind.label)} {text}")

    def names(self, key: str) -> bool:
        """Does this indication name `key` by a synonym: in its criteria, or in its label unless the label
        is a different indication of the vocabulary ("Revisional bariatric surgery" names bariatric
        surgery, but is bariatric revision surgery)?"""
        if _mentions(key, self.spoken):
            return True
        return self.known in (None, key) and _mentions(key, self.spoken_label)


@lru_cache(maxsize=65536)
def _mentions(key: str, spoken: str) -> bool:
    """`mentions` over normalized text, remembered: rows are scored against every payer's indications."""
    return mentions(key, spoken, normalized=True)


POPULATION = 0.15
"""What the same population (both for adults, both for minors) adds to a pair's score."""


def score(a: Indication | Features, b: Indication | Features, floor: float = 0.0) -> tuple[float, Method]:
    """How likely two indications are the same, in [0, 1], and by which evidence.

    The same key, then one named inside the other, decide alone. Otherwise the population comes first:
    an adult indication never pairs with one for adolescents, and two for the same population gain
    `POPULATION` before wording counts; wording is the labels' and the criteria's fuzzy similarity, the
    labels without their population words ("in adults" is counted once, as the population). A pair that
    cannot reach `floor` whatever its criteria say is given a score below `floor` without comparing the
    criteria (the costly part): callers drop it anyway.
    """
    fa = a if isinstance(a, Features) else Features.of(a)
    fb = b if isinstance(b, Features) else Features.of(b)
    same_phase = fa.continuation == fb.continuation
    if fa.key == fb.key:
        return 1.0, "key"
    population = fit(fa.ages, fb.ages)
    if fa.base == fb.base and population != "conflict":
        return 0.7, "key"
    if same_phase and population != "conflict" and (fb.names(fa.base) or fa.names(fb.base)):
        return 0.9, "synonym"
    label_score = fuzz.token_ratio(fa.label, fb.label) / 100  # the better of token-set and token-sort
    phase = 1.0 if same_phase else 0.8
    damp = 0.5 if population == "conflict" else 1.0
    best = (0.6 * label_score + 0.4) * phase * damp + (POPULATION if population == "same" else 0.0)
    if best < floor:
        return best * 0.999, "fuzzy"
    text_score = fuzz.token_set_ratio(fa.full, fb.full) / 100
    combined = (0.6 * label_score + 0.4 * text_score) * phase
    if population == "conflict":
        return combined * 0.5, "population"
    if population == "same":
        return min(combined + POPULATION, 0.89), "population"
    return combined, "fuzzy"


def align(left: Sequence[Indication], right: Sequence[Indication], cutoff: float = CUTOFF) -> list[Pair]:
    """Indications paired across two policies, in left order, right-only last."""
    return pair(left, right, score, cutoff)


def text_score(a: str, b: str) -> tuple[float, Method]:
    """Similarity of two criteria by their words, order-insensitive."""
    return fuzz.token_set_ratio(a.lower(), b.lower()) / 100, "text"


def matches_query(key: str, labels: Sequence[str | None], query: str) -> bool:
    """Does a fuzzy `--indication` query name this indication (its key or any of its labels)?"""
    q = query.lower().strip()
    names = [key.replace("-", " ")] + [label.lower() for label in labels if label]
    return any(q in name or fuzz.partial_ratio(q, name) >= 80 for name in names)
