"""The normalized policy: what every extractor produces and every diff reads.

Frozen dataclasses with tuples rather than lists, so whole policies hash and
compare by value: `diff(p, p)` can be decided with `==`, and a JSON round trip
can be checked exactly (`from_json(to_json(p)) == p`).

Field names and meanings follow docs/contract.md; fields beyond the
contract (status, negated, text of a group's lead-in, exclusions, source) are
additions the contract allows.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

SCHEMA_VERSION = 1

Op = Literal["<", "<=", ">", ">=", "=", "between"]
Logic = Literal["all", "any"]
Status = Literal["medically_necessary", "investigational", "not_medically_necessary", "not_reasonable_and_necessary",
                 "all_other_uses"]
"""Covered, or the document's own kind of non-coverage."""
Role = Literal["coverage", "not_covered", "background", "evidence", "definitions", "regulatory", "coding",
               "documentation", "references", "history", "administrative", "other"]
Value = int | float | str | tuple  # tuple = (lo, hi) for "between"
DocumentKind = Literal["medical_policy", "payment_policy", "billing_article", "drug_list", "no_covered_criteria"]
"""What kind of document was read. A medical policy states covered criteria; the others are tracked and
versioned like any policy but rightly yield no indication, and the kind says why."""
Bucket = Literal["criterion", "head", "lead_in", "note", "exclusion", "administrative", "furniture", "unread"]
"""Where a line of a coverage section ended up (see `Accounting`)."""

OPS: tuple[str, ...] = ("<", "<=", ">", ">=", "=", "between")
STATUSES: tuple[str, ...] = ("medically_necessary", "investigational", "not_medically_necessary",
                              "not_reasonable_and_necessary", "all_other_uses")
DOCUMENT_KINDS: tuple[str, ...] = ("medical_policy", "payment_policy", "billing_article", "drug_list",
                                   "no_covered_criteria")
BUCKETS: tuple[str, ...] = ("criterion", "head", "lead_in", "note", "exclusion", "administrative", "furniture",
                            "unread")
ROLES: tuple[str, ...] = ("coverage", "not_covered", "background", "evidence", "definitions", "regulatory", "coding",
                          "documentation", "references", "history", "administrative", "other")


@dataclass(frozen=True)
class Source:
    """Where a piece of text came from, so an analyst can check it in the document."""

    line: int
    """1-based line in the extracted text (for PDFs: line within the page)."""
    page: int | None = None
    """1-based page for PDFs; None for text documents."""


@dataclass(frozen=True)
class Threshold:
    """One numeric or staged limit, in canonical units."""

    measure: str
    """snake_case noun from the measure vocabulary, e.g. "lesion_size", "psa"."""
    op: Op
    value: Value
    """A number, a stage string ("T2b"), or (lo, hi) with op "between"."""
    unit: str | None
    """Canonical unit ("cm", "ng/mL", "years"), or None for unitless scores and stages."""
    text: str = ""
    """The words the limit was read from, as written, for reports and checking."""
    example: bool = False
    """The value is given only as an example ("e.g., ACQ score > 1.5"), not as a requirement."""


@dataclass(frozen=True)
class Criterion:
    """One condition as written, with the limits it states."""

    text: str
    thresholds: tuple[Threshold, ...] = ()
    source: Source | None = None
    negated: bool = False
    """True when the text requires something to be absent ("no evidence of metastasis")."""


@dataclass(frozen=True)
class Group:
    """Criteria combined by all / any / at-least-N logic."""

    logic: Logic
    items: tuple[Criterion | Group, ...] = ()
    min: int | None = None
    """Only for "at least N of" with N >= 2 (logic "any")."""
    text: str = ""
    """The lead-in that introduced the group ("Salvage therapy ... and at least one of the following")."""
    thresholds: tuple[Threshold, ...] = ()
    """Limits stated in the lead-in itself."""
    source: Source | None = None

    @property
    def phrase(self) -> str:
        """The logic in words: "all of", "any of", "at least 2 of"."""
        if self.logic == "any":
            return f"at least {self.min} of" if self.min else "any of"
        return "all of"


