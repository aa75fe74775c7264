"""Finding indication heads in a coverage section's outline: a named sequence of strategies.

An indication is anything for which the policy states its own covered
criteria. Payers introduce one in a handful of ways, each a strategy here,
tried in order on a set of sibling nodes; the first that yields heads wins
(`STRATEGIES`). None reads a payer's name:

- `sub_headings`: sub-headings over their criteria ("A. Atopic Dermatitis"),
  or test-catalogue entries ("Test name 0340U") whose INDICATIONS are labels;
- `table_rows`: a ruled table whose rows name an indication and state its criteria;
- `diagnosis_blocks`: "Diagnosis" blocks of drug prior-approval forms;
- `labels`: a label line over bullets ("Colorectal Cancer:");
- `one_statement`: one coverage statement under a named sub-heading;
- `parallel_items`: an enumerated list whose items all state coverage alike;
- `statements`: sentence lead-ins that state coverage, each labelled by its
  condition and subject;
- `enumerated_items`: an enumerated list whose items carry criteria;
- `whole_section`: failing all of these, the whole scope, labelled by its
  heading.

Initial and renewal criteria stated separately ("1. Initial Authorization" /
"2. Reauthorization", "Continuation requests ...") become two heads, the
second labelled "(continuation)" (`split_phases`).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

from ...normalized.lexicon import (
    administrative_heading,
    common_requirement_patterns,
    generic_name,
    heading_roles,
    phase_patterns,
    requirement_words,
)
from ...normalized.schema import Source
from ...normalized.text import one_line
from .. import logic
from ..codes import catalogue_entry
from ..limits import approval_term
from ..outline import LABEL_LINE, Node, walk
from ..sections import normalize_heading, phase_only
from .labels import (
    _ASIDES,
    _COVERAGE_VERB,
    _DISEASE_ITEM,
    _FOR_ITEMS,
    _FORWARD,
    _VERB_LEAD,
    _condition_of,
    _first_clause,
    _head_clause,
    _mentions_title,
    _name_like,
    _non_coverage,
    _phase_label,
    _phase_of,
    _states,
    clean_label,
    label_from_statement,
)


@dataclass(frozen=True)
class Head:
    """One indication found in an outline: its label, lead-in and the nodes holding its criteria."""

    label: str
    lead: str
    body: Sequence[Node]
    source: Source | None
    phase: str = ""
    """"" or " (continuation)"."""
    codes: tuple[str, ...] = ()
    entry: str = ""
    """The catalogue entry (a test, a product) whose name the label already carries."""
    strategy: str = ""
    """The strategy of `STRATEGIES` that found it (what `--explain` reports)."""
    anchors: tuple[Node, ...] = ()
    """The nodes the head was read from (its statement, its label): read, though not criteria."""
    common: tuple[Node, ...] = ()
    """Criteria stated once for every indication of the section ("General Requirements"), as nodes."""
    common_lead: str = ""
    common_anchors: tuple[Node, ...] = ()
    """The nodes the common block was read from: its statement and the item pointing at the indications."""


@dataclass(frozen=True)
class Scope:
    """Sibling nodes in which heads are looked for, and what names them when nothing inside does.

    `context` labels the whole when nothing below names a part; `named` says
    whether it is a real name (a sub-heading, a label) rather than a section
    heading or the policy title.
    """

    nodes: tuple[Node, ...]
    context: str
    named: bool
    phase: str
    codes: tuple[str, ...] = ()
    finder: HeadFinder = field(repr=False, compare=False, default=None)  # type: ignore[assignment]

    @cached_property
    def statements(self) -> list[Node]:
        """Paragraphs and items that state coverage of their own (not scope lists, not pointers elsewhere).
        The scope lists and pointers are noted on the finder: they are read, as the lead-ins of what follows."""
        nodes = self.nodes
        out = []
        for n in nodes:
            if _pointer(n):
                self.finder.pointers.append(n)  # "X considers the procedures below medically necessary when ..."
                continue
            if n.kind not in ("para", "item") or not _states(n.text) or _non_coverage(n.text):
                continue
            if _scope_list(n, nodes):
                self.finder.scope.extend([n, *n.children])
            elif _points_forward(n):
                self.finder.pointers.append(n)
            else:
                out.append(n)
        return out

    @cached_property
    def level(self) -> list[Node] | None:
        return _indication_level(self.nodes)


_PRODUCT = re.compile(r"[®™]|^[A-Z][\w-]*(?:\s+[A-Z][\w-]*)?\s*\([a-z][\w-]*(?:\s+and\s+[\w-]+)?\)$")
"""A product's name: a brand mark, or a brand with its generic name in brackets ("Ogivri (trastuzumab-dkst)")."""


