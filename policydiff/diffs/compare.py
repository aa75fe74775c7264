"""Cross-payer comparison: computed once, rendered many ways (renderers in `render_compare`).

Rows are indications aligned across 2..N policies. Within a row, thresholds
are set side by side per measure and kind of bound, in canonical units,
with the strictest policy named and each limit's role in its own logic
("one of 3 alternatives" is not the same requirement as "required").
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..normalized.schema import Criterion, Indication, Policy, Threshold, iter_criteria
from .align import CUTOFF, Features, Method, matches_query, pair, score, text_score
from .limits import BoundKind, Placed, bound_kind, format_limit, placed_thresholds, stricter
from .verdicts import Eligibility, eligibility


@dataclass(frozen=True)
class PolicyRef:
    payer: str | None
    policy_id: str | None
    title: str | None
    source: str

    @property
    def name(self) -> str:
        return self.payer or self.title or self.source

    @property
    def heading(self) -> str:
        """A column head: payer name and policy title ("Aspirus Health Plan: Cryoablation"), the file only when
        the document names neither."""
        if self.payer and self.title:
            return f"{self.payer}: {self.title}"
        return self.payer or self.title or self.source


@dataclass(frozen=True)
class MeasureRow:
    """One measure and kind of bound, each policy's limit side by side (None where a policy states none)."""

    measure: str
    kind: BoundKind
    values: tuple[Threshold | None, ...]
    roles: tuple[str | None, ...]
    strictest: tuple[int, ...]
    """The cutoff verdict: whose number is tightest."""
    verdict: str
    eligibility: Eligibility = Eligibility("not comparable")
    """The eligibility verdict: whose limit lets fewer patients in, reading each limit's role."""


@dataclass(frozen=True)
class CriteriaRow:
    texts: tuple[str | None, ...]
    similarity: float


@dataclass(frozen=True)
class Row:
    key: str
    labels: tuple[str | None, ...]
    scores: tuple[float | None, ...]
    """Alignment score of each policy's indication to the row (1.0 for the row's first policy)."""
    methods: tuple[Method, ...]
    thresholds: tuple[MeasureRow, ...] = ()
    criteria: tuple[CriteriaRow, ...] = ()

    @property
    def low_confidence(self) -> bool:
        return any(s is not None and s < 0.75 for s in self.scores)


@dataclass(frozen=True)
class Comparison:
    policies: tuple[PolicyRef, ...]
    rows: tuple[Row, ...]

    def summary(self) -> list[dict[str, int]]:
        """Per policy, how many eligibility verdicts make it stricter, looser, depend on other criteria, or
        cannot be made (administrative terms, examples, different kinds of limit)."""
        out = [{"stricter": 0, "looser": 0, "same": 0, "depends": 0, "not_comparable": 0} for _ in self.policies]
        for row in self.rows:
            for m in row.thresholds:
                involved = [k for k, v in enumerate(m.values) if v is not None or row.labels[k] is not None]
                e = m.eligibility
                for k in involved:
                    if e.verdict == "stricter":
                        out[k]["stricter" if k in e.policies else "looser"] += 1
                    elif e.verdict == "same":
                        out[k]["same"] += 1
                    elif e.verdict == "depends":
                        out[k]["depends"] += 1
                    else:
                        out[k]["not_comparable"] += 1
        return out

    @property
    def has_differences(self) -> bool:
        for row in self.rows:
            if any(label is None for label in row.labels):
                return True
            for m in row.thresholds:
                if any(v is None for v in m.values) or len({_value_key(v) for v in m.values}) > 1:
                    return True
            if any(any(t is None for t in c.texts) for c in row.criteria):
                return True
        return False


def _value_key(t: Threshold | None):
    return None if t is None else (t.op, t.value, t.unit)


def policy_ref(policy: Policy, source: str) -> PolicyRef:
    return PolicyRef(policy.payer, policy.policy_id, policy.title, source)