@dataclass(frozen=True)
class Indication:
    key: str
    """Canonical key, the same across payers and versions for one indication."""
    label: str
    """The indication's name as the document writes it."""
    criteria: Group
    status: Status = "medically_necessary"
    codes: tuple[str, ...] = ()
    """CPT/HCPCS codes the document ties to this indication."""
    source: Source | None = None
    section: int | None = None
    """Index into `Policy.sections` of the section it was read from (its role says why it was read)."""


@dataclass(frozen=True)
class Code:
    code: str
    system: str = "CPT"
    description: str | None = None
    prior_auth: bool = False


@dataclass(frozen=True)
class Dates:
    effective: str | None = None
    revised: str | None = None
    reviewed: str | None = None
    original: str | None = None
    """First effective date of the policy, where the document states one apart from the current one."""


@dataclass(frozen=True)
class SectionInfo:
    """One section of the document and the role that decided whether its text was read for criteria."""

    heading: str
    role: Role
    pages: tuple[int, int] | None = None
    """First and last page (PDFs), or None for text."""


@dataclass(frozen=True)
class DocumentInfo:
    """What was read: kept so a stored version can say which file it came from."""

    name: str = ""
    format: str = ""
    """"pdf", "text" or "markdown", decided by content."""
    sha256: str = ""
    pages: int | None = None


@dataclass(frozen=True)
class Unread:
    """A line of a coverage section, or a number in one, that no stage could account for."""

    source: Source
    text: str
    reason: str
    """Why it was not read, in a few words ("under no indication", "a number no limit grammar reads")."""


@dataclass(frozen=True)
class Accounting:
    """How much of the policy's coverage text was read: every line of every coverage section ends in one
    bucket, every number in one is part of a limit, dismissed with a reason kind, or unread."""

    coverage_lines: int = 0
    read_lines: int = 0
    """Coverage lines in any bucket but "unread"."""
    buckets: tuple[tuple[str, int], ...] = ()
    """(bucket, lines) for every bucket that holds a line, in `BUCKETS` order."""
    unread: tuple[Unread, ...] = ()
    numbers_read: int = 0
    """Numbers that are part of a threshold."""
    numbers_dismissed: tuple[tuple[str, int], ...] = ()
    """(reason kind, count): "code", "citation", "date", "page", "list_ordinal", "footnote", "example", ..."""
    unread_numbers: tuple[Unread, ...] = ()
    criteria_like: tuple[str, ...] = ()
    """Headings of sections whose role is not coverage but whose text reads like criteria."""

    @property
    def share_read(self) -> float:
        """Read lines over coverage lines; 1.0 when there is no coverage text to read."""
        return self.read_lines / self.coverage_lines if self.coverage_lines else 1.0

    @property
    def complete(self) -> bool:
        return not self.unread and not self.unread_numbers


@dataclass(frozen=True)
class Policy:
    payer: str | None = None
    policy_id: str | None = None
    title: str | None = None
    dates: Dates = field(default_factory=Dates)
    codes: tuple[Code, ...] = ()
    indications: tuple[Indication, ...] = ()
    exclusions: tuple[Indication, ...] = ()
    """Indications the policy names as investigational or not medically necessary."""
    warnings: tuple[str, ...] = ()
    document: DocumentInfo = field(default_factory=DocumentInfo)
    schema_version: int = SCHEMA_VERSION
    sections: tuple[SectionInfo, ...] = ()
    """Every section in document order, with its role: why text was or was not read for criteria."""
    kind: DocumentKind = "medical_policy"
    accounting: Accounting = field(default_factory=Accounting)


# ---------------------------------------------------------------------------
# JSON: explicit, so the order of keys is stable and the output reads well in git.


def _value_to_json(value: Value) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _value_from_json(value: Any) -> Value:
    return tuple(value) if isinstance(value, list) else value


def _source_to_dict(source: Source | None) -> dict | None:
    return None if source is None else {"page": source.page, "line": source.line}


def _source_from_dict(data: dict | None) -> Source | None:
    return None if data is None else Source(line=data["line"], page=data.get("page"))


def threshold_to_dict(t: Threshold) -> dict:
    out = {"measure": t.measure, "op": t.op, "value": _value_to_json(t.value), "unit": t.unit, "text": t.text}
    if t.example:
        out["example"] = True
    return out


