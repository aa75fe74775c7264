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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz

from ..normalized.lexicon import number_words
from ..normalized.schema import Criterion, Group, Indication, Policy, Threshold, iter_criteria
from ..normalized.text import one_line
from .align import Method, align, matches_query, pair, text_score
from .limits import bound_kind, format_limit, stricter
from .verdicts import administrative_change, is_administrative

_STOP = {"a", "an", "the", "of", "and", "or", "to", "in", "for", "with", "by", "is", "are", "be", "has", "have"}

Direction = Literal["stricter", "looser", "added", "removed", "changed"]
"""docs/contract.md: "stricter" / "looser" when fewer / more patients qualify. An administrative term
(approval duration, dose, interval) changes who qualifies not at all: its direction is "changed" and
`ThresholdChange.term` says how it moved ("longer", "shorter", "higher", "lower")."""
Classification = Literal["material", "wording", "unread"]
"""Material: eligibility can differ. Wording: the same requirement said differently. Unread: a criterion one
version has and the other has only among its unread lines (see `Reading`): no change at all."""


@dataclass(frozen=True)
class ThresholdChange:
    measure: str
    old: Threshold | None
    new: Threshold | None
    direction: Direction
    """"changed" when the two limits cannot be ordered (different kinds or units)."""
    term: str | None = None
    """Administrative terms only: "longer", "shorter", "higher", "lower" or "changed"."""

    @property
    def administrative(self) -> bool:
        return is_administrative(self.measure)


@dataclass(frozen=True)
class LogicChange:
    where: str
    old: str
    new: str
    direction: Literal["stricter", "looser", "changed"]


@dataclass(frozen=True)
class GroupChange:
    """A branch of criteria added or removed whole ("a PIK3CA-mutated pathway: inavolisib and fulvestrant")."""

    change: Literal["added", "removed"]
    where: str
    """The group's lead-in."""
    alternative: bool
    """One alternative among others (its parent is "any of"), else a requirement."""
    effect: Literal["stricter", "looser"]
    """An added alternative lets more patients in; an added requirement fewer; a removed one the reverse."""
    criteria: tuple[str, ...] = ()
    thresholds: tuple[Threshold, ...] = ()
    logic: str = "all of"


@dataclass(frozen=True)
class CriterionChange:
    old: str | None
    new: str | None
    classification: Classification
    confidence: float | None = None
    """For a reworded criterion: how sure the pairing of old and new is (0.6-1.0); below 0.6 a change is
    reported as one criterion removed and one added instead."""

    @property
    def redline(self) -> list[tuple[str, str]]:
        return redline(self.old or "", self.new or "")


@dataclass(frozen=True)
class IndicationChange:
    key: str
    label: str
    old_label: str
    thresholds: tuple[ThresholdChange, ...] = ()
    criteria: tuple[CriterionChange, ...] = ()
    logic: tuple[LogicChange, ...] = ()
    codes_added: tuple[str, ...] = ()
    codes_removed: tuple[str, ...] = ()
    confidence: float = 1.0
    """How sure the pairing of the old and new indication is."""
    groups: tuple[GroupChange, ...] = ()
    """Branches added or removed whole; their criteria are listed with them, not among `criteria`."""

    @property
    def material(self) -> bool:
        return bool(self.thresholds or self.logic or self.codes_added or self.codes_removed or self.groups
                    or any(c.classification == "material" for c in self.criteria))

    def __bool__(self) -> bool:
        return bool(self.thresholds or self.criteria or self.logic or self.codes_added or self.codes_removed
                    or self.groups)


STATUS_WORDS: dict[str, str] = {
    "medically_necessary": "medically necessary", "investigational": "investigational",
    "not_medically_necessary": "not medically necessary",
    "not_reasonable_and_necessary": "not reasonable and necessary", "all_other_uses": "not covered for other uses",
}


