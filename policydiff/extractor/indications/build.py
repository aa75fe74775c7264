"""Heads → indications: a head's lead-in and body become a criteria group with its logic and thresholds.

The body's items keep the document's nesting; each item's logic is read from
its lead-in's cue and the connectors between items (`logic.resolve`), and
every number from the limit grammar (`limits.read_thresholds`). Approval terms
("Authorization will be issued for 12 months") are limits of their group, not
criteria. The builder remembers what it read, node by node, for the accounting.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ...normalized.schema import Bucket, Criterion, Group, Indication, Source, Threshold
from ...normalized.text import one_line
from ...normalized.vocabulary import indication_key, slugify
from .. import logic
from ..codes import codes_in
from ..limits import Limits, approval_span, approval_term, is_negated, read_limits
from ..markers import NOTE as _NOTE
from ..outline import Node
from ..sections import Section
from ..trace import Trace
from .heads import Head
from .labels import _non_coverage as non_coverage
from .labels import _phase_of as phase_of
from .labels import status_of


@dataclass(frozen=True)
class Mark:
    """What the builder made of one outline node: its bucket, and the limit grammar's reading of its text."""

    bucket: Bucket
    limits: Limits | None = None
    read: tuple[tuple[int, int], ...] = ()
    """Spans of `limits.normalized` (or of the normalized text) read other than as thresholds (approval terms)."""