def threshold_from_dict(d: dict) -> Threshold:
    return Threshold(d["measure"], d["op"], _value_from_json(d["value"]), d.get("unit"), d.get("text", ""),
                     bool(d.get("example", False)))


def node_to_dict(node: Criterion | Group) -> dict:
    if isinstance(node, Group):
        out: dict[str, Any] = {"logic": node.logic}
        if node.min is not None:
            out["min"] = node.min
        if node.text:
            out["text"] = node.text
        if node.thresholds:
            out["thresholds"] = [threshold_to_dict(t) for t in node.thresholds]
        if node.source is not None:
            out["source"] = _source_to_dict(node.source)
        out["items"] = [node_to_dict(i) for i in node.items]
        return out
    out = {"text": node.text, "thresholds": [threshold_to_dict(t) for t in node.thresholds]}
    if node.negated:
        out["negated"] = True
    out["source"] = _source_to_dict(node.source)
    return out


def node_from_dict(d: dict) -> Criterion | Group:
    if "items" in d:
        return Group(
            logic=d["logic"],
            items=tuple(node_from_dict(i) for i in d["items"]),
            min=d.get("min"),
            text=d.get("text", ""),
            thresholds=tuple(threshold_from_dict(t) for t in d.get("thresholds", ())),
            source=_source_from_dict(d.get("source")),
        )
    return Criterion(
        text=d["text"],
        thresholds=tuple(threshold_from_dict(t) for t in d.get("thresholds", ())),
        source=_source_from_dict(d.get("source")),
        negated=bool(d.get("negated", False)),
    )


def indication_to_dict(ind: Indication) -> dict:
    return {
        "key": ind.key,
        "label": ind.label,
        "status": ind.status,
        "codes": list(ind.codes),
        "source": _source_to_dict(ind.source),
        **({"section": ind.section} if ind.section is not None else {}),
        "criteria": node_to_dict(ind.criteria),
    }


def indication_from_dict(d: dict) -> Indication:
    criteria = node_from_dict(d["criteria"])
    if not isinstance(criteria, Group):
        criteria = Group("all", (criteria,))
    return Indication(
        key=d["key"],
        label=d["label"],
        criteria=criteria,
        status=d.get("status", "medically_necessary"),
        codes=tuple(d.get("codes", ())),
        source=_source_from_dict(d.get("source")),
        section=d.get("section"),
    )


def _unread_to_dict(u: Unread) -> dict:
    return {"page": u.source.page, "line": u.source.line, "text": u.text, "reason": u.reason}


def _unread_from_dict(d: dict) -> Unread:
    return Unread(Source(d["line"], d.get("page")), d.get("text", ""), d.get("reason", ""))


def accounting_to_dict(a: Accounting) -> dict:
    return {
        "coverage_lines": a.coverage_lines,
        "read_lines": a.read_lines,
        "buckets": dict(a.buckets),
        "unread": [_unread_to_dict(u) for u in a.unread],
        "numbers": {"read": a.numbers_read, "dismissed": dict(a.numbers_dismissed),
                    "unread": len(a.unread_numbers), "unread_items": [_unread_to_dict(u) for u in a.unread_numbers]},
        "criteria_like_sections": list(a.criteria_like),
    }


def accounting_from_dict(d: dict | None) -> Accounting:
    if not d:
        return Accounting()
    numbers = d.get("numbers") or {}
    return Accounting(
        coverage_lines=int(d.get("coverage_lines", 0)),
        read_lines=int(d.get("read_lines", 0)),
        buckets=tuple((k, int(v)) for k, v in (d.get("buckets") or {}).items()),
        unread=tuple(_unread_from_dict(u) for u in d.get("unread", ())),
        numbers_read=int(numbers.get("read", 0)),
        numbers_dismissed=tuple((k, int(v)) for k, v in (numbers.get("dismissed") or {}).items()),
        unread_numbers=tuple(_unread_from_dict(u) for u in numbers.get("unread_items", ())),
        criteria_like=tuple(d.get("criteria_like_sections", ())),
    )