def _states_criteria(nodes: Sequence[Node]) -> bool:
    """Do these nodes say anything but products' names? A label over a list of products (a preferred-product
    table, a list of biosimilars) heads no indication; over conditions or settings it does."""
    stack = list(nodes)
    while stack:
        node = stack.pop()
        text = one_line(node.text)
        if text and not _PRODUCT.search(text):
            return True
        stack.extend(node.children)
    return False


def _pointer(node: Node) -> bool:
    """A paragraph that introduces what follows without stating criteria ("X covers the procedures below")."""
    return node.kind == "para" and not node.children and bool(_FORWARD.search(node.text)) \
        and not re.search(r"\d", node.text) and not _states(node.text)


Strategy = Callable[[Scope], "list[Head] | None"]
"""A way heads are introduced: the heads it finds in a scope (possibly none, which settles it), or None
when the layout is not one it reads (the next strategy is tried)."""


def sub_headings(scope: Scope) -> list[Head] | None:
    """Sub-headings each over their own criteria; text before the first sub-heading is read on its own."""
    nodes = list(scope.nodes)
    headings = [n for n in nodes if n.kind == "heading"]
    if not headings:
        return None
    finder = scope.finder
    before = nodes[: nodes.index(headings[0])]
    found = finder.heads(before, scope.context, scope.named, scope.phase, scope.codes) \
        if _criteria_like(before) else []
    finder.pointers += [n for n in before if _pointer(n)]
    for heading in headings:
        found += finder.under_heading(heading, scope.context, scope.phase, scope.codes,
                                      catalogue=len(headings) > 1)
    return found


def table_rows(scope: Scope) -> list[Head] | None:
    """A table of indications: each row's first cell names the indication its other cells state criteria for
    (a row continued on the next page, its first cell empty, goes on under the same name). The text beside
    the table is read on its own."""
    cells = [n for n in scope.nodes if n.kind == "label" and n.cell is not None and n.children]
    rows = [n for n in cells if _states_criteria(n.children)]
    for n in cells:
        if n not in rows:  # a table of products names what the policy is about: read as names, no criteria
            scope.finder.scope.extend(walk([n]))
    if not rows:
        return None
    after = scope.nodes[scope.nodes.index(rows[-1]) + 1:]
    terms = []  # "Approval Duration: 180 days" set just below the table: the rows' approval term
    for n in after:
        if n.kind == "label" and n.cell is not None:
            continue
        if n.children or not approval_term(one_line(n.text)):
            break
        terms.append(n)
    found = [h for n in rows for h in scope.finder.split_phases(
        Head(clean_label(n.text), "", (*n.children, *terms), n.source, scope.phase, scope.codes, anchors=(n,)))]
    rest = [n for n in scope.nodes if n not in rows and n not in terms
            and not (n.kind == "label" and n.cell is not None)]
    return found + (scope.finder.heads(rest, scope.context, scope.named, scope.phase, scope.codes) if rest else [])