def compare(policies: list[Policy], sources: list[str] | None = None, indication: str | None = None) -> Comparison:
    """Align indications across policies and compare them; `indication` filters rows by a fuzzy query.

    Each payer's initial indications pair one-to-one with the rows so far, scored against every policy
    already in a row (so a third payer's asthma cannot slip under the first payer's atopic dermatitis).
    Its continuation blocks then follow their initial block: a continuation pairs with the continuation of
    the row its initial block joined, whatever either is called ("BP (continuation)" with "Bullous
    Pemphigoid (continuation)"); only a continuation whose initial block found no partner is paired by its
    own evidence.
    """
    sources = sources or [p.document.name for p in policies]
    features = {id(ind): Features.of(ind, p.title) for p in policies for ind in p.indications}
    refs = [policy_ref(p, s) for p, s in zip(policies, sources)]
    rows: list[_Slot] = []
    for k, policy in enumerate(policies):
        inds = policy.indications
        parent = initial_of(inds)
        placed: dict[int, int] = {}  # indication → row
        firsts = [j for j in range(len(inds)) if j not in parent]
        for j, row in _pair_into(rows, [r for r in range(len(rows)) if not rows[r].continuation], firsts, inds,
                                 features, k, continuation=False):
            placed[j] = row
        for j, i in parent.items():
            if i not in placed:
                continue
            host = placed[i]
            follow = next((r for r, slot in enumerate(rows) if slot.parent == host), None)
            if follow is None:
                rows.append(_Slot(k, host))
                follow = len(rows) - 1
            if len(rows[follow].members) == k:
                joined = any(m is not None for m in rows[follow].members)
                rows[follow].add(k, inds[j], rows[host].scores[k] or 1.0 if joined else 1.0,
                                 "continuation" if joined else "first")
                placed[j] = follow
        orphans = [j for j in parent if j not in placed]
        open_rows = [r for r in range(len(rows)) if rows[r].continuation and len(rows[r].members) == k]
        for j, row in _pair_into(rows, open_rows, orphans, inds, features, k, continuation=True):
            placed[j] = row
        for slot in rows:
            slot.pad(k + 1)
    made = [_row(slot.members, slot.scores, slot.methods) for slot in _in_order(rows)]
    if indication:
        made = [r for r in made if matches_query(r.key, r.labels, indication)]
    return Comparison(tuple(refs), tuple(made))


class _Slot:
    """A row being built: one indication (or None) per policy so far, with its score and evidence."""

    def __init__(self, width: int, parent: int | None = None, continuation: bool = False) -> None:
        self.members: list[Indication | None] = [None] * width
        self.scores: list[float | None] = [None] * width
        self.methods: list[Method] = [""] * width
        self.parent = parent
        """The row of the initial block this row continues, for a row of continuation blocks."""
        self.continuation = continuation or parent is not None

    def add(self, k: int, ind: Indication, value: float, method: Method) -> None:
        self.pad(k)
        self.members.append(ind)
        self.scores.append(value)
        self.methods.append(method)

    def pad(self, width: int) -> None:
        while len(self.members) < width:
            self.members.append(None)
            self.scores.append(None)
            self.methods.append("")


def _pair_into(rows: list[_Slot], candidates: list[int], items: list[int], inds: tuple[Indication, ...],
               features: dict[int, Features], k: int, continuation: bool) -> list[tuple[int, int]]:
    """Pair a policy's indications (`items`) one-to-one with rows (`candidates`); the unpaired start rows of
    their own. Returns (indication, row) for each."""
    out = []
    sample = [[features[id(i)] for i in rows[r].members if i is not None][:_SAMPLE] for r in candidates]
    for m in pair(sample, [features[id(inds[j])] for j in items], _row_score, CUTOFF):
        if m.right is None:
            continue
        j = items[m.right]
        if m.left is not None:
            rows[candidates[m.left]].add(k, inds[j], m.score, m.method)
            out.append((j, candidates[m.left]))
        else:
            rows.append(_Slot(k, continuation=continuation))
            rows[-1].add(k, inds[j], 1.0, "first")
            out.append((j, len(rows) - 1))
    return out


def initial_of(indications: tuple[Indication, ...] | list[Indication]) -> dict[int, int]:
    """Each continuation block's initial block (positions): the one of the same name, else the initial
    block just before it, as documents print them ("Bullous Pemphigoid (BP)", then "BP (continuation)")."""
    out: dict[int, int] = {}
    by_key = {ind.key: j for j, ind in enumerate(indications) if not ind.key.endswith("-continuation")}
    last: int | None = None
    for j, ind in enumerate(indications):
        if not ind.key.endswith("-continuation"):
            last = j
            continue
        same = by_key.get(ind.key.removesuffix("-continuation"))
        if same is not None:
            out[j] = same
        elif last is not None:
            out[j] = last
    return out


def _in_order(rows: list[_Slot]) -> list[_Slot]:
    """Rows in the order they were made, each continuation row right after the row it continues."""
    out: list[_Slot] = []
    for r, slot in enumerate(rows):
        if slot.parent is None:
            out.append(slot)
            out += [s for s in rows if s.parent == r]
    return out


_SAMPLE = 4
"""A row is represented by its first few policies' indications: enough to keep a near miss out, few enough
to keep 50 payers fast."""


def _row_score(members: list[Features], candidate: Features) -> tuple[float, Method]:
    """How well an indication fits a row: its mean score against the row's indications, by the best evidence.

    A row that cannot reach the cutoff, even were the members still to score all 1.0, is left early with a
    mean below the cutoff (`pair` drops it): 50 payers make thousands of such hopeless pairs."""
    need = CUTOFF * len(members)
    total, best = 0.0, -1.0
    method: Method = "fuzzy"
    for n, m in enumerate(members):
        value, how = score(m, candidate, floor=need - total - (len(members) - n - 1))
        total += value
        if value > best:
            best, method = value, how
        if total + (len(members) - n - 1) < need:
            return total / len(members) * 0.999, method
    return total / len(members), method


def _row(slot: list[Indication | None], scores: list[float | None], methods: list[Method]) -> Row:
    first = next(i for i in slot if i is not None)
    return Row(first.key, tuple(i.label if i else None for i in slot), tuple(scores), tuple(methods),
               tuple(_measure_rows(slot)), tuple(_criteria_rows(slot)))