def to_dict(policy: Policy) -> dict:
    dates = {k: v for k, v in (
        ("effective", policy.dates.effective), ("revised", policy.dates.revised),
        ("reviewed", policy.dates.reviewed), ("original", policy.dates.original)) if v is not None}
    doc = policy.document
    return {
        "schema_version": policy.schema_version,
        "payer": policy.payer,
        "policy_id": policy.policy_id,
        "title": policy.title,
        "dates": dates,
        "document": {"name": doc.name, "format": doc.format, "sha256": doc.sha256, "pages": doc.pages},
        "codes": [
            {"system": c.system, "code": c.code, "description": c.description, "prior_auth": c.prior_auth}
            for c in policy.codes
        ],
        "indications": [indication_to_dict(i) for i in policy.indications],
        "exclusions": [indication_to_dict(i) for i in policy.exclusions],
        "sections": [{"heading": sec.heading, "role": sec.role, "pages": list(sec.pages) if sec.pages else None}
                     for sec in policy.sections],
        "warnings": list(policy.warnings),
        "kind": policy.kind,
        "accounting": accounting_to_dict(policy.accounting),
    }


def from_dict(d: dict) -> Policy:
    doc = d.get("document") or {}
    return Policy(
        schema_version=d.get("schema_version", SCHEMA_VERSION),
        payer=d.get("payer"),
        policy_id=d.get("policy_id"),
        title=d.get("title"),
        dates=Dates(**{k: v for k, v in (d.get("dates") or {}).items() if k in Dates.__dataclass_fields__}),
        document=DocumentInfo(doc.get("name", ""), doc.get("format", ""), doc.get("sha256", ""), doc.get("pages")),
        codes=tuple(
            Code(c["code"], c.get("system", "CPT"), c.get("description"), bool(c.get("prior_auth", False)))
            for c in d.get("codes", ())
        ),
        indications=tuple(indication_from_dict(i) for i in d.get("indications", ())),
        exclusions=tuple(indication_from_dict(i) for i in d.get("exclusions", ())),
        warnings=tuple(d.get("warnings", ())),
        sections=tuple(SectionInfo(sec["heading"], sec["role"], tuple(sec["pages"]) if sec.get("pages") else None)
                       for sec in d.get("sections", ())),
        kind=d.get("kind", "medical_policy"),
        accounting=accounting_from_dict(d.get("accounting")),
    )


def to_json(policy: Policy, indent: int | None = 2) -> str:
    """Canonical JSON: fixed key order, so two dumps of equal policies are equal bytes."""
    return json.dumps(to_dict(policy), indent=indent, ensure_ascii=False) + "\n"


def from_json(text: str) -> Policy:
    return from_dict(json.loads(text))


# ---------------------------------------------------------------------------
# Walking the criteria tree: used by renderers, comparison and diffs alike.


def iter_criteria(group: Group, path: tuple[Group, ...] = ()):
    """Yield (criterion_or_group, enclosing groups) depth-first, groups before their items."""
    for item in group.items:
        yield item, path + (group,)
        if isinstance(item, Group):
            yield from iter_criteria(item, path + (group,))


def iter_thresholds(group: Group):
    """Yield (threshold, owning node, enclosing group) for every limit in a tree."""
    for t in group.thresholds:
        yield t, group, None
    for node, path in iter_criteria(group):
        for t in node.thresholds:
            yield t, node, path[-1]