def diagnosis_blocks(scope: Scope) -> list[Head] | None:
    """Drug forms: "Age ..." / "Diagnosis" / "Patient must have the following: 1. X" blocks, one per diagnosis."""
    nodes = scope.nodes
    labels = [i for i, n in enumerate(nodes) if n.kind == "label" and re.match(r"diagnos", n.text, re.I)]
    if not labels:
        return None
    out = []
    for k, i in enumerate(labels):
        start = i
        while start > 0 and nodes[start - 1].kind == "para" and not nodes[start - 1].children \
                and (k == 0 or start - 1 > labels[k - 1]):
            start -= 1
        if k == 0:
            start = min(start, next((j for j, n in enumerate(nodes) if n.kind != "para" or n.children), start))
            if all(not n.children for n in nodes[:start]):
                start = 0
        end = labels[k + 1] if k + 1 < len(labels) else len(nodes)
        while end > i + 1 and k + 1 < len(labels) and nodes[end - 1].kind == "para" and not nodes[end - 1].children:
            end -= 1
        block = list(nodes[start:end])
        label_node = nodes[i]
        body = [n for n in block if n is not label_node] + list(label_node.children)
        split = _split_diagnoses(label_node.children or block[block.index(label_node) + 1:])
        if split:
            shared = [n for n in block if n is not label_node]
            shared += [n for n in label_node.children if n is not split[0]]
            for item, own, common in split[1]:
                out.append(Head(clean_label(item.text), "", [*shared, item, *own, *common], item.source,
                                scope.phase, scope.codes, anchors=(label_node,)))
            continue
        label, source = _diagnosis_name(label_node.children or block[block.index(label_node) + 1:])
        if label and body:
            out.append(Head(label, "", body, source, scope.phase, scope.codes, anchors=(label_node,)))
    return out or None


def labels(scope: Scope) -> list[Head] | None:
    """Label lines ("Colorectal Cancer:") over their bullets, and coverage statements set beside them."""
    nodes = scope.nodes
    if not any(n.kind == "label" and n.children for n in nodes):
        return None
    finder = scope.finder
    found: list[Head] = []
    for node in nodes:
        if node.kind != "label" and node.children and _states(node.text) and not _non_coverage(node.text):
            found += finder.from_statement(node, scope.context, scope.phase, scope.codes)  # a lead-in beside labels
        if node.kind != "label" or not node.children:
            continue
        if _administrative_label(node.text):  # "Related Commercial Policies" over the policies' names
            finder.administrative.extend(walk([node]))
            continue
        if LABEL_LINE.match(node.text):
            if all(c.opens_list and not c.children for c in node.children):
                continue  # "INDICATIONS: X is covered in members with:" over the labels that follow
            found += finder.heads(node.children, scope.context, scope.named, scope.phase, scope.codes)
        else:
            inner = finder.heads(node.children, clean_label(node.text), True, scope.phase, scope.codes)
            if not inner and _states_criteria(node.children):  # a label over bare names (products) heads nothing
                inner = finder.split_phases(Head(clean_label(node.text), "", node.children, node.source, scope.phase,
                                                 scope.codes, anchors=(node,)))
            found += inner
    return found or None


def one_statement(scope: Scope) -> list[Head] | None:
    """One coverage statement under a named sub-heading: the sub-heading names it; the statement's list, or
    the items and approval terms beside it, are its criteria."""
    statements = scope.statements
    if not (len(statements) == 1 and scope.named and not _FOR_ITEMS.search(statements[0].text)):
        return None
    nodes = scope.nodes
    lead = statements[0]
    body = list(lead.children) or [n for n in nodes if n is not lead and (n.kind == "item" or n.children)]
    body = [*body, *(n for n in nodes if n is not lead and n not in body and not n.children
                     and approval_term(one_line(n.text)))]  # "Authorization will be issued for 6 months."
    return scope.finder.split_phases(Head(clean_label(scope.context), lead.text, body, lead.source,
                                          scope.phase or _phase_label(lead.text), scope.codes, anchors=(lead,)))


