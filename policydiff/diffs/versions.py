"""What changed between two versions of one policy, and whether it matters.

Every change gets a classification:
- material: eligibility can differ (a limit, the logic, a criterion, an
  indication or a code was added, removed or changed in meaning);
- wording: the same requirement said differently (a near-identical
  criterion: punctuation, case, articles, re-lettering);
- cosmetic: dates, layout, line wrapping.
`material` on the diff is true when any change is material. "Stricter"
means fewer patients qualify under the newer version.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from ..normalized.schema import Criterion, Group, Indication, Policy, Threshold, iter_criteria
from .align import align, criterion_pairs
from .limits import bound_kind, format_limit, stricter

_STOP = {"a", "an", "the", "of", "and", "or", "to", "in", "for", "with", "by", "is", "are", "be", "has", "have"}


@dataclass
class ThresholdChange:
    measure: str
    old: Threshold | None
    new: Threshold | None
    direction: str
    """"stricter", "looser", "added", "removed" or "changed" (not comparable)."""


@dataclass
class LogicChange:
    where: str
    old: str
    new: str
    direction: str


@dataclass
class CriterionChange:
    old: str | None
    new: str | None
    classification: str
    """"material" or "wording"."""

    @property
    def redline(self) -> list[tuple[str, str]]:
        return redline(self.old or "", self.new or "")


@dataclass
class IndicationChange:
    key: str
    label: str
    old_label: str
    thresholds: list[ThresholdChange] = field(default_factory=list)
    criteria: list[CriterionChange] = field(default_factory=list)
    logic: list[LogicChange] = field(default_factory=list)
    codes_added: list[str] = field(default_factory=list)
    codes_removed: list[str] = field(default_factory=list)

    @property
    def material(self) -> bool:
        return bool(self.thresholds or self.logic or self.codes_added or self.codes_removed
                    or any(c.classification == "material" for c in self.criteria))

    def __bool__(self) -> bool:
        return bool(self.thresholds or self.criteria or self.logic or self.codes_added or self.codes_removed)


@dataclass
class VersionDiff:
    policy: str
    old_rev: str
    new_rev: str
    old_effective: str | None
    new_effective: str | None
    added: list[Indication] = field(default_factory=list)
    removed: list[Indication] = field(default_factory=list)
    changed: list[IndicationChange] = field(default_factory=list)
    codes_added: list[str] = field(default_factory=list)
    codes_removed: list[str] = field(default_factory=list)
    dates: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    old_title: str | None = None
    new_title: str | None = None

    @property
    def material(self) -> bool:
        return bool(self.added or self.removed or self.codes_added or self.codes_removed
                    or any(c.material for c in self.changed))

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.codes_added or self.codes_removed or self.dates)

    def counts(self) -> dict[str, int]:
        directions = [t.direction for c in self.changed for t in c.thresholds] + \
                     [lc.direction for c in self.changed for lc in c.logic]
        return {"stricter": directions.count("stricter"), "looser": directions.count("looser"),
                "indications_added": len(self.added), "indications_removed": len(self.removed)}


def redline(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level diff as (op, text) with op in "=", "-", "+": whole words only, never mid-word."""
    a, b = re.findall(r"\S+", old), re.findall(r"\S+", new)
    out: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(("=", " ".join(a[i1:i2])))
        else:
            if i2 > i1:
                out.append(("-", " ".join(a[i1:i2])))
            if j2 > j1:
                out.append(("+", " ".join(b[j1:j2])))
    return out


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP]


def classify_rewording(old: str, new: str) -> str:
    """'wording' when only punctuation, case, little words or order changed; else 'material'."""
    if sorted(_words(old)) == sorted(_words(new)):
        return "wording"
    if re.findall(r"\d+(?:\.\d+)?", old) != re.findall(r"\d+(?:\.\d+)?", new):
        return "material"
    if bool(re.search(r"\bnot?\b", old, re.I)) != bool(re.search(r"\bnot?\b", new, re.I)):
        return "material"
    return "wording" if fuzz.ratio(" ".join(_words(old)), " ".join(_words(new))) >= 92 else "material"


def _threshold_changes(old: Indication, new: Indication) -> list[ThresholdChange]:
    def grouped(ind: Indication) -> dict[tuple[str, str], list[Threshold]]:
        out: dict[tuple[str, str], list[Threshold]] = {}
        for t in [t for t in ind.criteria.thresholds] + [t for n, _ in iter_criteria(ind.criteria) for t in n.thresholds]:
            out.setdefault((t.measure, bound_kind(t)), []).append(t)
        return out

    a, b = grouped(old), grouped(new)
    changes = []
    for key in list(dict.fromkeys([*a, *b])):
        olds, news = a.get(key, []), b.get(key, [])
        unmatched_new = list(news)
        for t in olds:
            if t in unmatched_new:
                unmatched_new.remove(t)
                continue
            same_value = next((n for n in unmatched_new if (n.op, n.value, n.unit) == (t.op, t.value, t.unit)), None)
            if same_value is not None:
                unmatched_new.remove(same_value)
                continue
            partner = unmatched_new.pop(0) if unmatched_new else None
            if partner is None:
                changes.append(ThresholdChange(key[0], t, None, "removed"))
                continue
            result = stricter(partner, t)
            direction = {-1: "stricter", 1: "looser", 0: None}.get(result, "changed") if result is not None else "changed"
            if direction:
                changes.append(ThresholdChange(key[0], t, partner, direction))
        changes += [ThresholdChange(key[0], None, n, "added") for n in unmatched_new]
    return changes


