"""A stored version as rows of the SQLite export's tables (`policydiff export`): plain dicts, one per row.

Ids are text and stable, made from the version's revision and a node's place in it, the same as the
site's anchors ("v-3f2a9c01d4e5-i1-2.1" is indication 1, node 2.1 of version 3f2a9c01d4e5): a re-export
adds rows for new versions without renumbering old ones, and a row names where it is on the site.
The tables and their columns are described by `TABLES` (also written into the export as `about`).
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..diffs.limits import format_limit, placed_thresholds
from ..diffs.verdicts import is_administrative
from ..diffs.versions import VersionDiff
from ..normalized.schema import Criterion, Group, Indication, Policy, Source, Threshold
from .site import Stamp, criterion_id

Row = dict[str, Any]

TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "policies": ("One row per stored policy (PAYER/POLICY in the store).", {
        "name": "store name, payer-slug/policy-slug",
        "payer": "payer name of the newest version",
        "policy_id": "the payer's policy number",
        "title": "title of the newest version",
        "kind": "medical_policy, payment_policy, billing_article, drug_list or no_covered_criteria",
        "versions": "number of stored versions",
        "newest_effective": "effective date of the newest version",
        "newest_rev": "the newest version (versions.rev)",
    }),
    "versions": ("One row per stored version (a git commit of the store).", {
        "rev": "the version's commit",
        "policy": "policies.name",
        "position": "1 for the oldest version of its policy, by effective date",
        "effective": "the version's date, which versions are ordered by",
        "date_source": "where that date came from: document, manifest, flag, file name, capture date",
        "revised": "revised date the document states", "reviewed": "reviewed date the document states",
        "original": "first effective date the document states",
        "payer": "payer as stored in this version", "policy_id": "policy number in this version",
        "title": "title in this version", "kind": "kind of document (see policies.kind)",
        "document": "file the version was read from", "format": "pdf, text or markdown",
        "sha256": "SHA-256 of that file", "pages": "pages (PDFs)",
        "coverage_lines": "lines of coverage text", "read_lines": "of which read into criteria",
        "unread_lines": "coverage lines not read (listed in unread)", "warnings": "extraction warnings, one per line",
    }),
    "indications": ("Covered indications of each version.", {
        "id": "v-REV12-iN", "version": "versions.rev", "position": "order in the document, from 1",
        "key": "canonical key, the same across payers and versions", "label": "name as the document writes it",
        "status": "medically_necessary or the document's own kind of coverage",
        "source_page": "page (PDFs)", "source_line": "line",
    }),
    "criteria": ("Every node of every indication's criteria tree: groups (all of / any of / at least N of) and "
                 "criteria.", {
        "id": "v-REV12-iN-PATH", "indication": "indications.id", "version": "versions.rev",
        "parent": "criteria.id of the enclosing group (null for the indication's own group)",
        "path": "1-based tree path, e.g. 2.1 (0 is the indication's own group)", "depth": "0 for the root",
        "node": "group or criterion", "logic": "groups: all or any", "min": "groups: N of 'at least N of'",
        "text": "the criterion's words, or a group's lead-in", "negated": "the criterion requires an absence",
        "role": "groups: all of / any of / at least N of; criteria: required, or one of N alternatives",
        "source_page": "page (PDFs)", "source_line": "line",
    }),
    "thresholds": ("Every limit (measure, operator, value, unit) read from a criterion.", {
        "id": "criteria.id-tN", "criterion": "criteria.id", "indication": "indications.id", "version": "versions.rev",
        "measure": "snake_case measure (bmi, lesion_size, psa, age, ...)",
        "op": "<, <=, >, >=, = or between", "value": "the number, for one-number limits",
        "low": "between: the lower bound", "high": "between: the upper bound",
        "value_text": "the value as stored when it is not a number (a stage such as T2b)",
        "unit": "canonical unit (cm, kg/m2, years, ...)",
        "limit_text": "the limit as policydiff prints it, e.g. ≥ 40 kg/m2",
        "role": "its role in the logic: required, one of N alternatives, ...",
        "mode": "required, alternative, at_least, negated or example",
        "example": "given only as an example, not a requirement",
        "administrative": "an administrative term (approval duration, dose), not an eligibility limit",
        "text": "the words the limit was read from", "source_page": "page (PDFs)", "source_line": "line",
    }),
    "codes": ("CPT/HCPCS codes of each version: the policy's own list, and the codes tied to an indication.", {
        "id": "v-REV12-cN", "version": "versions.rev", "indication": "indications.id, or null for the policy's list",
        "system": "CPT, HCPCS, ...", "code": "the code", "description": "as the document describes it",
        "prior_auth": "the document says prior authorization is required",
    }),
    "exclusions": ("What each version names as not covered (investigational, not medically necessary, ...).", {
        "id": "v-REV12-xN", "version": "versions.rev", "position": "order in the document, from 1",
        "key": "canonical key", "label": "as written", "status": "investigational, not_medically_necessary, ...",
        "source_page": "page (PDFs)", "source_line": "line",
    }),
    "unread": ("Coverage text (lines, or numbers) that the reader could not place: nothing was taken from it.", {
        "id": "v-REV12-uN", "version": "versions.rev", "what": "line or number", "page": "page (PDFs)",
        "line": "line", "text": "the text", "reason": "why it was not read",
    }),
    "version_diffs": ("Each version against the one before it (the same diff as `policydiff diff`).", {
        "id": "FROM12..TO12", "policy": "policies.name", "from_rev": "versions.rev", "to_rev": "versions.rev",
        "from_effective": "date of the older version", "to_effective": "date of the newer version",
        "material": "eligibility can differ (not only wording, layout or dates)",
        "stricter": "limits or logic that let fewer patients in", "looser": "that let more in",
        "indications_added": "count", "indications_removed": "count",
    }),
    "diff_changes": ("Every change a version diff holds, one per row.", {
        "id": "version_diffs.id-N", "diff": "version_diffs.id",
        "what": "indication, threshold, logic, criterion, code or date",
        "change": "added, removed, stricter, looser, changed, wording, or an administrative term's longer/shorter",
        "indication_key": "the indication it is in (null: the whole policy)", "indication_label": "its label",
        "measure": "thresholds: the measure", "old": "before (text or formatted limit)", "new": "after",
        "confidence": "how sure the pairing of old and new is",
    }),
}

VIEWS = {
    "current_limits": ("Every limit of each policy's newest version, with its payer, policy and indication.", """
