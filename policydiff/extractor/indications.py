"""Outline trees → indications with criteria groups.

Three layouts cover the genre:

- an enumerated list of indications, each with its criteria below it
  ("I. Hepatocellular carcinoma: ... all of the following: A. ... B. ...");
- blocks introduced by a "Diagnosis" label (drug prior-approval forms), each
  block one indication and its items the criteria;
- a criteria section with no indication structure at all: one indication,
  named after the section or the policy title.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ..normalized.schema import Criterion, Group, Indication, Source, Status, Threshold
from ..normalized.text import one_line
from ..normalized.vocabulary import indication_key
from . import logic
from .codes import codes_in
from .outline import Node, Section
from .sections import RENEWAL
from .thresholds import is_negated, read_thresholds

_CITATION_TAIL = re.compile(r"(?:(?:(?<=[a-z]{3})|(?<=[)\].]))\d{1,3}(?:\s*,\s*\d{1,3})*"
                            r"|\s+\d{1,3}(?:\s*,\s*\d{1,3})+)\s*$")
_LABEL_CUT = re.compile(r"\s*(?::|\s[-–—]\s*(?=must|should|requires?|all|any|one|both|see|cpt|hcpcs)|"
                        r"\bmust\s+(?:satisfy|meet|have)|\b(?:is|are)\s+(?:not\s+)?(?:considered|proven|covered|medically)|\bmay\s+be\s+considered|"
                        r"\bwhen\s+(?:all|any|one|the\s+following)|\s[-–—]\s*$)", re.I)
_STATUS_NOT_MN = re.compile(r"\bnot\s+(?:be\s+)?(?:considered\s+)?medically\s+necessary\b|\bnot\s+covered\b", re.I)
_STATUS_INV = re.compile(r"\b(?:investigational|investigative|experimental|unproven|not\s+proven)\b", re.I)
_STATUS_MN = re.compile(r"\bmedically\s+necessary\b|\b(?:is|are)\s+(?:proven|covered)\b|\bapprove[ds]?\b", re.I)
_CODES_TAIL = re.compile(r"\s*[-–(]?\s*\b(?:cpt|hcpcs)\b.*$", re.I)


@dataclass
class Built:
    indications: list[Indication] = field(default_factory=list)
    exclusions: list[Indication] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def clean_label(text: str) -> str:
    """The indication's name from its heading text, without lead-in, citations or code lists."""
    head = text.strip()
    first = re.match(r"^(?P<s>[^.]{3,80}?[a-z)\]])\.\s+[A-Z]", head)
    if first and len(first.group("s").split()) <= 10:
        head = first.group("s")  # "Asthma. Approve for the duration noted if ..."
    m = _LABEL_CUT.search(head)
    if m and m.start() > 2:
        head = head[: m.start()]
    elif len(head.split()) > 14:
        sentence = re.split(r"(?<=[a-z)\]])\.\s", head)[0]
        head = sentence
    head = _CODES_TAIL.sub("", head) if re.search(r"\b(?:cpt|hcpcs)\b", head, re.I) else head
    head = _CITATION_TAIL.sub("", head.rstrip(" .;,:-–"))
    head = re.sub(r"\s+", " ", head).strip(" .;,:-–")
    return head or text.strip()[:80]


def _status(text: str, section_kind: str) -> Status:
    if _STATUS_NOT_MN.search(text):
        return "not_medically_necessary"
    if _STATUS_INV.search(text) and not _STATUS_MN.search(text):
        return "investigational"
    if section_kind == "exclusion":
        return "investigational" if not _STATUS_NOT_MN.search(text) else "not_medically_necessary"
    return "medically_necessary"