def status_words(status: str) -> str:
    """A coverage status as an analyst says it ("not medically necessary")."""
    return STATUS_WORDS.get(status, status.replace("_", " "))


@dataclass(frozen=True)
class ExclusionChange:
    """A not-covered item in both versions whose kind changed (investigational → not medically necessary)."""

    label: str
    old_status: str
    new_status: str


UNEVEN = 0.15
"""A gap in the share of coverage text read, between two versions, above which a diff says so first."""


@dataclass(frozen=True)
class Reading:
    """How completely each version's coverage text was read (`Policy.accounting`), when the two differ by
    more than `UNEVEN`: what the less completely read version seems to lack may only have gone unread."""

    old_share: float
    new_share: float
    old_unread: int = 0
    new_unread: int = 0

    @property
    def weaker(self) -> Literal["older", "newer"]:
        return "older" if self.old_share < self.new_share else "newer"

    def sentence(self) -> str:
        old, new = f"{self.old_share:.0%}", f"{self.new_share:.0%}"
        side = "added" if self.weaker == "older" else "removed"
        return (f"The {self.weaker} version was read less completely ({old} of the older version's coverage "
                f"lines, {new} of the newer's): what this diff lists as {side} may have been in the {self.weaker} "
                f"version, unread; criteria found among its unread lines are listed apart, not as {side}.")


DateSlot = Literal["effective", "revised", "reviewed", "original"]


@dataclass(frozen=True)
class DateChange:
    slot: DateSlot
    old: str | None
    new: str | None


@dataclass(frozen=True)
class VersionDiff:
    """What changed from one version to the next; always the same buckets, empty and falsy when nothing did."""

    policy: str
    old_rev: str
    new_rev: str
    old_effective: str | None
    new_effective: str | None
    added: tuple[Indication, ...] = ()
    removed: tuple[Indication, ...] = ()
    changed: tuple[IndicationChange, ...] = ()
    codes_added: tuple[str, ...] = ()
    codes_removed: tuple[str, ...] = ()
    dates: tuple[DateChange, ...] = ()
    old_title: str | None = None
    new_title: str | None = None
    payer: str | None = None
    exclusions_added: tuple[Indication, ...] = ()
    """Not-covered items (investigational, not medically necessary) the newer version lists and the older
    does not."""
    exclusions_removed: tuple[Indication, ...] = ()
    exclusions_changed: tuple[ExclusionChange, ...] = ()
    reading: Reading | None = None
    """Set when the two versions were read unevenly (see `Reading`); renderers say so first."""
    unread_added: tuple[str, ...] = ()
    """Indications the newer version has whose labels are among the older version's unread lines: not added,
    only read this time (and `unread_removed` the other way round)."""
    unread_removed: tuple[str, ...] = ()

    @property
    def material(self) -> bool:
        return bool(self.added or self.removed or self.codes_added or self.codes_removed or self.exclusions_added
                    or self.exclusions_removed or self.exclusions_changed or any(c.material for c in self.changed))

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.codes_added or self.codes_removed or self.dates
                    or self.exclusions_added or self.exclusions_removed or self.exclusions_changed)

    def counts(self) -> dict[str, int]:
        """Eligibility changes only: administrative terms move "longer" / "shorter" and are not counted."""
        directions = [t.direction for c in self.changed for t in c.thresholds if not t.administrative] + \
                     [lc.direction for c in self.changed for lc in c.logic] + \
                     [gc.effect for c in self.changed for gc in c.groups]
        return {"stricter": directions.count("stricter"), "looser": directions.count("looser"),
                "indications_added": len(self.added), "indications_removed": len(self.removed),
                "exclusions_added": len(self.exclusions_added), "exclusions_removed": len(self.exclusions_removed)}


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


@lru_cache(maxsize=1)
def _number_pattern() -> re.Pattern[str]:
    words = sorted((w for w in number_words() if w not in ("a", "an")), key=len, reverse=True)
    spelled = "|".join(re.escape(w).replace(r"\ ", r"[\s-]+") for w in words)
    return re.compile(rf"(?<![\w.])(\d+(?:\.\d+)?|(?:{spelled}))(?![\w.])(?!\s+of\b)", re.IGNORECASE)


