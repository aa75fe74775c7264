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

from ...normalized.lexicon import common_requirement_patterns, generic_name, heading_roles
from ...normalized.schema import Group, Indication, Status
from ...normalized.text import one_line
from ...normalized.vocabulary import indication_key
from .. import logic
from ..codes import catalogue_entry
from ..outline import Node, walk
from ..sections import Section
from ..trace import Trace
from .build import Builder, Mark
from .heads import Head, HeadFinder, listed_then_defined, with_common_requirements
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
    per_section: dict[int, list[Head]] = {}
    for index, (section, nodes) in enumerate(zip(sections, outlines)):
        if section.role != "coverage":
            continue
        phase = _phase_label(section.heading)
        named = _named(section.heading)
        if catalogue_entry(section.heading):  # a test catalogue's entry opened the section: name its parts so
            heads = finder.under_heading(Node(section.heading, "heading", section.source, children=tuple(nodes)),
                                         title or "", phase, (), catalogue=True)
        else:
            heads = finder.heads(nodes, section.heading if named else (title or section.heading), named, phase)
        if common_requirement_patterns()[1].search(section.heading):
            # under "General Requirements (Applicable to all ...)", a block named only by its logic ("All of the
            # following") or only by the policy's title (the section's own name was generic) is the requirements'
            # own: named so, it is common to every indication
            untitled = {clean_label(title)} if title else set()
            heads = [replace(h, label=clean_label(section.heading)) if _named_by_logic(h.label) or h.label in untitled
                     else h for h in heads]
        per_section[index] = listed_then_defined(heads)
    # Requirements stated once for every indication apply across the coverage sections that follow them
    # ("General Requirements", then "Diagnosis-Specific Requirements").
    order = [(index, head) for index, heads in per_section.items() for head in heads]
    common = with_common_requirements([h for _, h in order], [index for index, _ in order])
    kept = {index: [h for (i, _), h in zip(order, common) if i == index and h is not None] for index in per_section}
    for index, (section, nodes) in enumerate(zip(sections, outlines)):
        found: list[Indication] = []
        if section.role == "coverage":
            for head in kept[index]:
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
    for node in finder.administrative:
        asm.marks.setdefault(id(node), Mark("administrative"))
    built.warnings = asm.warnings
    built.marks = asm.marks
    built.indications = _unique_keys(_restated_once(built.indications))
    built.exclusions = _restated_once(built.exclusions)
    return built


def _named_by_logic(label: str) -> bool:
    """"All of the following", "One of the following criteria": a label that is only a logic cue names nothing."""
    return logic.find_cue(label) is not None and len(label.split()) <= 6


def _named(heading: str) -> bool:
    """A section heading that names the indication ("Spinal Muscular Atrophy"), not the section's role."""
    from ..sections import heading_role, normalize_heading

    name = normalize_heading(heading)
    return bool(heading) and heading_role(heading) is None and not heading_roles().captions.match(name) \
        and not generic_name().match(name)  # "Table 1", "Criteria for Medically Necessary Procedures" name nothing


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
    """A block a document prints twice (a policy statement repeated in an appendix, a condition listed as proven
    for several products) is one indication, not two: the first place it stands is kept. Labels that differ
    only in an aside ("Cervical dystonia (spasmodic torticollis)") are one name."""
    seen: set[str] = set()
    out = []
    for ind in indications:
        fingerprint = f"{ind.key}|{ind.status}|{_criteria_text(ind.criteria)}"
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