def json_schema() -> dict:
    """The published JSON Schema of `extract --format json` (draft 2020-12)."""
    threshold = {
        "type": "object",
        "required": ["measure", "op", "value", "unit"],
        "properties": {
            "measure": {"type": "string"},
            "op": {"enum": list(OPS)},
            "value": {"oneOf": [
                {"type": "number"}, {"type": "string"},
                {"type": "array", "items": {"type": ["number", "string"]}, "minItems": 2, "maxItems": 2},
            ]},
            "unit": {"type": ["string", "null"]},
            "text": {"type": "string"},
            "example": {"type": "boolean"},
        },
    }
    source = {"type": ["object", "null"], "properties": {
        "page": {"type": ["integer", "null"]}, "line": {"type": "integer"}}}
    criterion = {
        "type": "object",
        "required": ["text", "thresholds", "source"],
        "properties": {
            "text": {"type": "string"},
            "thresholds": {"type": "array", "items": {"$ref": "#/$defs/threshold"}},
            "negated": {"type": "boolean"},
            "source": {"$ref": "#/$defs/source"},
        },
        "additionalProperties": False,  # a group has "logic" and "items": never both a criterion and a group
    }
    group = {
        "type": "object",
        "required": ["logic", "items"],
        "properties": {
            "logic": {"enum": ["all", "any"]},
            "min": {"type": "integer", "minimum": 2},
            "text": {"type": "string"},
            "thresholds": {"type": "array", "items": {"$ref": "#/$defs/threshold"}},
            "source": {"$ref": "#/$defs/source"},
            "items": {"type": "array", "items": {"oneOf": [
                {"$ref": "#/$defs/group"}, {"$ref": "#/$defs/criterion"}]}},
        },
    }
    indication = {
        "type": "object",
        "required": ["key", "label", "codes", "criteria"],
        "properties": {
            "key": {"type": "string"}, "label": {"type": "string"},
            "status": {"enum": list(STATUSES)},
            "codes": {"type": "array", "items": {"type": "string"}},
            "source": {"$ref": "#/$defs/source"},
            "section": {"type": "integer", "minimum": 0},
            "criteria": {"$ref": "#/$defs/group"},
        },
    }
    date = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
    unread = {"type": "object", "required": ["page", "line", "text", "reason"], "properties": {
        "page": {"type": ["integer", "null"]}, "line": {"type": "integer"}, "text": {"type": "string"},
        "reason": {"type": "string"}}}
    counts = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
    accounting = {
        "type": "object",
        "required": ["coverage_lines", "read_lines", "buckets", "unread", "numbers"],
        "properties": {
            "coverage_lines": {"type": "integer", "minimum": 0},
            "read_lines": {"type": "integer", "minimum": 0},
            "buckets": {"type": "object", "propertyNames": {"enum": list(BUCKETS)},
                        "additionalProperties": {"type": "integer", "minimum": 0}},
            "unread": {"type": "array", "items": {"$ref": "#/$defs/unread"}},
            "numbers": {"type": "object", "required": ["read", "dismissed", "unread", "unread_items"], "properties": {
                "read": {"type": "integer", "minimum": 0}, "dismissed": counts,
                "unread": {"type": "integer", "minimum": 0},
                "unread_items": {"type": "array", "items": {"$ref": "#/$defs/unread"}}}},
            "criteria_like_sections": {"type": "array", "items": {"type": "string"}},
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "policydiff normalized policy",
        "type": "object",
        "required": ["schema_version", "payer", "policy_id", "title", "dates", "codes", "indications", "warnings"],
        "properties": {
            "schema_version": {"const": SCHEMA_VERSION},
            "payer": {"type": ["string", "null"]},
            "policy_id": {"type": ["string", "null"]},
            "title": {"type": ["string", "null"]},
            "dates": {"type": "object", "properties": dict.fromkeys(Dates.__dataclass_fields__, date),
                      "additionalProperties": False},
            "document": {"type": "object"},
            "codes": {"type": "array", "items": {"type": "object", "required": ["system", "code", "prior_auth"],
                      "properties": {"system": {"type": "string"}, "code": {"type": "string"},
                                     "description": {"type": ["string", "null"]},
                                     "prior_auth": {"type": "boolean"}}}},
            "indications": {"type": "array", "items": {"$ref": "#/$defs/indication"}},
            "exclusions": {"type": "array", "items": {"$ref": "#/$defs/indication"}},
            "sections": {"type": "array", "items": {
                "type": "object", "required": ["heading", "role", "pages"],
                "properties": {"heading": {"type": "string"}, "role": {"enum": list(ROLES)},
                               "pages": {"oneOf": [{"type": "null"}, {"type": "array", "items": {"type": "integer"},
                                                                       "minItems": 2, "maxItems": 2}]}}}},
            "warnings": {"type": "array", "items": {"type": "string"}},
            "kind": {"enum": list(DOCUMENT_KINDS)},
            "accounting": {"$ref": "#/$defs/accounting"},
        },
        "$defs": {"threshold": threshold, "source": source, "criterion": criterion, "group": group,
                  "indication": indication, "unread": unread, "accounting": accounting},
    }