RowKey = tuple[str, BoundKind, bool]
"""(measure, kind of bound, example?): examples line up only with examples, never against a requirement."""


def _measure_rows(slot: list[Indication | None]) -> list[MeasureRow]:
    """One row per (measure, bound kind, example or not, n-th occurrence), values side by side."""
    per_policy: list[dict[RowKey, list[Placed]]] = []
    order: list[RowKey] = []
    for ind in slot:
        groups: dict[RowKey, list[Placed]] = {}
        for placed in _bounds(placed_thresholds(ind)) if ind else []:
            key = (placed.threshold.measure, bound_kind(placed.threshold), placed.mode == "example")
            groups.setdefault(key, []).append(placed)
            if key not in order:
                order.append(key)
        per_policy.append(groups)
    present = [i is not None for i in slot]
    rows = []
    for key in order:
        depth = max(len(g.get(key, [])) for g in per_policy)
        twin = (key[0], key[1], not key[2])
        examples = [g.get(twin, [None])[0] if not key[2] else None for g in per_policy]
        for n in range(depth):
            side: list[Placed | None] = [g.get(key, [])[n] if n < len(g.get(key, [])) else None for g in per_policy]
            values = [p.threshold if p else None for p in side]
            strictest, verdict = _strictest(values, slot)
            rows.append(MeasureRow(key[0], key[1], tuple(values), tuple(p.role if p else None for p in side),
                                   tuple(strictest), verdict, eligibility(side, present, examples)))
    return rows


def _bounds(placed: list[Placed]) -> list[Placed]:
    """A range is a lower and an upper bound; compared bound by bound, "13–17" lines up with "≥ 16" and "< 18"."""
    out = []
    for p in placed:
        t = p.threshold
        if t.op == "between" and isinstance(t.value, tuple) and len(t.value) == 2:
            shown = format_limit(t)
            out.append(replace(p, threshold=replace(t, op=">=", value=t.value[0]),
                               role=f"{p.role}; lower bound of {shown}"))
            out.append(replace(p, threshold=replace(t, op="<=", value=t.value[1]),
                               role=f"{p.role}; upper bound of {shown}"))
        else:
            out.append(p)
    return out


def _strictest(values: list[Threshold | None], slot: list[Indication | None]) -> tuple[list[int], str]:
    given = {i: v for i, v in enumerate(values) if v is not None}
    stated = list(given)
    missing = [i for i, v in enumerate(values) if v is None and slot[i] is not None]
    if len(stated) < 2:
        if missing:
            return [], "not specified by " + ", ".join(f"#{i + 1}" for i in missing)
        return [], "only one policy has this indication"
    best = [stated[0]]
    for i in stated[1:]:
        result = stricter(given[i], given[best[0]])
        if result is None:
            return [], "not comparable (different kind of limit or unit)"
        if result == -1:
            best = [i]
        elif result == 0:
            best.append(i)
    # Verify against every other value: a range can be incomparable with one and not another.
    for i in stated:
        if i not in best and stricter(given[best[0]], given[i]) is None:
            return [], "not comparable (different kind of limit or unit)"
    if len(best) == len(stated):
        verdict = "same limit"
    else:
        verdict = "stricter: " + ", ".join(f"#{i + 1}" for i in best)
    if missing:
        verdict += "; not specified by " + ", ".join(f"#{i + 1}" for i in missing)
    return best, verdict


def _leaf_criteria(ind: Indication | None) -> list[Criterion]:
    if ind is None:
        return []
    return [n for n, _ in iter_criteria(ind.criteria) if isinstance(n, Criterion) and not n.thresholds]


def _criteria_rows(slot: list[Indication | None]) -> list[CriteriaRow]:
    """Criteria without thresholds, aligned by wording between the first present policy and each other."""
    present = [i for i, ind in enumerate(slot) if ind is not None]
    if not present:
        return []
    base = present[0]
    base_criteria = _leaf_criteria(slot[base])
    table: dict[int, list[str | None]] = {i: [None] * len(slot) for i in range(len(base_criteria))}
    sims: dict[int, float] = dict.fromkeys(table, 1.0)
    extra: list[CriteriaRow] = []
    for i, c in enumerate(base_criteria):
        table[i][base] = c.text
    base_texts = [c.text for c in base_criteria]
    for k in present[1:]:
        other = [c.text for c in _leaf_criteria(slot[k])]
        for p in pair(base_texts, other, text_score, cutoff=0.72):
            if p.left is not None and p.right is not None:
                table[p.left][k] = other[p.right]
                sims[p.left] = min(sims[p.left], p.score)
            elif p.right is not None:
                texts: list[str | None] = [None] * len(slot)
                texts[k] = other[p.right]
                extra.append(CriteriaRow(tuple(texts), 0.0))
    return [CriteriaRow(tuple(table[i]), sims[i] if sum(t is not None for t in table[i]) > 1 else 0.0)
            for i in sorted(table)] + extra
