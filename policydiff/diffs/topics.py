"""Policies on one topic: which stored policies belong on one comparison page.

A topic is a set of policies (usually of different payers) whose indications pair with each other by the
comparison's own evidence (`align.score`: the same canonical key, a synonym named in the other's label or
criteria, then fuzzy wording), so that a topic page can set them side by side with `compare()` and find
rows for most of what each policy covers.

Grouping mirrors how `compare()` builds its rows: policies are taken in a fixed order, and each joins the
topic it fits best, scored against that topic's first few members (not just the nearest one, so that a
broad policy cannot chain two unrelated topics together), or starts a new topic. A policy fits a topic
when, on average over those members, most of the two policies' indications pair with confidence.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ..normalized.vocabulary import path_slug
from .align import CONFIDENT, Features, pair, score
from .population import Ages

JOIN = 0.5
"""Mean share of indications paired with confidence, against a topic's sampled members, to join it."""
SAMPLE = 4
"""A topic is represented by its first few members, as a comparison row is by its first few policies."""


@dataclass(frozen=True)
class Candidate:
    """What grouping reads of one policy: its newest version's indications as comparison features."""

    name: str
    """The store name, "payer/policy"."""
    rev: str
    """The version the features come from: overlaps are remembered by the two versions' revisions."""
    title: str | None
    features: tuple[Features, ...]

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(f.base for f in self.features)


@dataclass(frozen=True)
class Topic:
    slug: str
    """A path-safe name for the topic's page, from its most common title."""
    title: str
    members: tuple[str, ...]
    """Store names, in the order they joined (the order the comparison's columns take)."""


def overlap(a: Sequence[Features], b: Sequence[Features]) -> float:
    """Share of both policies' indications that pair with confidence (Dice, 0..1): a one-indication drug
    policy does not join a broad testing policy because the broad one also names its disease."""
    if not a or not b:
        return 0.0
    confident = sum(1 for p in pair(a, b, score, CONFIDENT) if p.left is not None and p.right is not None)
    return 2 * confident / (len(a) + len(b))


Overlaps = dict[tuple[str, str], float]
"""Overlap of two versions, by their revisions (smaller first): kept between site builds, so a rebuild
scores only the pairs that involve a new version."""


def _remembered(memo: Overlaps, used: Overlaps) -> Callable[[Candidate, Candidate], float]:
    def measure(a: Candidate, b: Candidate) -> float:
        key = (a.rev, b.rev) if a.rev <= b.rev else (b.rev, a.rev)
        if key not in memo:
            memo[key] = overlap(a.features, b.features)
        used[key] = memo[key]
        return memo[key]
    return measure


@dataclass
class _Forming:
    """A topic as it forms: its first few members in full (they score newcomers), the rest by name."""

    sample: list[Candidate]
    names: list[str]
    titles: Counter[str]
    first_title: str | None
    first_label: str


def group(candidates: Iterable[Candidate], memo: Overlaps | None = None) -> tuple[list[Topic], Overlaps]:
    """Topics of two or more policies, and the overlaps this grouping used (to remember for next time).

    Candidates are taken in the order given (callers give them by name, so the result does not depend on
    how the store was filled), one at a time: of each topic only its first few members are held, so memory
    follows the number of topics, not of policies. A policy with no indication joins no topic."""
    memo = {} if memo is None else memo
    used: Overlaps = {}
    measure = _remembered(memo, used)
    groups: list[_Forming] = []
    by_key: dict[str, list[int]] = {}
    for c in candidates:
        if not c.features:
            continue
        seen = {g for k in c.keys for g in by_key.get(k, ())}
        best, best_score = None, 0.0
        for g in sorted(seen):
            members = groups[g].sample
            mean = sum(measure(m, c) for m in members) / len(members)
            if mean >= JOIN and mean > best_score:
                best, best_score = g, mean
        title = c.title.strip() if c.title and c.title.strip() else None
        if best is None:
            best = len(groups)
            groups.append(_Forming([], [], Counter(), title, c.features[0].label or c.name))
        forming = groups[best]
        forming.names.append(c.name)
        if title:
            forming.titles[title] += 1
            forming.first_title = forming.first_title or title
        if len(forming.sample) < SAMPLE:
            forming.sample.append(c)
            for k in c.keys:
                listed = by_key.setdefault(k, [])
                if best not in listed:
                    listed.append(best)
    topics, taken = [], Counter[str]()
    for forming in groups:
        if len(forming.names) < 2:
            continue
        title = _title(forming)
        slug = path_slug(title) or "topic"
        taken[slug] += 1
        if taken[slug] > 1:
            slug = f"{slug}-{taken[slug]}"
        topics.append(Topic(slug, title, tuple(forming.names)))
    return topics, used


def _title(forming: _Forming) -> str:
    """The title most members share; else the first member's; else its first indication's label."""
    if forming.titles:
        top = max(forming.titles.values())
        if top > 1:
            return sorted(t for t, n in forming.titles.items() if n == top)[0]
    return forming.first_title or forming.first_label


def features_to_dict(f: Features) -> dict:
    ages = None if f.ages is None else {"lo": f.ages.lo, "hi": None if math.isinf(f.ages.hi) else f.ages.hi,
                                        "said": f.ages.said}
    return {"key": f.key, "base": f.base, "continuation": f.continuation, "label": f.label, "text": f.text,
            "spoken": f.spoken, "ages": ages, "spoken_label": f.spoken_label, "known": f.known, "full": f.full}


def features_from_dict(d: dict) -> Features:
    a = d.get("ages")
    ages = None if a is None else Ages(a["lo"], math.inf if a["hi"] is None else a["hi"], bool(a["said"]))
    return Features(d["key"], d["base"], bool(d["continuation"]), d["label"], d["text"], d["spoken"], ages,
                    d.get("spoken_label", ""), d.get("known"), d.get("full", ""))