SELECT p.payer, p.title, p.name AS policy, i.key AS indication_key, i.label AS indication, t.measure, t.op,
       t.value, t.low, t.high, t.value_text, t.unit, t.limit_text, t.role, t.example, t.administrative, t.criterion,
       v.effective, t.version
FROM thresholds t
JOIN versions v ON v.rev = t.version
JOIN policies p ON p.newest_rev = t.version
JOIN indications i ON i.id = t.indication
"""),
}


def _where(source: Source | None) -> tuple[int | None, int | None]:
    return (source.page, source.line) if source is not None else (None, None)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def threshold_row(t: Threshold, ident: str, node: str, indication: str, version: str, role: str | None,
                  mode: str | None, source: Source | None) -> Row:
    low = high = value = None
    text_value = None
    if t.op == "between" and isinstance(t.value, tuple) and len(t.value) == 2:
        low, high = _number(t.value[0]), _number(t.value[1])
        if low is None or high is None:
            text_value = f"{t.value[0]}–{t.value[1]}"
    else:
        value = _number(t.value)
        if value is None:
            text_value = str(t.value)
    page, line = _where(source)
    return {"id": ident, "criterion": node, "indication": indication, "version": version, "measure": t.measure,
            "op": t.op, "value": value, "low": low, "high": high, "value_text": text_value, "unit": t.unit,
            "limit_text": format_limit(t), "role": role, "mode": mode, "example": t.example,
            "administrative": is_administrative(t.measure), "text": t.text, "source_page": page, "source_line": line}


def _role(node: Criterion | Group, enclosing: Group | None) -> str:
    if isinstance(node, Group):
        return node.phrase
    if enclosing is None or enclosing.logic == "all":
        return "required"
    need = f"at least {enclosing.min}" if enclosing.min else "one"
    return f"{need} of {len(enclosing.items)} alternatives"


def indication_rows(ind: Indication, n: int, stamp: Stamp) -> Iterator[tuple[str, Row]]:
    """(table, row) for an indication, every node of its tree and every limit, with each limit's role in
    the logic as the comparison reads it (`diffs.limits.placed_thresholds`)."""
    ident = f"{stamp.anchor}-i{n + 1}"
    page, line = _where(ind.source)
    yield "indications", {"id": ident, "version": stamp.rev, "position": n + 1, "key": ind.key, "label": ind.label,
                          "status": ind.status, "source_page": page, "source_line": line}
    placed = iter(placed_thresholds(ind))
    nodes: list[tuple[Criterion | Group, tuple[int, ...], Group | None]] = [(ind.criteria, (), None)]

    def walk(group: Group, prefix: tuple[int, ...]) -> None:
        """Depth first, groups before their items: the order `placed_thresholds` reads limits in."""
        for k, item in enumerate(group.items, start=1):
            nodes.append((item, prefix + (k,), group))
            if isinstance(item, Group):
                walk(item, prefix + (k,))

    walk(ind.criteria, ())
    for node, path, enclosing in nodes:
        node_id = criterion_id(stamp, n, path)
        page, line = _where(node.source)
        parent = criterion_id(stamp, n, path[:-1]) if path else None
        is_group = isinstance(node, Group)
        yield "criteria", {"id": node_id, "indication": ident, "version": stamp.rev, "parent": parent,
                           "path": ".".join(map(str, path)) or "0", "depth": len(path),
                           "node": "group" if is_group else "criterion",
                           "logic": node.logic if isinstance(node, Group) else None,
                           "min": node.min if isinstance(node, Group) else None, "text": node.text,
                           "negated": isinstance(node, Criterion) and node.negated,
                           "role": _role(node, enclosing), "source_page": page, "source_line": line}
        for k, t in enumerate(node.thresholds, start=1):
            p = next(placed, None)
            matched = p is not None and p.threshold is t
            yield "thresholds", threshold_row(t, f"{node_id}-t{k}", node_id, ident, stamp.rev,
                                              p.role if matched and p else None, p.mode if matched and p else None,
                                              node.source)


def version_rows(name: str, stamp: Stamp, position: int, policy: Policy) -> Iterator[tuple[str, Row]]:
    """Every row one stored version contributes, table by table (the versions row first)."""
    a = policy.accounting
    yield "versions", {
        "rev": stamp.rev, "policy": name, "position": position, "effective": stamp.effective,
        "date_source": stamp.date_source, "revised": policy.dates.revised, "reviewed": policy.dates.reviewed,
        "original": policy.dates.original, "payer": policy.payer, "policy_id": policy.policy_id,
        "title": policy.title, "kind": policy.kind, "document": policy.document.name,
        "format": policy.document.format, "sha256": policy.document.sha256, "pages": policy.document.pages,
        "coverage_lines": a.coverage_lines, "read_lines": a.read_lines, "unread_lines": len(a.unread),
        "warnings": "\n".join(policy.warnings)}
    for n, ind in enumerate(policy.indications):
        yield from indication_rows(ind, n, stamp)
    count = 0
    for c in policy.codes:
        count += 1
        yield "codes", {"id": f"{stamp.anchor}-c{count}", "version": stamp.rev, "indication": None,
                        "system": c.system, "code": c.code, "description": c.description, "prior_auth": c.prior_auth}
    for n, ind in enumerate(policy.indications):
        for code in ind.codes:
            count += 1
            yield "codes", {"id": f"{stamp.anchor}-c{count}", "version": stamp.rev,
                            "indication": f"{stamp.anchor}-i{n + 1}", "system": None, "code": code,
                            "description": None, "prior_auth": None}
    for n, ind in enumerate(policy.exclusions):
        page, line = _where(ind.source)
        yield "exclusions", {"id": f"{stamp.anchor}-x{n + 1}", "version": stamp.rev, "position": n + 1,
                             "key": ind.key, "label": ind.label, "status": ind.status, "source_page": page,
                             "source_line": line}
    unread = [("line", u) for u in a.unread] + [("number", u) for u in a.unread_numbers]
    for n, (what, u) in enumerate(unread, start=1):
        yield "unread", {"id": f"{stamp.anchor}-u{n}", "version": stamp.rev, "what": what, "page": u.source.page,
                         "line": u.source.line, "text": u.text, "reason": u.reason}


def diff_rows(d: VersionDiff) -> Iterator[tuple[str, Row]]:
    """A version diff and every change in it (the facts `policydiff diff --format json` holds)."""
    ident = f"{d.old_rev[:12]}..{d.new_rev[:12]}"
    counts = d.counts()
    yield "version_diffs", {"id": ident, "policy": d.policy, "from_rev": d.old_rev, "to_rev": d.new_rev,
                            "from_effective": d.old_effective, "to_effective": d.new_effective,
                            "material": d.material, "stricter": counts["stricter"], "looser": counts["looser"],
                            "indications_added": counts["indications_added"],
                            "indications_removed": counts["indications_removed"]}
    n = 0

    def change(what: str, kind: str, key: str | None = None, label: str | None = None, measure: str | None = None,
               old: str | None = None, new: str | None = None, confidence: float | None = None) -> Row:
        nonlocal n
        n += 1
        return {"id": f"{ident}-{n}", "diff": ident, "what": what, "change": kind, "indication_key": key,
                "indication_label": label, "measure": measure, "old": old, "new": new, "confidence": confidence}

    for i in d.added:
        yield "diff_changes", change("indication", "added", i.key, i.label, new=i.label)
    for i in d.removed:
        yield "diff_changes", change("indication", "removed", i.key, i.label, old=i.label)
    for c in d.changed:
        for t in c.thresholds:
            yield "diff_changes", change("threshold", t.term or t.direction, c.key, c.label, t.measure,
                                         format_limit(t.old) if t.old else None,
                                         format_limit(t.new) if t.new else None)
        for lc in c.logic:
            yield "diff_changes", change("logic", lc.direction, c.key, c.label, old=lc.old, new=lc.new)
        for x in c.criteria:
            kind = "wording" if x.classification == "wording" else \
                "added" if x.old is None else "removed" if x.new is None else "changed"
            yield "diff_changes", change("criterion", kind, c.key, c.label, old=x.old, new=x.new,
                                         confidence=x.confidence)
        for code in c.codes_added:
            yield "diff_changes", change("code", "added", c.key, c.label, new=code)
        for code in c.codes_removed:
            yield "diff_changes", change("code", "removed", c.key, c.label, old=code)
    for code in d.codes_added:
        yield "diff_changes", change("code", "added", new=code)
    for code in d.codes_removed:
        yield "diff_changes", change("code", "removed", old=code)
    for dc in d.dates:
        yield "diff_changes", change("date", "changed", measure=dc.slot, old=dc.old, new=dc.new)