def numbers(text: str) -> list[float]:
    """The numbers a criterion states, in digits or in words ("FOUR or more" is 4), in order. A count that
    introduces a list ("ONE of the following") is logic, and diffed as logic."""
    spelled = number_words()
    out = []
    for m in _number_pattern().finditer(text):
        token = m.group(1).lower()
        value = spelled.get(re.sub(r"[\s-]+", " ", token), spelled.get(token))
        out.append(float(token) if value is None else float(value))
    return out


def classify_rewording(old: str, new: str) -> Classification:
    """'wording' when only punctuation, case, little words or order changed; else 'material'. A changed
    number is never wording, in digits or in words ("FOUR or more" → "ONE or more")."""
    if numbers(old) != numbers(new):
        return "material"
    if sorted(_words(old)) == sorted(_words(new)):
        return "wording"
    if bool(re.search(r"\bnot?\b", old, re.I)) != bool(re.search(r"\bnot?\b", new, re.I)):
        return "material"
    return "wording" if fuzz.ratio(" ".join(_words(old)), " ".join(_words(new))) >= 92 else "material"


def _limit_score(a: tuple[int, Threshold], b: tuple[int, Threshold]) -> tuple[float, Method]:
    """Limits of one measure and kind: the same limit pairs first, then limits in the same place in the list."""
    (i, t), (j, u) = a, b
    if (t.op, t.value, t.unit) == (u.op, u.value, u.unit):
        return 1.0, "key"
    return 0.5 - 0.001 * abs(i - j), "text"


def _threshold_changes(old: Indication, new: Indication) -> list[ThresholdChange]:
    def grouped(ind: Indication) -> dict[tuple[str, str], list[Threshold]]:
        out: dict[tuple[str, str], list[Threshold]] = {}
        nodes = [ind.criteria, *(n for n, _ in iter_criteria(ind.criteria))]
        for t in (t for n in nodes for t in n.thresholds):
            out.setdefault((t.measure, bound_kind(t)), []).append(t)
        return out

    a, b = grouped(old), grouped(new)
    changes: list[ThresholdChange] = []
    for key in list(dict.fromkeys([*a, *b])):
        olds, news = list(enumerate(a.get(key, []))), list(enumerate(b.get(key, [])))
        for p in pair(olds, news, _limit_score, cutoff=0.0):
            before = olds[p.left][1] if p.left is not None else None
            after = news[p.right][1] if p.right is not None else None
            if before is None:
                changes.append(ThresholdChange(key[0], None, after, "added"))
            elif after is None:
                changes.append(ThresholdChange(key[0], before, None, "removed"))
            elif p.score < 1.0:
                result = stricter(after, before)
                if result == 0:
                    continue
                if is_administrative(key[0]):
                    changes.append(ThresholdChange(key[0], before, after, "changed",
                                                   administrative_change(key[0], before, after)))
                    continue
                direction: Direction = "stricter" if result == -1 else "looser" if result == 1 else "changed"
                changes.append(ThresholdChange(key[0], before, after, direction))
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
    """A criterion's text as compared across versions: one line, lowercase, no closing punctuation."""
    return one_line(text).rstrip(";,.").strip().lower()


REWORDED = 0.6
"""Below this confidence two criteria are not one reworded criterion but one removed and one added."""


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _content(text: str) -> list[str]:
    return [_stem(w) for w in _words(text)]