class Assembler:
    """Turns outline nodes into schema objects, collecting warnings as it reads."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def _thresholds(self, text: str, context: str, where: str) -> tuple[Threshold, ...]:
        found, warnings = read_thresholds(text, context)
        self.warnings += [f"{where}: {w}" for w in warnings]
        return tuple(found)

    def criterion(self, node: Node, context: str, where: str) -> Criterion:
        text = one_line(node.text)
        return Criterion(text, self._thresholds(text, context, where), node.source, is_negated(text))

    def group(self, lead_text: str, children: list[Node], context: str, where: str,
              source: Source | None = None, lead_thresholds: tuple[Threshold, ...] = ()) -> Group:
        """A lead-in and its items; the items' logic read from the lead-in and their connectors."""
        items: list[Criterion | Group] = []
        for child in children:
            if child.children:
                child_text = one_line(child.text)
                items.append(self.group(child_text, child.children, f"{context} {child_text}", where,
                                        child.source, self._thresholds(child_text, context, where)))
            elif child.kind == "label" or not one_line(child.text) or _APPROVAL_TERM.match(child.text):
                continue
            else:
                items.append(self.criterion(child, context, where))
        connectors = [c.connector or nxt.lead for c, nxt in zip(children, children[1:])]
        reading = logic.resolve(logic.find_cue(lead_text), connectors, where)
        if reading.warning:
            self.warnings.append(reading.warning)
        if reading.runs and len(items) == len(children):
            grouped: list[Criterion | Group] = []
            for run in reading.runs:
                members = tuple(items[i] for i in run)
                grouped.append(members[0] if len(members) == 1 else Group("all", members))
            items = grouped
        return Group(reading.logic, tuple(items), reading.min, lead_text, lead_thresholds, source)  # type: ignore[arg-type]

    def indication(self, label: str, lead_text: str, children: list[Node], source: Source | None,
                   section: Section, suffix: str = "") -> Indication:
        where = label + suffix
        if children:
            criteria = self.group(lead_text, children, lead_text, where, source,
                                  self._thresholds(_after_label(lead_text, label), "", where))
        else:
            text = one_line(lead_text)
            criteria = Group("all", (Criterion(text, self._thresholds(text, "", where), source, is_negated(text)),))
        codes = tuple(dict.fromkeys(c for sentence in [lead_text] for c in codes_in(sentence)))
        key = indication_key(label) + ("-continuation" if suffix else "")
        return Indication(key, label + suffix, criteria, _status(lead_text, section.kind), codes, source)


def _after_label(text: str, label: str) -> str:
    """The lead-in less the label, so a label's own words ("Stage IV disease") are read once."""
    return text[len(label):] if text.startswith(label) else text


def _indication_level(nodes: list[Node]) -> list[Node] | None:
    """The first enumerated list in a section, if its items read as indications rather than criteria."""
    items = [n for n in nodes if n.kind == "item"]
    if not items:
        parents = [n for n in nodes if n.kind == "para" and n.children]
        if len(parents) == 1:
            items = [n for n in parents[0].children if n.kind == "item"]
    if not items:
        return None
    # The indication list is the numbering style whose items carry criteria; a product bullet above it is not.
    styles = [n.style for n in items if n.children]
    if styles:
        dominant = max(set(styles), key=styles.count)
        items = [n for n in items if n.style == dominant]
    with_children = sum(1 for n in items if n.children)
    stated = sum(1 for n in items if _STATUS_MN.search(n.text) or _STATUS_INV.search(n.text)
                 or logic.find_cue(n.text))
    if with_children * 2 >= len(items) or stated * 2 > len(items):
        return items
    return None


_APPROVAL_TERM = re.compile(r"^\W*(?:initial\s+|re-?)?(?:authori[sz]ation|approval)s?\s+"
                            r"(?:will\s+be|is|are|may\s+be)\s+"
                            r"(?:issued|granted|given|approved|valid)\s+for\b", re.I)
""""Authorization will be issued for 12 months": how long an approval lasts, not a criterion for it."""
_PHASE_HEAD = re.compile(r"^\W*(?:initial|reauthori[sz]ation|renewal|continuation|continued|(?:the\s+)?patient\s+is\s+"
                         r"currently\s+(?:receiving|on|taking))\b", re.I)