def _criteria(ind: Indication) -> list[Criterion]:
    """Every stated condition, including a group's own lead-in ("Patient has a PIK3CA mutation" over its list)."""
    out = []
    for node, _ in iter_criteria(ind.criteria):
        if isinstance(node, Criterion):
            out.append(node)
        elif node.text and not re.fullmatch(r"\W*(?:and|or)?\W*(?:(?:all|any|one|both|either|at least \w+)\s+)?"
                                            r"(?:of\s+)?the following\W*", node.text, re.I):
            out.append(Criterion(node.text, node.thresholds, node.source))
    return out


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().rstrip(";,.").strip().lower()


def _criteria_changes(old: Indication, new: Indication) -> list[CriterionChange]:
    a = [c for c in _criteria(old)]
    b = [c for c in _criteria(new)]
    b_norms = {_norm(c.text) for c in b}
    a_norms = {_norm(c.text) for c in a}
    a_left = [c for c in a if _norm(c.text) not in b_norms]
    b_left = [c for c in b if _norm(c.text) not in a_norms]
    changes = []
    for i, j, sim in criterion_pairs(a_left, b_left, cutoff=0.7):
        if i is not None and j is not None:
            changes.append(CriterionChange(a_left[i].text, b_left[j].text,
                                           classify_rewording(a_left[i].text, b_left[j].text)))
        elif i is not None:
            changes.append(CriterionChange(a_left[i].text, None, "material"))
        else:
            changes.append(CriterionChange(None, b_left[j].text, "material"))
    return changes


def _logic_of(group: Group) -> str:
    return f"at least {group.min} of" if group.min else ("any of" if group.logic == "any" else "all of")


def _logic_changes(old: Indication, new: Indication) -> list[LogicChange]:
    """Groups paired by their lead-in wording (or position); a changed all/any/at-least-N is material."""
    def groups(ind: Indication) -> list[Group]:
        return [ind.criteria] + [n for n, _ in iter_criteria(ind.criteria) if isinstance(n, Group)]

    a, b = groups(old), groups(new)
    changes = []
    used: set[int] = set()
    for index, g in enumerate(a):
        best, best_score = None, 0.0
        for j, h in enumerate(b):
            if j in used:
                continue
            score = 1.0 if index == 0 and j == 0 else fuzz.token_set_ratio(_group_words(g), _group_words(h)) / 100
            if score > best_score:
                best, best_score = j, score
        if best is None or best_score < 0.7:
            continue
        used.add(best)
        h = b[best]
        if (g.logic, g.min) != (h.logic, h.min):
            changes.append(LogicChange(h.text or g.text or "criteria", _logic_of(g), _logic_of(h),
                                       _logic_direction(g, h)))
    return changes


def _group_words(g: Group) -> str:
    return g.text + " " + " ".join(n.text for n in g.items)


def _logic_direction(old: Group, new: Group) -> str:
    """all → any lets more patients through (looser); any → all fewer (stricter); at least N likewise."""
    def demand(g: Group) -> float:
        if g.logic == "all":
            return float(len(g.items) or 1)
        return float(g.min or 1)
    before, after = demand(old), demand(new)
    if after > before:
        return "stricter"
    if after < before:
        return "looser"
    return "changed"


def diff_policies(old: Policy, new: Policy, policy: str = "", old_rev: str = "", new_rev: str = "") -> VersionDiff:
    result = VersionDiff(policy or new.policy_id or "", old_rev, new_rev, old.dates.effective, new.dates.effective,
                         old_title=old.title, new_title=new.title)
    matches = align(list(old.indications), list(new.indications), cutoff=0.6)
    for m in matches:
        if m.left is None:
            result.added.append(new.indications[m.right])
        elif m.right is None:
            result.removed.append(old.indications[m.left])
        else:
            a, b = old.indications[m.left], new.indications[m.right]
            change = IndicationChange(b.key, b.label, a.label, _threshold_changes(a, b), _criteria_changes(a, b),
                                      _logic_changes(a, b), sorted(set(b.codes) - set(a.codes)),
                                      sorted(set(a.codes) - set(b.codes)))
            if change:
                result.changed.append(change)
    old_codes, new_codes = {c.code for c in old.codes}, {c.code for c in new.codes}
    result.codes_added, result.codes_removed = sorted(new_codes - old_codes), sorted(old_codes - new_codes)
    for slot in ("effective", "revised", "reviewed", "original"):
        before, after = getattr(old.dates, slot), getattr(new.dates, slot)
        if before != after:
            result.dates[slot] = (before, after)
    return result


def describe_threshold(change: ThresholdChange) -> str:
    old = format_limit(change.old) if change.old else "none"
    new = format_limit(change.new) if change.new else "none"
    return f"{change.measure}: {old} → {new} ({change.direction})"


def blame(history: list[tuple[str, str | None, Policy]]) -> list[tuple[str, str, str | None]]:
    """For each criterion of the newest version, the version that introduced its current wording.

    `history` is (rev, effective, policy), oldest first. A criterion's wording
    dates from the earliest version of the unbroken run of versions, ending at
    the newest, that all contain it (git blame, for criteria).
    """
    if not history:
        return []
    newest = history[-1][2]
    texts = [{_norm(c.text) for ind in p.indications for c in _criteria(ind)} for _, _, p in history]
    out = []
    for ind in newest.indications:
        for c in _criteria(ind):
            key = _norm(c.text)
            start = len(history) - 1
            while start > 0 and key in texts[start - 1]:
                start -= 1
            rev, effective, _ = history[start]
            out.append((f"{ind.label}: {c.text}", rev, effective))
    return out