def parallel_items(scope: Scope) -> list[Head] | None:
    """An enumerated list of named indications, each stating coverage: every item read alike, wording aside."""
    level, statements = scope.level, scope.statements
    if not (level and len(level) > 1 and any(n.kind == "item" for n in statements)
            and all(n in level for n in statements if n.kind == "item")
            and sum(_name_like(_first_clause(_ASIDES.sub("", n.text))) for n in level) * 2 >= len(level)):
        return None
    found: list[Head] = []
    for node in level:
        if not _non_coverage(node.text):
            found += scope.finder.from_statement(node, scope.context, scope.phase, scope.codes)
    return found


def statements(scope: Scope) -> list[Head] | None:
    """Sentence lead-ins that state coverage, each labelled by its condition and subject (or by the name line
    set just above it), with the approval terms that follow its list."""
    if not scope.statements:
        return None
    found: list[Head] = []
    for node in scope.statements:
        title = _block_title(node, scope.nodes)
        heads = scope.finder.from_statement(node, scope.context, scope.phase, scope.codes,
                                            title[0] if title else None)
        if title is not None:
            heads = [replace(h, anchors=(*h.anchors, title[1])) for h in heads]
        terms = _terms_after(node, scope.nodes, scope.statements)
        found += [replace(h, body=[*h.body, *_for_phase(terms, h)]) for h in heads] if len(heads) == 1 else heads
    return found or None


def enumerated_items(scope: Scope) -> list[Head] | None:
    """The first enumerated list, when its items read as indications carrying their own criteria."""
    if not scope.level:
        return None
    found: list[Head] = []
    for node in scope.level:
        found += scope.finder.from_item(node, scope.phase, scope.codes)
    return found


def whole_section(scope: Scope) -> list[Head] | None:
    """Nothing inside names a part: the whole scope is one indication, named by its heading, when it states
    criteria at all (a bare list of names, or statements pointing elsewhere, states none)."""
    nodes = scope.nodes
    body = [n for n in nodes if n.kind != "label" and (n.children or n.kind in ("item", "para"))]
    criteria = [n for n in body if n.children or n.kind == "item"]
    if criteria:  # beside a list, a paragraph that states a requirement is one ("The test must be performed ...")
        criteria = [n for n in body if n in criteria or n.kind == "para" and requirement_words().search(n.text)]
    if not any(_criterion_like(n) for n in criteria):
        return []  # a bare list of names (products, codes) states no criteria
    if all(n.children and all(_states(c.text) and _points_forward(c) for c in n.children) for n in criteria):
        return []  # "Prior authorization is recommended ...: X is covered when the criteria below are met"
    lead_node = next((n for n in body if n.children), None)
    if lead_node is not None and len(criteria) == 1:
        return scope.finder.split_phases(Head(clean_label(scope.context), lead_node.text, lead_node.children,
                                              lead_node.source, scope.phase, scope.codes, anchors=(lead_node,)))
    return scope.finder.split_phases(Head(clean_label(scope.context), "", criteria, criteria[0].source, scope.phase,
                                          scope.codes))


STRATEGIES: tuple[Strategy, ...] = (sub_headings, table_rows, diagnosis_blocks, labels, one_statement,
                                    parallel_items, statements, enumerated_items, whole_section)
"""Tried in this order; the first that yields heads wins. The order is the precedence: structure the
document marks (sub-headings, diagnosis blocks, labels) before sentences, sentences before bare lists."""