class Builder:
    """Turns heads into schema objects, collecting warnings as it reads, and remembering what it read of each
    node (`marks`, for the accounting)."""

    def __init__(self, title: str | None, trace: Trace | None = None):
        self.title = title
        self.warnings: list[str] = []
        self.marks: dict[int, Mark] = {}
        self.trace = trace

    def mark(self, node: Node, bucket: Bucket, limits: Limits | None = None) -> None:
        span = approval_span(one_line(node.text)) if bucket == "administrative" else None
        self.marks[id(node)] = Mark(bucket, limits, (span,) if span else ())

    # -- criteria ------------------------------------------------------------------------------------------
    def _read(self, text: str, context: str, where: str, source: Source | None, capped: bool = False) -> Limits:
        limits = read_limits(text, context, capped)
        self.warnings += [f"{where}: {w}" for w in limits.warnings]
        if self.trace is not None:
            for r in limits.readings:
                t = r.threshold
                value = f"{t.value[0]}-{t.value[1]}" if isinstance(t.value, tuple) else t.value
                shown = f"{t.measure} {t.op} {value}{f' {t.unit}' if t.unit else ''}{' (example)' if t.example else ''}"
                self.trace.note("threshold", source, f"{shown} from '{t.text}'",
                                f"grammar {r.grammar}; naming {r.naming}")
            for _, why in limits.set_aside:
                self.trace.note("threshold", source, "a number read as a limit and set aside", why)
        return limits

    def criterion(self, node: Node, context: str, where: str, capped: bool = False) -> Criterion:
        text = one_line(node.text)
        limits = self._read(text, context, where, node.source, capped)
        self.mark(node, "criterion", limits)
        return Criterion(text, tuple(limits.thresholds), node.source, is_negated(text))

    def group(self, lead_text: str, children: Sequence[Node], context: str, where: str,
              source: Source | None = None, lead_thresholds: tuple[Threshold, ...] = ()) -> Group:
        """A lead-in and its items; the items' logic read from the lead-in and their connectors."""
        items: list[Criterion | Group] = []
        kept: list[Node] = []
        terms: list[Threshold] = []
        capped = logic.caps_its_items(lead_text)
        for child in children:
            text = one_line(child.text)
            term = approval_term(text)
            if term is not None and not child.children:
                terms.append(term)  # how long an approval lasts: a limit of the group, not a criterion
                self.mark(child, "administrative")
                continue
            if child.kind in ("label", "heading") and not child.children or not text and not child.children \
                    or _NOTE.match(text):
                if text:
                    self.mark(child, "note" if _NOTE.match(text) else "head")
                continue
            if child.children:
                sub_context = f"{context} {text}"
                limits = self._read(text, context, where, child.source)
                self.mark(child, "lead_in", limits)
                items.append(self.group(text, child.children, sub_context, where, child.source,
                                        tuple(limits.thresholds)))
            else:
                items.append(self.criterion(child, context, where, capped))
            kept.append(child)
        connectors = [c.connector or nxt.lead for c, nxt in zip(kept, kept[1:])]
        cue = logic.find_cue(lead_text)
        reading = logic.resolve(cue, connectors, where)
        if reading.warning:
            self.warnings.append(reading.warning)
        if reading.runs and len(items) == len(kept):
            grouped: list[Criterion | Group] = []
            for run in reading.runs:
                members = tuple(items[i] for i in run)
                grouped.append(members[0] if len(members) == 1 else Group("all", members))
            items = grouped
        logic_kind, minimum = reading.logic, reading.min
        negated = logic.negated_list(lead_text) and logic_kind == "any"
        if negated:
            # "Patient is not receiving X with either of the following": none of them, i.e. all of their negations
            items = [replace(i, negated=True) if isinstance(i, Criterion) else i for i in items]
            logic_kind, minimum = "all", None
        if self.trace is not None and kept:
            phrase = f"at least {minimum} of" if minimum else ("any of" if logic_kind == "any" else "all of")
            self.trace.note("logic", source or kept[0].source, f"{phrase} {len(items)} item(s)",
                            "negated_list" if negated else reading.rule)
        return Group(logic_kind, tuple(items), minimum, lead_text, lead_thresholds + tuple(terms),  # type: ignore[arg-type]
                     source)

    def indication(self, head: Head, section: Section) -> Indication:
        phase = "" if head.phase and phase_of(head.label) == "continuation" else head.phase
        """"Continuation of therapy" already says its phase: no " (continuation)" after it."""
        where = head.label + phase
        lead = one_line(head.lead)
        limits = self._read(_after_label(lead, head.label), "", where, head.source) if lead else None
        lead_thresholds = tuple(limits.thresholds) if limits is not None else ()
        term = approval_term(lead) if lead else None
        if term is not None and term not in lead_thresholds:
            lead_thresholds = (*lead_thresholds, term)
        if head.body:
            criteria = self.group(lead, head.body, lead, where, head.source, lead_thresholds)
            for anchor in head.anchors:
                self.marks.setdefault(id(anchor), Mark("lead_in" if one_line(anchor.text) == lead else "head",
                                                       limits if one_line(anchor.text) == lead else None))
        else:
            own = self._read(lead, "", where, head.source) if lead else None
            criteria = Group("all", (Criterion(lead, tuple(own.thresholds) if own else (), head.source,
                                               is_negated(lead)),) if lead else ())
            for anchor in head.anchors:
                self.marks.setdefault(id(anchor), Mark("criterion" if one_line(anchor.text) == lead else "head",
                                                       own if one_line(anchor.text) == lead else None))
        if head.common:
            common = self.group(one_line(head.common_lead), head.common, one_line(head.common_lead), where,
                                head.common_anchors[0].source if head.common_anchors else head.source)
            for anchor in head.common_anchors:
                self.marks.setdefault(id(anchor), Mark("lead_in"))
            if self.trace is not None:
                self.trace.note("indication", common.source, f"requirements common to every indication, in "
                                f"'{head.label + phase}'", "with_common_requirements")
            criteria = Group("all", (common, criteria) if criteria.items else (common,), None, "", (), head.source)
        codes = tuple(dict.fromkeys([*head.codes, *codes_in(lead)]))
        key = indication_key(head.label) + (f"-{slugify(head.entry)}" if head.entry else "") \
            + ("-continuation" if head.phase else "")
        status = status_of(lead) if non_coverage(lead) else (
            "medically_necessary" if section.role == "coverage" else status_of(lead, "not_medically_necessary"))
        if self.trace is not None:
            self.trace.note("indication", head.source, f"indication '{head.label + phase}'"
                            + ("" if status == "medically_necessary" else f" ({status}: an exclusion)"),
                            f"strategy {head.strategy}")
        return Indication(key, head.label + phase, criteria, status, codes, head.source)


def _after_label(text: str, label: str) -> str:
    """The lead-in less the label, so a label's own words ("Stage IV disease") are read once."""
    return text[len(label):] if text.startswith(label) else text
