"""Outlines of coverage sections → indications with criteria groups; not-covered text → exclusions.

`heads` finds where each indication starts and what names it (a named
sequence of strategies); `build` turns each head into a criteria tree;
`labels` names them. Only coverage sections yield indications; not-covered
sections, and statements of non-coverage anywhere, yield exclusions with the
document's own kind.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from ...normalized.schema import Group, Indication, Status
from ...normalized.text import one_line
from ...normalized.vocabulary import indication_key
from .. import logic
from ..codes import catalogue_entry
from ..outline import Node, walk
from ..sections import Section
from ..trace import Trace
from .build import Builder, Mark
from .heads import HeadFinder, with_common_requirements
from .labels import _non_coverage, _phase_label, clean_label, label_from_statement, status_of


@dataclass
class Built:
    indications: list[Indication] = field(default_factory=list)
    exclusions: list[Indication] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    marks: dict[int, Mark] = field(default_factory=dict)
    """What was read of each outline node, by `id(node)` (the accounting's input)."""
    heads: dict[int, int] = field(default_factory=dict)
    """Indications found per coverage section index (a coverage section that yields none is worth a warning)."""


def assemble(sections: Sequence[Section], outlines: Sequence[Sequence[Node]], title: str | None,
             trace: Trace | None = None) -> Built:
    built = Built()
    asm = Builder(title, trace)
    finder = HeadFinder(title)
    for index, (section, nodes) in enumerate(zip(sections, outlines)):
        found: list[Indication] = []
        if section.role == "coverage":
            phase = _phase_label(section.heading)
            named = _named(section.heading)
            if catalogue_entry(section.heading):  # a test catalogue's entry opened the section: name its parts so
                heads = finder.under_heading(Node(section.heading, "heading", section.source, children=tuple(nodes)),
                                           title or "", phase, (), catalogue=True)
            else:
                heads = finder.heads(nodes, section.heading if named else (title or section.heading), named, phase)
            heads = with_common_requirements(heads)
            for head in heads:
                ind = asm.indication(head, section)
                if ind.status != "medically_necessary":
                    for node in [*head.anchors, *walk(head.body)]:
                        asm.marks[id(node)] = Mark("exclusion")
                (found if ind.status == "medically_necessary" else built.exclusions).append(replace(ind, section=index))
            built.exclusions += _exclusions(asm, section, nodes, statements_only=True)
        elif section.role == "not_covered":
            built.exclusions += _exclusions(asm, section, nodes, statements_only=False)
        built.indications += found
        if section.role == "coverage":
            built.heads[index] = len(found)
    for node in finder.pointers:
        asm.marks.setdefault(id(node), Mark("lead_in"))
    for node in finder.scope:
        asm.marks.setdefault(id(node), Mark("head"))
    built.warnings = asm.warnings
    built.marks = asm.marks
    built.indications = _unique_keys(_restated_once(built.indications))
    built.exclusions = _restated_once(built.exclusions)
    return built


def _named(heading: str) -> bool:
    """A section heading that names the indication ("Spinal Muscular Atrophy"), not the section's role."""
    from ..sections import heading_role

    return bool(heading) and heading_role(heading) is None


def _exclusions(asm: Builder, section: Section, nodes: Sequence[Node], statements_only: bool) -> list[Indication]:
    """What a policy names as not covered: items of a not-covered section, and statements anywhere."""
    out: list[Indication] = []
    for node in nodes:
        text = one_line(node.text)
        if node.kind == "heading":
            out += _exclusions(asm, section, node.children, statements_only)
            continue
        if _non_coverage(text):
            kind = status_of(text)
            targets = [c for c in node.children if c.text] if node.children and _lead_of_list(text) else []
            for target in targets or [node]:
                label = clean_label(target.text) if targets else (
                    label_from_statement(text, asm.title) or clean_label(text))
                if label:
                    out.append(Indication(indication_key(label), label, Group("all", ()), kind, (), target.source))
                    for read in walk([target]):
                        asm.marks.setdefault(id(read), Mark("exclusion"))
            asm.marks.setdefault(id(node), Mark("exclusion"))
        elif not statements_only and node.kind in ("item", "label") and text:
            label = clean_label(text)
            out.append(Indication(indication_key(label), label, Group("all", ()),
                                  _section_kind(section), (), node.source))
            for read in walk([node]):
                asm.marks.setdefault(id(read), Mark("exclusion"))
        elif not statements_only and node.children:
            out += _exclusions(asm, section, node.children, statements_only)
    return out


def _lead_of_list(text: str) -> bool:
    return text.rstrip().endswith(":") or logic.find_cue(text) is not None or bool(
        re.search(r"\b(?:following|include|including)\b", text, re.I))


def _section_kind(section: Section) -> Status:
    heading = section.heading.lower()
    if "reasonable" in heading:
        return "not_reasonable_and_necessary"
    if re.search(r"investigational|experimental|unproven", heading):
        return "investigational"
    return "not_medically_necessary"


def _restated_once(indications: list[Indication]) -> list[Indication]:
    """A block a document prints twice word for word (a policy statement repeated in an appendix) is one
    indication, not two: the first place it stands is kept."""
    seen: set[str] = set()
    out = []
    for ind in indications:
        fingerprint = f"{ind.label.casefold()}|{ind.status}|{_criteria_text(ind.criteria)}"
        if fingerprint not in seen:
            seen.add(fingerprint)
            out.append(ind)
    return out


def _criteria_text(group: Group) -> str:
    parts = [group.logic, str(group.min), one_line(group.text).casefold()]
    for item in group.items:
        parts.append(_criteria_text(item) if isinstance(item, Group) else one_line(item.text).casefold())
    return "(" + ";".join(parts) + ")"


def _unique_keys(indications: list[Indication]) -> list[Indication]:
    """Keys are unique within a policy: comparison and diffs pair indications by key."""
    seen: dict[str, int] = {}
    out = []
    for ind in indications:
        n = seen.get(ind.key, 0)
        seen[ind.key] = n + 1
        out.append(ind if n == 0 else replace(ind, key=f"{ind.key}-{n + 1}"))
    return out


__all__ = ["Built", "assemble", "clean_label", "label_from_statement"]