def meaning_score(a: Criterion, b: Criterion) -> tuple[float, Method]:
    """How likely two criteria are one criterion reworded: shared content words (both ways, so "metastatic
    breast cancer" does not pair with "breast cancer is endocrine-resistant" on two words), their order, and
    whether they limit the same measures."""
    wa, wb = _content(a.text), _content(b.text)
    if not wa or not wb:
        return 0.0, "text"
    shared = len(set(wa) & set(wb))
    dice = 2 * shared / (len(set(wa)) + len(set(wb)))
    order = fuzz.ratio(" ".join(wa), " ".join(wb)) / 100
    ma, mb = {t.measure for t in a.thresholds}, {t.measure for t in b.thresholds}
    if not ma and not mb:
        return 0.7 * dice + 0.3 * order, "text"
    measures = 1.0 if ma == mb else 0.5 if ma & mb else 0.0
    return 0.6 * dice + 0.25 * order + 0.15 * measures, "text"


def _criteria_changes(old: Indication, new: Indication, old_policy: Policy | None = None,
                      new_policy: Policy | None = None, reading: Reading | None = None,
                      skip: frozenset[str] = frozenset()) -> list[CriterionChange]:
    """Criteria added, removed and reworded. Where the versions were read unevenly (`reading`), a criterion
    the weaker version seems to lack but has among its unread lines is "unread", not added or removed."""
    changes = _paired_criteria(old, new, skip)
    if reading is None:
        return changes
    weaker = old_policy if reading.weaker == "older" else new_policy
    unread = _unread_texts(weaker)
    if not unread:
        return changes
    out = []
    for c in changes:
        missing = c.new if reading.weaker == "older" and c.old is None else \
            c.old if reading.weaker == "newer" and c.new is None else None
        out.append(replace(c, classification="unread") if missing and was_unread(missing, unread) else c)
    return out


def _limits(c: Criterion) -> list[tuple[str, str, str, str]]:
    return sorted((t.measure, t.op, str(t.value), t.unit or "") for t in c.thresholds)


_LOGIC_WORDS = re.compile(r"\b(?:all|any|one|both|either|each|at\s+least\s+\w+|\w+\s+or\s+more)\s+(?:of\s+)?"
                          r"(?=the\s+following)", re.IGNORECASE)


def _logic_free(text: str) -> str:
    """A lead-in without its logic words: "must have ONE of the following" is "must have the following"."""
    return _norm(_LOGIC_WORDS.sub("", text))


def _without_unread(changes: list[ThresholdChange], criteria: list[CriterionChange], old: Indication,
                    new: Indication) -> list[ThresholdChange]:
    """Limits of criteria that one version has only among its unread lines are not added or removed."""
    unread = {_norm(c.old or c.new or "") for c in criteria if c.classification == "unread"}
    if not unread:
        return changes
    hidden = [t for ind in (old, new) for c in _criteria(ind) if _norm(c.text) in unread for t in c.thresholds]
    return [c for c in changes if not (c.direction == "added" and c.new in hidden
                                       or c.direction == "removed" and c.old in hidden)]


def _paired_criteria(old: Indication, new: Indication, skip: frozenset[str] = frozenset()) -> list[CriterionChange]:
    """Criteria paired old to new by meaning; `skip` holds texts reported elsewhere (an added group's)."""
    a = [c for c in _criteria(old) if _norm(c.text) not in skip]
    b = [c for c in _criteria(new) if _norm(c.text) not in skip]
    b_norms = {_norm(c.text) for c in b}
    a_norms = {_norm(c.text) for c in a}
    a_left = [c for c in a if _norm(c.text) not in b_norms]
    b_left = [c for c in b if _norm(c.text) not in a_norms]
    changes = []
    for p in pair(a_left, b_left, meaning_score, cutoff=REWORDED):
        if p.left is not None and p.right is not None:
            was, now = a_left[p.left], b_left[p.right]
            if _logic_free(was.text) == _logic_free(now.text):
                continue  # a lead-in whose logic words alone changed: the logic diff speaks for it
            kind = classify_rewording(was.text, now.text)
            if _limits(was) != _limits(now):
                kind = "material"
            changes.append(CriterionChange(was.text, now.text, kind, p.score))
        elif p.left is not None:
            changes.append(CriterionChange(a_left[p.left].text, None, "material"))
        elif p.right is not None:
            changes.append(CriterionChange(None, b_left[p.right].text, "material"))
    return _layout_only(_joined(changes))