class HeadFinder:
    """Runs the strategies over an outline, recursively where a strategy reads inside a part."""

    def __init__(self, title: str | None):
        self.title = title
        self.pointers: list[Node] = []
        """Statements that only point at criteria set out elsewhere ("... when the criteria below are met")."""
        self.scope: list[Node] = []
        """Scope lists ("The following procedures are covered:") and the names they list."""
        self.administrative: list[Node] = []
        """Blocks of administrative terms inside the criteria (lengths of stay, sites of care)."""

    def heads(self, nodes: Sequence[Node], context: str, named: bool, phase: str,
              codes: tuple[str, ...] = ()) -> list[Head]:
        """Indication heads among sibling nodes, each tagged with the strategy that found it."""
        scope = Scope(tuple(n for n in nodes if n.text or n.children), context, named, phase, codes, self)
        for strategy in STRATEGIES:
            found = strategy(scope)
            if found is not None:
                return [h if h.strategy else replace(h, strategy=strategy.__name__) for h in found]
        return []

    def under_heading(self, heading: Node, context: str, phase: str, codes: tuple[str, ...],
                       catalogue: bool) -> list[Head]:
        name = heading.text
        if phase_only(name):  # "1. Initial Authorization" under "A. Asthma": the phase of the parent's indication
            name = context
        entry = catalogue_entry(name)
        own_codes = codes
        if entry:
            name, entry_codes, _ = entry
            own_codes = tuple(dict.fromkeys([*codes, *entry_codes]))
        heading_phase = _phase_label(heading.text) or phase
        caption = bool(heading_roles().captions.match(normalize_heading(name)))
        if administrative_heading().match(normalize_heading(name)):  # "Procedures & Length of Stay"
            self.administrative.extend(walk([heading]))
            return []
        if generic_name().match(normalize_heading(name)):  # "Criteria for Medically Necessary Procedures"
            return self.heads(heading.children, context, False, heading_phase, own_codes)
        if common_requirement_patterns()[1].search(name) and heading.children:
            # "General Requirements (Applicable to all ...)": one block, whatever its layout (see
            # `with_common_requirements`)
            return [Head(clean_label(name), "", heading.children, heading.source, heading_phase, own_codes,
                         strategy="sub_headings", anchors=(heading,))]
        inner = self.heads(heading.children, name, not caption, heading_phase, own_codes)
        if entry:  # "NavDx Test": its statement names what the test is covered for
            inner = [replace(h, label=_condition_of(h.lead, name) or h.label) if h.label == clean_label(name) else h
                     for h in inner]
        if entry or (catalogue and _has_labels(heading.children)):
            return [h if h.entry or h.label == clean_label(name) or h.label.endswith(f"({name})")
                    else replace(h, label=f"{h.label} ({name})", entry=name) for h in inner]
        return inner

    def from_statement(self, node: Node, context: str, phase: str, codes: tuple[str, ...],
                        title: str | None = None) -> list[Head]:
        """Heads from one coverage statement; `title` is the name line set just above it, if any."""
        text = one_line(node.text)
        own_phase = phase or _phase_label(text)
        if _FOR_ITEMS.search(text) and node.children:
            # "Dysport is proven in the treatment of the following conditions:": each condition is an indication,
            # named with what the statement covers when that is not the policy's own subject.
            subject = re.sub(r"\s*\([^)]*\)", "", label_from_statement(text, self.title)).strip()
            suffix = f" ({subject})" if subject and not _mentions_title(subject, self.title) \
                and len(subject.split()) <= 4 else ""
            # A condition with no criteria of its own is the policy's, whichever product lists it (listed for
            # several products, it is one indication); one with criteria of its own is the product's.
            return [h for child in node.children if child.text
                    for h in self.split_phases(Head(clean_label(child.text) + (suffix if child.children else ""),
                                                     "", child.children, child.source, own_phase, codes,
                                                     entry=subject if suffix and child.children else "",
                                                     anchors=(node, child)))]
        disease = _DISEASE_ITEM.match(_ASIDES.sub("", text)) if node.kind == "item" else None
        if disease and not _COVERAGE_VERB.search(disease.group("d")) and _name_like(disease.group("d")):
            label = clean_label(_head_clause(text))
        else:
            label = title or label_from_statement(text, self.title)
            cue = logic.find_cue(text)
            # "X is covered when ALL of the following criteria are met": a list that must all hold is criteria
            level = _indication_level(node.children) \
                if not label and node.children and not (cue and cue.logic == "all") else None
            if level and sum(_name_like(_first_clause(n.text)) for n in level) * 2 > len(level):
                # "Must satisfy any of the following: I - VIII" over named indications
                return [h for item in level for h in self.from_item(item, own_phase, codes)]
            label = label or clean_label(context)
        return self.split_phases(Head(label, text, node.children, node.source, own_phase, codes, anchors=(node,)))

    def from_item(self, node: Node, phase: str, codes: tuple[str, ...]) -> list[Head]:
        text = one_line(node.text)
        label = clean_label(text)
        if len(label) < 3:
            return []
        return self.split_phases(Head(label, text, node.children, node.source, phase, codes))

    def split_phases(self, head: Head) -> list[Head]:
        """Initial and renewal blocks under one indication are two sets of criteria: two indications."""
        phased = [c for c in head.body if c.kind in ("item", "para", "heading") and _phase_of(c.text)]
        renewal = [c for c in phased if _phase_of(c.text) == "continuation"]
        if not renewal or len(phased) < 2 and len(head.body) != len(renewal) + 1:
            return [head]
        initial = [c for c in head.body if c not in renewal]
        out = []
        if initial:
            lone = initial[0] if len(initial) == 1 and initial[0].children else None
            out.append(replace(head, lead=lone.text if lone else head.lead, body=lone.children if lone else initial))
        for block in renewal:
            out.append(replace(head, lead=block.text, body=block.children, source=block.source or head.source,
                               phase=" (continuation)"))
        return out


