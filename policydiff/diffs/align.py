"""Pairing indications across policies: one-to-one, each pair with its score and how it was found.

Evidence, strongest first: the same canonical key; one policy's indication
named (by any synonym) in the other's label or criteria ("primary
hepatocellular origin" inside "Hepatic lesions"); then fuzzy similarity of
labels and criteria text (rapidfuzz). Pairs below `cutoff` are not made;
pairs below `confident` are made but marked low-confidence, so a report can
show them instead of hiding a doubtful match.
"""
from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from ..normalized.schema import Criterion, Indication, iter_criteria
from ..normalized.vocabulary import mentions, normalize_label

CUTOFF = 0.55
CONFIDENT = 0.75


@dataclass(frozen=True)
class Match:
    left: int | None
    right: int | None
    score: float
    method: str
    """"key", "synonym", "fuzzy", or "" for an unmatched side."""

    @property
    def low_confidence(self) -> bool:
        return self.left is not None and self.right is not None and self.score < CONFIDENT


def criteria_text(ind: Indication) -> str:
    parts = [ind.criteria.text]
    for node, _ in iter_criteria(ind.criteria):
        parts.append(node.text)
    return " ".join(p for p in parts if p)


def score(a: Indication, b: Indication) -> tuple[float, str]:
    """How likely two indications are the same, in [0, 1], and by which evidence."""
    base_a, base_b = a.key.removesuffix("-continuation"), b.key.removesuffix("-continuation")
    same_phase = a.key.endswith("-continuation") == b.key.endswith("-continuation")
    if a.key == b.key:
        return 1.0, "key"
    if base_a == base_b:
        return 0.7, "key"
    text_a, text_b = criteria_text(a), criteria_text(b)
    if same_phase and (mentions(base_a, f"{b.label} {text_b}") or mentions(base_b, f"{a.label} {text_a}")):
        return 0.9, "synonym"
    label_a, label_b = normalize_label(a.label), normalize_label(b.label)
    label_score = max(fuzz.token_set_ratio(label_a, label_b), fuzz.token_sort_ratio(label_a, label_b)) / 100
    text_score = fuzz.token_set_ratio(f"{label_a} {text_a}", f"{label_b} {text_b}") / 100
    combined = 0.6 * label_score + 0.4 * text_score
    return (combined if same_phase else combined * 0.8), "fuzzy"


def align(left: list[Indication], right: list[Indication], cutoff: float = CUTOFF) -> list[Match]:
    """One-to-one pairs (best first), then the unmatched of each side; in left order, right-only last."""
    candidates = sorted(
        ((*score(a, b), i, j) for i, a in enumerate(left) for j, b in enumerate(right)),
        key=lambda c: (-c[0], c[2], c[3]),
    )
    used_left: set[int] = set()
    used_right: set[int] = set()
    pairs: dict[int, Match] = {}
    for value, method, i, j in candidates:
        if value < cutoff or i in used_left or j in used_right:
            continue
        pairs[i] = Match(i, j, round(value, 3), method)
        used_left.add(i)
        used_right.add(j)
    out = [pairs.get(i, Match(i, None, 0.0, "")) for i in range(len(left))]
    out += [Match(None, j, 0.0, "") for j in range(len(right)) if j not in used_right]
    return out


def criterion_pairs(left: list[Criterion], right: list[Criterion], cutoff: float = 0.72) -> list[tuple[int | None, int | None, float]]:
    """Criteria aligned by wording: (left index, right index, similarity), one-to-one."""
    candidates = sorted(
        ((fuzz.token_set_ratio(a.text.lower(), b.text.lower()) / 100, i, j)
         for i, a in enumerate(left) for j, b in enumerate(right)),
        key=lambda c: (-c[0], c[1], c[2]),
    )
    used_l: set[int] = set()
    used_r: set[int] = set()
    out = []
    for value, i, j in candidates:
        if value < cutoff or i in used_l or j in used_r:
            continue
        used_l.add(i)
        used_r.add(j)
        out.append((i, j, value))
    out += [(i, None, 0.0) for i in range(len(left)) if i not in used_l]
    out += [(None, j, 0.0) for j in range(len(right)) if j not in used_r]
    return out