def _joined(changes: list[CriterionChange]) -> list[CriterionChange]:
    """Two or more criteria written as one ("Advanced breast cancer", "Metastatic breast cancer" →
    "Advanced or metastatic breast cancer"), or one written as several, with no word added or lost: one
    reworded criterion, wording only."""
    def words(text: str) -> set[str]:
        return set(_content(text))

    out = list(changes)
    for side in ("new", "old"):
        other = "old" if side == "new" else "new"
        for whole in [c for c in out if getattr(c, side)]:
            if whole not in out:
                continue
            target = words(getattr(whole, side))
            parts = [c for c in out if getattr(c, other) and (getattr(c, side) is None or c is whole)
                     and words(getattr(c, other)) <= target]
            if len(parts) < 2 or set().union(*(words(getattr(c, other)) for c in parts)) != target:
                continue
            pieces = " / ".join(getattr(c, other) for c in parts)
            merged = CriterionChange(pieces, whole.new, "wording", 1.0) if side == "new" else \
                CriterionChange(whole.old, pieces, "wording", 1.0)
            out = [c for c in out if c is not whole and c not in parts] + [merged]
    return out


def _layout_only(changes: list[CriterionChange]) -> list[CriterionChange]:
    """Criteria split, joined or moved without a word changed are wording, not a material change: the
    removed and added texts, taken together, hold the same words."""
    removed = [c.old for c in changes if c.new is None and c.old]
    added = [c.new for c in changes if c.old is None and c.new]
    if not removed or not added:
        return changes
    if sorted(_content(" ".join(removed))) != sorted(_content(" ".join(added))):
        return changes
    return [replace(c, classification="wording") if c.old is None or c.new is None else c for c in changes]


def _groups(ind: Indication) -> list[tuple[int, Group]]:
    """Every group of an indication with its position; the root is position 0."""
    return list(enumerate([ind.criteria] + [n for n, _ in iter_criteria(ind.criteria) if isinstance(n, Group)]))


def _group_score(a: tuple[int, Group], b: tuple[int, Group]) -> tuple[float, Method]:
    """The two roots always pair; other groups pair by their lead-in and items' wording."""
    (i, g), (j, h) = a, b
    if i == 0 or j == 0:
        return (1.0, "key") if i == j else (0.0, "")
    return fuzz.token_set_ratio(_group_words(g), _group_words(h)) / 100, "text"


def _logic_changes(old: Indication, new: Indication) -> tuple[list[LogicChange], list[GroupChange]]:
    """Groups paired by their lead-in wording (roots with roots): a changed all/any/at-least-N is material,
    unless the alternatives were only written as one sentence joined by "or" (`said_in_words`). A group of
    new criteria only, with no counterpart, is an added group, reported with its criteria and limits and its
    effect: an added alternative lets more patients in (looser), an added requirement fewer (stricter);
    a removed group the other way round."""
    a, b = _groups(old), _groups(new)
    logic: list[LogicChange] = []
    paired_old: set[int] = set()
    paired_new: set[int] = set()
    for p in pair(a, b, _group_score, cutoff=0.7):
        if p.left is None or p.right is None:
            continue
        paired_old.add(p.left)
        paired_new.add(p.right)
        g, h = a[p.left][1], b[p.right][1]
        if (g.logic, g.min) != (h.logic, h.min) and not said_in_words(g, h):
            logic.append(LogicChange(h.text or g.text or "criteria", g.phrase, h.phrase, _logic_direction(g, h)))
    old_texts = {_norm(c.text) for c in _criteria(old)}
    new_texts = {_norm(c.text) for c in _criteria(new)}
    groups = [*_lone_groups(new, [g for k, g in b if k not in paired_new], old_texts, "added"),
              *_lone_groups(old, [g for k, g in a if k not in paired_old], new_texts, "removed")]
    return logic, groups