def _administrative_label(text: str) -> bool:
    """A label that names an administrative block (related policies, benefit terms), not an indication."""
    from ..sections import heading_role

    return heading_role(text) == "administrative"


def _criterion_like(node: Node) -> bool:
    """Text that states a condition (a verb, a logic cue or a number), or a group of such."""
    if node.children:
        return any(_criterion_like(c) for c in node.children)
    text = one_line(node.text)
    return bool(re.search(r"\b(?:is|are|has|have|had|must|will|was|were|meets?|received|documented|confirmed|"
                          r"diagnos\w*|history|age[sd]?|prescribed|tried|failed)\b|\d|[<>≤≥]", text, re.I)
                or logic.find_cue(text))


def _terms_after(node: Node, siblings: Sequence[Node], statements: Sequence[Node]) -> list[Node]:
    """Approval terms set after a statement's list ("Authorization will be issued for 6 months."), up to the
    next statement: they belong to its indication."""
    at = next(i for i, n in enumerate(siblings) if n is node)
    out = []
    for later in siblings[at + 1:]:
        if later in statements:
            break
        if not later.children and approval_term(one_line(later.text)):
            out.append(later)
    return out


def _for_phase(terms: list[Node], head: Head) -> list[Node]:
    """The approval terms that apply to a head's phase: "Initial Requests: 6 months / Continuation Requests:
    12 months" gives the initial head 6 months and the continuation head 12."""
    renewal, initial = phase_patterns()
    continuing = bool(head.phase) or _phase_of(head.lead) == "continuation"
    out = []
    for term in terms:
        text = one_line(term.text)
        marks = sorted([(m.start(), "continuation") for m in renewal.finditer(text)] +
                       [(m.start(), "initial") for m in initial.finditer(text)])
        if not marks:
            out.append(term)
            continue
        ends = [start for start, _ in marks[1:]] + [len(text)]
        for (start, which), end in zip(marks, ends):
            if (which == "continuation") == continuing and approval_term(text[start:end]) is None:
                part = re.sub(r"^\W*[\w ]*?(?:requests?|authori[sz]ation|therapy)\s*:\s*", "Approve for ",
                              text[start:end], flags=re.I)
                if approval_term(part):
                    out.append(replace(term, text=part, children=()))
            elif (which == "continuation") == continuing:
                out.append(replace(term, text=text[start:end], children=()))
    return out