def _split_phases(children: list[Node]) -> tuple[list[Node], list[Node]]:
    """Initial and renewal criteria under one indication ("1. Initial Authorization", "2. Reauthorization")
    are two sets of criteria, not one: split them."""
    heads = [c for c in children if c.kind == "item" and _PHASE_HEAD.match(c.text)]
    if len(heads) < 2:
        return children, []
    renewal = [c for c in children if c in heads and RENEWAL.search(c.text)]
    initial = [c for c in children if c not in renewal]
    return initial, renewal


def _first_items(nodes: list[Node]) -> list[Node]:
    items = [n for n in nodes if n.kind == "item"]
    if items:
        return items
    return next(([c for c in n.children if c.kind == "item"] for n in nodes if n.children), [])


def _diagnosis_blocks(nodes: list[Node]) -> list[list[Node]] | None:
    """Split a section at its "Diagnosis" labels; lines just before a label belong to its block."""
    labels = [i for i, n in enumerate(nodes) if n.kind == "label"]
    if not labels:
        return None
    starts: list[int] = []
    for i in labels:
        start = i
        while start > 0 and nodes[start - 1].kind == "para" and not nodes[start - 1].children \
                and (not starts or start - 1 >= starts[-1]) and start - 1 not in labels:
            start -= 1
        starts.append(start)
    starts[0] = min(starts[0], next((i for i, n in enumerate(nodes) if n.kind != "para" or n.children), 0))
    starts[0] = 0 if all(not n.children for n in nodes[: starts[0]]) else starts[0]
    bounds = starts + [len(nodes)]
    return [nodes[a:b] for a, b in zip(bounds, bounds[1:])]


def _block_label(block: list[Node]) -> tuple[str, Source | None]:
    for i, node in enumerate(block):
        if node.kind != "label":
            continue
        for follower in block[i + 1:]:
            names = [clean_label(c.text) for c in follower.children if c.kind == "item"]
            if names:
                cue = logic.find_cue(follower.text)
                joiner = " or " if cue and cue.logic == "any" else "; "
                return joiner.join(names), follower.children[0].source
            if follower.kind == "para" and not follower.children and follower.text:
                return clean_label(follower.text), follower.source
    return "", None


def assemble(sections: list[Section], title: str | None) -> Built:
    built = Built()
    asm = Assembler()
    wanted = [s for s in sections if s.kind in ("criteria", "exclusion")]
    if not any(s.nodes for s in wanted):
        wanted = [s for s in sections if s.kind in ("front", "background") and s.nodes]
    for section in wanted:
        suffix = " (continuation)" if RENEWAL.search(section.title) else ""
        found = _section_indications(asm, section, title, suffix)
        for ind in found:
            (built.exclusions if ind.status != "medically_necessary" else built.indications).append(ind)
    if not built.indications and not built.exclusions:
        for ind in statement_fallback(sections):
            (built.exclusions if ind.status != "medically_necessary" else built.indications).append(ind)
    built.warnings = asm.warnings
    # Keys are unique within a policy: comparison and diffs pair indications by key.
    seen: dict[str, int] = {}
    unique = []
    for ind in built.indications:
        n = seen.get(ind.key, 0)
        seen[ind.key] = n + 1
        unique.append(ind if n == 0 else replace(ind, key=f"{ind.key}-{n + 1}"))
    built.indications = unique
    return built


def _subheading_blocks(asm: Assembler, section: Section, suffix: str) -> list[Indication]:
    """Sections split by sub-headings: each heading names an indication, the content below is its criteria."""
    out = []
    nodes = section.nodes
    marks = [i for i, n in enumerate(nodes) if n.kind == "subheading"]
    for a, b in zip(marks, marks[1:] + [len(nodes)]):
        heading, body = nodes[a], [n for n in nodes[a + 1:b] if n.text or n.children]
        parents = [n for n in body if n.children]
        if not body:
            continue
        label = clean_label(heading.text)
        if len(parents) == 1 and len(body) == 1:
            lead = parents[0]
            out.append(asm.indication(label, one_line(lead.text), lead.children, heading.source, section, suffix))
        elif not parents and len(body) == 1:
            out.append(asm.indication(label, one_line(body[0].text), [], heading.source, section, suffix))
        else:
            out.append(asm.indication(label, "", body, heading.source, section, suffix))
    return out


