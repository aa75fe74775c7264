"""Heads → indications: a head's lead-in and body become a criteria group with its logic and thresholds.

The body's items keep the document's nesting; each item's logic is read from
its lead-in's cue and the connectors between items (`logic.resolve`), and
every number from the limit grammar (`limits.read_thresholds`). Approval terms
("Authorization will be issued for 12 months") are limits of their group, not
criteria. The builder remembers what it read, node by node, for the accounting.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ...normalized.schema import Criterion, Group, Indication, Source, Threshold
from ...normalized.text import one_line
from ...normalized.vocabulary import indication_key
from .. import logic
from ..codes import codes_in
from ..limits import approval_term, is_negated, read_thresholds
from ..markers import NOTE as _NOTE
from ..outline import Node
from ..sections import Section
from .heads import Head
from .labels import _non_coverage as non_coverage
from .labels import status_of


class Builder:
    """Turns heads into schema objects, collecting warnings as it reads."""

    def __init__(self, title: str | None):
        self.title = title
        self.warnings: list[str] = []

    # -- criteria ------------------------------------------------------------------------------------------
    def _thresholds(self, text: str, context: str, where: str) -> tuple[Threshold, ...]:
        found, warnings = read_thresholds(text, context)
        self.warnings += [f"{where}: {w}" for w in warnings]
        return tuple(found)

    def criterion(self, node: Node, context: str, where: str) -> Criterion:
        text = one_line(node.text)
        return Criterion(text, self._thresholds(text, context, where), node.source, is_negated(text))

    def group(self, lead_text: str, children: Sequence[Node], context: str, where: str,
              source: Source | None = None, lead_thresholds: tuple[Threshold, ...] = ()) -> Group:
        """A lead-in and its items; the items' logic read from the lead-in and their connectors."""
        items: list[Criterion | Group] = []
        kept: list[Node] = []
        terms: list[Threshold] = []
        for child in children:
            text = one_line(child.text)
            term = approval_term(text)
            if term is not None and not child.children:
                terms.append(term)  # how long an approval lasts: a limit of the group, not a criterion
                continue
            if child.kind in ("label", "heading") and not child.children or not text and not child.children \
                    or _NOTE.match(text):
                continue
            if child.children:
                sub_context = f"{context} {text}"
                items.append(self.group(text, child.children, sub_context, where, child.source,
                                        self._thresholds(text, context, where)))
            else:
                items.append(self.criterion(child, context, where))
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
        if logic.negated_list(lead_text) and logic_kind == "any":
            # "Patient is not receiving X with either of the following": none of them, i.e. all of their negations
            items = [replace(i, negated=True) if isinstance(i, Criterion) else i for i in items]
            logic_kind, minimum = "all", None
        return Group(logic_kind, tuple(items), minimum, lead_text, lead_thresholds + tuple(terms),  # type: ignore[arg-type]
                     source)

    def indication(self, head: Head, section: Section) -> Indication:
        where = head.label + head.phase
        lead = one_line(head.lead)
        lead_thresholds = self._thresholds(_after_label(lead, head.label), "", where) if lead else ()
        term = approval_term(lead) if lead else None
        if term is not None and term not in lead_thresholds:
            lead_thresholds = (*lead_thresholds, term)
        if head.body:
            criteria = self.group(lead, head.body, lead, where, head.source, lead_thresholds)
        else:
            criteria = Group("all", (Criterion(lead, self._thresholds(lead, "", where), head.source,
                                               is_negated(lead)),) if lead else ())
        codes = tuple(dict.fromkeys([*head.codes, *codes_in(lead)]))
        key = indication_key(head.label) + ("-continuation" if head.phase else "")
        status = status_of(lead) if non_coverage(lead) else (
            "medically_necessary" if section.role == "coverage" else status_of(lead, "not_medically_necessary"))
        return Indication(key, head.label + head.phase, criteria, status, codes, head.source)


def _after_label(text: str, label: str) -> str:
    """The lead-in less the label, so a label's own words ("Stage IV disease") are read once."""
    return text[len(label):] if text.startswith(label) else text