def _points_forward(node: Node) -> bool:
    """A statement that only points at criteria set out elsewhere ("... covered when the following criteria
    are met" over nothing but more such statements) names no indication of its own."""
    if not node.children:
        return bool(_FORWARD.search(node.text))
    return all(c.kind in ("para", "item") and _states(c.text) and _points_forward(c) for c in node.children)


def _block_title(node: Node, siblings: Sequence[Node]) -> tuple[str, Node] | None:
    """The name line standing just above a coverage statement ("Guardant360 LDT" over "When Guardant360 LDT
    is requested ..., the panel will be considered medically necessary when ...:"): the block's title."""
    at = next(i for i, n in enumerate(siblings) if n is node)
    above = siblings[at - 1] if at else None
    if above is None or above.kind != "para" or above.children or above.opens_list or _states(above.text) \
            or _non_coverage(above.text) or not _name_like(above.text) or len(above.text.split()) > 10 \
            or above.text.rstrip().endswith((".", ";", ",")) or not above.text[:1].isupper() or ":" in above.text \
            or phase_only(above.text) or _VERB_LEAD.match(above.text):
        return None
    label = clean_label(above.text)
    return (label, above) if label else None


_ONLY_FOR = re.compile(r"\bfor\s+(?P<what>.+?)\s+only\b", re.I)


def _split_diagnoses(nodes: Sequence[Node]) -> tuple[Node, list[tuple[Node, list[Node], list[Node]]]] | None:
    """"Patient must have ONE of the following: 1. X ... 2. Y ...": one indication per diagnosis.

    Returns the list node and, per diagnosis, (its item, the lead-ins scoped to it — "AND ONE of the
    following for X ONLY:" — and the lead-ins that apply to every diagnosis — "... for ALL diagnoses:").
    """
    follower = next((n for n in nodes if any(c.kind == "item" for c in n.children)), None)
    if follower is not None:
        cue = logic.find_cue(follower.text)
        items = [c for c in follower.children if c.kind == "item"]
        if not cue or cue.logic != "any" or cue.min or len(items) < 2 \
                or not all(_name_like(_first_clause(c.text)) for c in items):
            return None
        own: dict[int, list[Node]] = {id(c): [] for c in items}
        common: list[Node] = []
        current: Node | None = None
        for child in follower.children:
            if child.kind == "item":
                current = child
            elif _ONLY_FOR.search(child.text) and current is not None:
                own[id(current)].append(child)
            else:
                common.append(child)
        if not any(c.children or own[id(c)] for c in items):
            return None  # "1. Advanced breast cancer 2. Metastatic breast cancer": alternatives of one diagnosis
        return follower, [(c, own[id(c)], common) for c in items]
    return None


def _diagnosis_name(nodes: Sequence[Node]) -> tuple[str, Source | None]:
    for follower in nodes:
        names = [clean_label(c.text) for c in follower.children if c.kind == "item"]
        if names:
            cue = logic.find_cue(follower.text)
            joiner = " or " if cue and cue.logic == "any" else "; "
            return joiner.join(names), follower.children[0].source
        if follower.kind == "para" and not follower.children and follower.text:
            return clean_label(follower.text), follower.source
    return "", None


def _criteria_like(nodes: Sequence[Node]) -> bool:
    return any(n.children or n.kind == "item" for n in nodes)


def _has_labels(nodes: Sequence[Node]) -> bool:
    return any(n.kind == "label" for n in nodes)


def _scope_list(node: Node, siblings: Sequence[Node]) -> bool:
    """"The following procedures are covered:" over bare names, beside other indication heads, only sets scope."""
    text = one_line(node.text)
    if not re.match(r"^(?:the\s+)?following\b", text, re.I) or not node.children:
        return False
    bare = all(not c.children and len(c.text.split()) <= 40 for c in node.children)
    others = [s for s in siblings if s is not node and s.kind == "para" and _states(s.text) and s.children]
    return bare and bool(others)