def said_in_words(g: Group, h: Group) -> bool:
    """Did one version list alternatives that the other writes as one criterion joined by "or" ("ONE of:
    Advanced; Metastatic" and "Advanced or metastatic")? The logic is the same, only the wording moved."""
    either, other = (g, h) if g.logic == "any" else (h, g) if h.logic == "any" else (None, None)
    if either is None or other is None:
        return False
    leaves = [n for n in either.items if isinstance(n, Criterion)]
    if len(leaves) < 2:
        return False
    words = set().union(*(set(_content(n.text)) for n in leaves))
    return any(isinstance(n, Criterion) and re.search(r"\bor\b", n.text, re.I) and words <= set(_content(n.text))
               for n in other.items)


def _lone_groups(ind: Indication, lone: list[Group], elsewhere: set[str], change: Literal["added", "removed"]) \
        -> list[GroupChange]:
    """Of the groups with no counterpart, the outermost whose criteria the other version has none of."""
    parents: dict[int, Group] = {}
    for node, path in iter_criteria(ind.criteria):
        if isinstance(node, Group):
            parents[id(node)] = path[-1]
    lone_ids = {id(g) for g in lone}
    out = []
    for g in lone:
        inner = [c for c in _criteria(Indication(ind.key, ind.label, g)) if isinstance(c, Criterion)]
        texts = [_norm(g.text)] * bool(g.text) + [_norm(c.text) for c in inner]
        if not inner or any(t in elsewhere for t in texts):
            continue
        parent = parents.get(id(g))
        if parent is None or id(parent) in lone_ids and _all_new(parent, ind, elsewhere):
            continue  # inside a larger lone group: reported with it
        alternative = parent.logic == "any"
        if change == "added":
            effect: Literal["stricter", "looser"] = "looser" if alternative else "stricter"
        else:
            effect = "stricter" if alternative else "looser"
        limits = tuple(t for t in g.thresholds) + tuple(t for c in inner for t in c.thresholds)
        out.append(GroupChange(change, g.text or "(a group without a lead-in)", alternative, effect,
                               tuple(c.text for c in inner if _norm(c.text) != _norm(g.text)), limits, g.phrase))
    return out


def _all_new(g: Group, ind: Indication, elsewhere: set[str]) -> bool:
    inner = _criteria(Indication(ind.key, ind.label, g))
    return bool(inner) and not any(_norm(c.text) in elsewhere for c in inner) and _norm(g.text) not in elsewhere


def _group_texts(changes: Sequence[GroupChange]) -> frozenset[str]:
    return frozenset(_norm(t) for gc in changes for t in (gc.where, *gc.criteria))


def _group_words(g: Group) -> str:
    return g.text + " " + " ".join(n.text for n in g.items)


def _logic_direction(old: Group, new: Group) -> Literal["stricter", "looser", "changed"]:
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