def _section_indications(asm: Assembler, section: Section, title: str | None, suffix: str) -> list[Indication]:
    nodes = [n for n in section.nodes if n.kind != "subheading" or n.text]
    if _indication_level(nodes) is None and any(n.kind == "subheading" for n in nodes) \
            and any(n.children for n in nodes):
        found = _subheading_blocks(asm, section, suffix)
        if found:
            return found
    blocks = _diagnosis_blocks(nodes)
    if blocks:
        out = []
        for block in blocks:
            label, source = _block_label(block)
            body = [n for n in block if n.kind != "label" and (n.text or n.children)]
            if not label or not body:
                continue
            out.append(asm.indication(label, "", body, source, section, suffix))
        if out:
            return out
    level = _indication_level(nodes)
    if level is None and section.kind == "exclusion":
        level = _first_items(nodes)
    if level:
        out = []
        for node in level:
            label = clean_label(node.text)
            if len(label) < 3:
                continue
            initial, renewal = _split_phases(node.children)
            if renewal and initial:
                out.append(asm.indication(label, one_line(node.text), initial, node.source, section, suffix))
                out.append(asm.indication(label, one_line(node.text), renewal, node.source, section, " (continuation)"))
            else:
                out.append(asm.indication(label, one_line(node.text), node.children, node.source, section, suffix))
        return out
    body = [n for n in nodes if n.kind != "label" and (n.children or n.kind == "item")]
    if not body or len(body) == 1 and not body[0].children:
        return []
    lead = next((n for n in nodes if n.children), None)
    label = clean_label(title or section.title or "Policy criteria")
    if lead is not None and len(body) == 1:
        return [asm.indication(label, one_line(lead.text), lead.children, lead.source, section, suffix)]
    return [asm.indication(label, "", body, body[0].source, section, suffix)]


_STATEMENT = re.compile(r"\b(?:is|are|may be|will be)\s+(?:considered\s+)?(?:not\s+)?(?:medically\s+necessary|"
                        r"investigational|experimental|unproven|proven|covered)\b", re.I)
_SUBJECT_WITH = re.compile(r"\b(?:for|in)\s+(?:individuals|patients|members|enrollees|adults|persons|people)"
                           r"(?:\s+\w+){0,2}?\s+(?:diagnosed\s+)?with\s+(?P<s>[^,;]{3,120}?)\s*(?:,|;|$)", re.I)
_SUBJECT_BEFORE = re.compile(r"^(?:the\s+use\s+of\s+)?(?P<s>.{3,160}?)\s+(?:is|are|may be|will be)\s+"
                             r"(?:considered\s+)?(?:not\s+)?(?:medically|investigational|experimental|unproven|"
                             r"proven|covered)", re.I)


_FORWARD = re.compile(r"\b(?:below|following|as follows|listed|these criteria)\b[^.]*(?:\bmet\b|:|\.?$)", re.I)


def coverage_statements(asm: Assembler, section: Section, nodes: list[Node], suffix: str) -> list[Indication]:
    """Paragraphs that state coverage outright ("X is considered investigational"), one indication each.

    The fallback for sections with no enumerated criteria, and for captures
    whose layout was flattened away.
    """
    out = []
    for node in nodes:
        text = one_line(node.text)
        if node.kind != "para" or not _STATEMENT.search(text) or len(text) > 600 or _FORWARD.search(text):
            continue
        m = _SUBJECT_WITH.search(text) or _SUBJECT_BEFORE.search(text)
        if not m:
            continue
        label = clean_label(m.group("s"))
        out.append(asm.indication(label, text, [], node.source, section, suffix))
    return out


def statement_fallback(sections: list[Section]) -> list[Indication]:
    asm = Assembler()
    out: list[Indication] = []
    for section in sections:
        if section.kind in ("references", "history", "boilerplate", "coding", "definitions"):
            continue
        out += coverage_statements(asm, section, section.nodes, "")
    return out


__all__ = ["assemble", "clean_label", "Built"]