def _indication_level(nodes: Sequence[Node]) -> list[Node] | None:
    """The first enumerated list in a section, if its items read as indications rather than criteria."""
    items = [n for n in nodes if n.kind == "item"]
    if not items:
        parents = [n for n in nodes if n.kind == "para" and n.children]
        if len(parents) == 1:
            items = [n for n in parents[0].children if n.kind == "item"]
    if not items:
        return None
    styles = [n.style for n in items if n.children]
    if styles:
        dominant = max(set(styles), key=styles.count)
        items = [n for n in items if n.style == dominant]
    with_children = sum(1 for n in items if n.children)
    stated = sum(1 for n in items if _states(n.text) or _non_coverage(n.text) or logic.find_cue(n.text)
                 or _DISEASE_ITEM.match(n.text) and n.children)
    if len(items) >= 1 and (with_children * 2 >= len(items) or stated * 2 > len(items)) and with_children:
        return items
    return None


def with_common_requirements(found: list[Head], sections: list[int] | None = None) -> list[Head | None]:
    """Requirements stated once for every indication become criteria of each; the blocks that state them
    come back as None (in place, so the caller keeps its order).

    A head is such a block when one of its items points at the indications set out elsewhere ("When used to
    treat an indication listed in Table 1 and ALL of the indication-specific criteria are met"), or when its
    name says it is general ("General Requirements (Applicable to all Medical Necessity Requests)"). It is
    not an indication: its other items are added to every other head of the same approval phase, in its own
    section or a later one (`sections`: each head's section index). A block with no other head of its phase
    to apply to ("Continuation ... for the indications in Table 1 ... or has met all indication-specific
    criteria") stays an indication.
    """
    refers, general = common_requirement_patterns()
    where = sections if sections is not None else [0] * len(found)

    def pointing(node: Node) -> bool:
        return bool(refers.search(one_line(node.text)))

    def is_common(h: Head) -> bool:
        return any(pointing(n) for n in h.body) or bool(general.search(h.label) or general.search(h.lead[:160]))

    candidates = {k for k, h in enumerate(found) if is_common(h)}

    def applies(c: int, k: int) -> bool:
        return k not in candidates and found[k].phase == found[c].phase and where[k] >= where[c]

    commons = [c for c in sorted(candidates) if any(applies(c, k) for k in range(len(found)))]
    out: list[Head | None] = []
    for k, h in enumerate(found):
        if k in commons:
            out.append(None)
            continue
        for c in commons:
            if not applies(c, k):
                continue
            block = found[c]
            h = replace(h, common=(*h.common, *(n for n in block.body if not pointing(n))),
                        common_lead=h.common_lead or block.lead,
                        common_anchors=(*h.common_anchors, *block.anchors, *(n for n in block.body if pointing(n))))
        out.append(h)
    return out


def listed_then_defined(found: list[Head]) -> list[Head]:
    """A condition listed with no criteria and then given criteria of its own by a statement ("Migraine
    headache, chronic" in a list, then "Botox is proven for the prophylaxis of chronic migraine when ...") is
    one indication: the one with criteria. A product's own block ("Cervical dystonia (Myobloc)") is another
    indication than the condition the policy lists."""
    def words(label: str) -> frozenset[str]:
        return frozenset(w for w in re.findall(r"[a-z0-9]+", label.lower()) if len(w) > 2)

    defined = [(words(h.label.split(" for ", 1)[-1]), h) for h in found if h.body and not h.entry and not h.common]
    out = []
    for h in found:
        owner = next((d for w, d in defined if not h.body and not h.lead and d.phase == h.phase and w
                      and w <= words(h.label)), None)
        if owner is None:
            out.append(h)
        else:  # the listed name heads the statement that defines it, and names the indication
            k = [d for _, d in defined].index(owner)
            defined[k] = (defined[k][0], replace(owner, label=h.label, anchors=(*owner.anchors, *h.anchors)))
    return [next((d for w, d in defined if d.source == h.source and d.lead == h.lead and d.body == h.body), h)
            for h in out]