def diff_policies(old: Policy, new: Policy, policy: str = "", old_rev: str = "", new_rev: str = "",
                  old_effective: str | None = None, new_effective: str | None = None) -> VersionDiff:
    """What changed from `old` to `new`. Effective dates default to the documents' own; a store passes the
    version dates it orders by."""
    added: list[Indication] = []
    removed: list[Indication] = []
    changed: list[IndicationChange] = []
    reading = uneven_reading(old, new)
    for m in align(list(old.indications), list(new.indications), cutoff=0.6):
        if m.left is None and m.right is not None:
            added.append(new.indications[m.right])
        elif m.right is None and m.left is not None:
            removed.append(old.indications[m.left])
        elif m.left is not None and m.right is not None:
            a, b = old.indications[m.left], new.indications[m.right]
            logic, groups = _logic_changes(a, b)
            criteria = _criteria_changes(a, b, old, new, reading, _group_texts(groups))
            change = IndicationChange(b.key, b.label, a.label, tuple(_without_unread(_threshold_changes(a, b),
                                                                                     criteria, a, b)),
                                      tuple(criteria), tuple(logic), tuple(sorted(set(b.codes) - set(a.codes))),
                                      tuple(sorted(set(a.codes) - set(b.codes))), m.score, tuple(groups))
            if change:
                changed.append(change)
    unread_added: list[str] = []
    unread_removed: list[str] = []
    if reading is not None:
        added, unread_added = _split_unread(added, old if reading.weaker == "older" else None)
        removed, unread_removed = _split_unread(removed, new if reading.weaker == "newer" else None)
    old_codes, new_codes = {c.code for c in old.codes}, {c.code for c in new.codes}
    slots: tuple[DateSlot, ...] = ("effective", "revised", "reviewed", "original")
    dates = tuple(DateChange(slot, getattr(old.dates, slot), getattr(new.dates, slot))
                  for slot in slots if getattr(old.dates, slot) != getattr(new.dates, slot))
    excl_added, excl_removed, excl_changed = exclusion_changes(old.exclusions, new.exclusions)
    return VersionDiff(policy or new.policy_id or "", old_rev, new_rev,
                       old_effective if old_effective is not None else old.dates.effective,
                       new_effective if new_effective is not None else new.dates.effective,
                       tuple(added), tuple(removed), tuple(changed),
                       tuple(sorted(new_codes - old_codes)), tuple(sorted(old_codes - new_codes)), dates,
                       old.title, new.title, new.payer or old.payer, excl_added, excl_removed, excl_changed,
                       reading, tuple(unread_added), tuple(unread_removed))


def exclusion_changes(old: Sequence[Indication], new: Sequence[Indication]) \
        -> tuple[tuple[Indication, ...], tuple[Indication, ...], tuple[ExclusionChange, ...]]:
    """Not-covered items added, removed, and kept with another kind. Items pair by key, then by their words
    (a label tidied between versions is the same item, not one removed and one added)."""
    old_keys = {x.key: x for x in old}
    new_keys = {x.key: x for x in new}
    changed = [ExclusionChange(x.label, old_keys[x.key].status, x.status) for x in new
               if x.key in old_keys and old_keys[x.key].status != x.status]
    left = [x for x in old if x.key not in new_keys]
    right = [x for x in new if x.key not in old_keys]
    added, removed = [], []
    for p in pair([_norm(x.label) for x in left], [_norm(x.label) for x in right], text_score, cutoff=EXCLUSION_SAME):
        if p.left is not None and p.right is not None:
            a, b = left[p.left], right[p.right]
            if a.status != b.status:
                changed.append(ExclusionChange(b.label, a.status, b.status))
        elif p.left is not None:
            removed.append(left[p.left])
        elif p.right is not None:
            added.append(right[p.right])
    return tuple(added), tuple(removed), tuple(changed)


EXCLUSION_SAME = 0.92
"""Two not-covered items whose words agree this closely are one item reworded."""


def uneven_reading(old: Policy, new: Policy) -> Reading | None:
    """A `Reading` when both versions say how much of their coverage text was read and the shares differ
    by more than `UNEVEN`; None otherwise (a version read before the accounting existed says nothing)."""
    a, b = old.accounting, new.accounting
    if not a.coverage_lines or not b.coverage_lines:
        return None
    if abs(a.share_read - b.share_read) <= UNEVEN:
        return None
    return Reading(round(a.share_read, 3), round(b.share_read, 3), len(a.unread), len(b.unread))


def _unread_texts(policy: Policy | None) -> list[str]:
    return [] if policy is None else [_norm(u.text) for u in policy.accounting.unread if u.text.strip()]


def was_unread(text: str, unread: Sequence[str]) -> bool:
    """Is a criterion among a version's unread lines? Its words there, whole (a criterion wrapped over
    several lines is found in their run), or one line that is most of it."""
    norm = _norm(text)
    if not norm or not unread:
        return False
    if norm in " ".join(unread):
        return True
    return any(len(line) >= 12 and fuzz.token_set_ratio(norm, line) >= 90 for line in unread)


def _split_unread(indications: list[Indication], weaker: Policy | None) -> tuple[list[Indication], list[str]]:
    unread = _unread_texts(weaker)
    if not unread:
        return indications, []
    kept = [i for i in indications if not was_unread(i.label, unread)]
    return kept, [i.label for i in indications if was_unread(i.label, unread)]


def only_indications(d: VersionDiff, query: str) -> VersionDiff:
    """The diff limited to the indications a fuzzy `query` names (as `compare --indication` does); codes,
    dates and not-covered items, which belong to the whole policy, are left out."""
    return replace(d, added=tuple(i for i in d.added if matches_query(i.key, [i.label], query)),
                   removed=tuple(i for i in d.removed if matches_query(i.key, [i.label], query)),
                   changed=tuple(c for c in d.changed if matches_query(c.key, [c.label, c.old_label], query)),
                   codes_added=(), codes_removed=(), dates=(), exclusions_added=(), exclusions_removed=(),
                   exclusions_changed=(), unread_added=(), unread_removed=())


def describe_threshold(change: ThresholdChange) -> str:
    old = format_limit(change.old) if change.old else "none"
    new = format_limit(change.new) if change.new else "none"
    if change.term:
        return f"{change.measure}: {old} → {new} ({change.term}; an administrative term, not eligibility)"
    return f"{change.measure}: {old} → {new} ({change.direction})"


@dataclass(frozen=True)
class Report:
    """An annual review: every version effective in a window, diffed against the one before it.

    `diffs` may be lazy (the store's history reads them one policy at a time) and is meant to be read
    once, by a renderer that keeps of each only a `ReportEntry`: memory then follows one policy's history,
    not the store's.
    """

    since: str | None
    until: str | None
    reviewed: tuple[str, ...] = ()
    """Every policy with a version in the window."""
    diffs: Iterable[VersionDiff] = ()
    payers: tuple[tuple[str, str], ...] = ()
    """(payer slug, payer name) for the policies reviewed."""

    def summary(self) -> dict[str, int]:
        return summarize(self.reviewed, [ReportEntry.of(d) for d in self.diffs if d])


@dataclass(frozen=True)
class ReportEntry:
    """What a report's totals and contents need of one changed version (its body is rendered and set aside)."""

    policy: str
    payer: str | None
    title: str | None
    old_effective: str | None
    new_effective: str | None
    old_rev: str
    new_rev: str
    material: bool
    counts: dict[str, int]

    @classmethod
    def of(cls, d: VersionDiff) -> ReportEntry:
        return cls(d.policy, d.payer, d.new_title, d.old_effective, d.new_effective, d.old_rev, d.new_rev,
                   d.material, d.counts())

    @property
    def payer_slug(self) -> str:
        return self.policy.split("/")[0]


def summarize(reviewed: Sequence[str], entries: Sequence[ReportEntry]) -> dict[str, int]:
    """A report's totals from its changed versions."""
    totals = {"policies_reviewed": len(reviewed), "policies_changed": len({e.policy for e in entries}),
              "changed_materially": len({e.policy for e in entries if e.material}), "stricter": 0, "looser": 0,
              "indications_added": 0, "indications_removed": 0, "exclusions_added": 0, "exclusions_removed": 0}
    for e in entries:
        for k, v in e.counts.items():
            totals[k] += v
    return totals


@dataclass(frozen=True)
class BlameLine:
    """A criterion of the newest version and the version that introduced its current wording."""

    text: str
    rev: str
    effective: str | None


def blame(history: list[tuple[str, str | None, Policy]]) -> list[BlameLine]:
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
            out.append(BlameLine(f"{ind.label}: {c.text}", rev, effective))
    return out
