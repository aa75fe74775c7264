"""Outlines of coverage sections → indications with criteria groups; not-covered text → exclusions.

An indication is anything for which the policy states its own covered
criteria. Payers introduce one in a handful of ways, all read here from the
outline, none from a payer's name:

- a sub-heading over its criteria ("Home/Portable Monitor Sleep Testing",
  "A. Atopic Dermatitis"), or a test-catalogue entry ("Test name 0340U")
  whose INDICATIONS are condition labels;
- a label line over bullets ("Colorectal Cancer:");
- a sentence lead-in that states coverage ("In adults age 18 years or
  older, bariatric surgery ... is proven and medically necessary when all of
  the following criteria are met:"), labelled by its subject and condition;
- an enumerated list whose items carry criteria ("1. Asthma. Approve ...");
- "Diagnosis" blocks of drug prior-approval forms;
- a lead-in "... for the following indications:", one indication per item;
- failing all of these, the whole section, labelled by its heading.

Initial and renewal criteria stated separately ("1. Initial Authorization" /
"2. Reauthorization", "A) Initial Therapy" / "B) Patient is Currently
Receiving", "Continuation requests ...", a renewal section) become two
indications, the second labelled "(continuation)".
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from ..normalized.lexicon import covered_pattern, not_covered_patterns, phase_patterns
from ..normalized.schema import Criterion, Group, Indication, Source, Status, Threshold
from ..normalized.text import one_line
from ..normalized.vocabulary import indication_key
from . import logic
from .codes import catalogue_entry, codes_in
from .limits import approval_term, is_negated, read_thresholds
from .outline import LABEL_LINE, Node
from .sections import Section, phase_only

_CITATION_TAIL = re.compile(r"(?:(?:(?<=[a-z]{3})|(?<=[)\].]))\d{1,3}(?:\s*,\s*\d{1,3})*"
                            r"|\s+\d{1,3}(?:\s*,\s*\d{1,3})+)\s*$")
_CODES_TAIL = re.compile(r"\s*[-–(]?\s*\b(?:cpt|hcpcs)\b.*$", re.I)
_NOTE = re.compile(r"^\W*(?:note|notes|nb)\b\s*[:.-]", re.I)
_GENERIC_SUBJECT = re.compile(r"^(?:the\s+)?(?:member|patient|individual|beneficiar(?:y|ies)|enrollee|person|"
                              r"(?:[\w&.'-]+\s+){1,3}members?|members?|patients?|individuals?|it|this\s+(?:test|service|drug|"
                              r"procedure|medication)|the\s+(?:test|service|drug|procedure|medication)|"
                              r"the\s+following(?:\s+\w+){0,4}|requests?|coverage|approval)\b", re.I)
_POPULATION = re.compile(r"^\s*(?:in|for)\s+(?P<p>(?:adults?|adolescents?|children|pediatric|infants?|"
                         r"individuals?|members?|patients?|men|women|males?|females?|beneficiaries)\b[^,]{0,80}),\s*"
                         r"(?P<rest>.+)$", re.I)
_SUBJECT_CUT = re.compile(r"\s+(?:using|identified|that|which|who|when|where|due\s+to|as\s+described|listed|"
                          r"including|for\s+treating|for\s+the\s+(?:treatment|purpose))\b.*$", re.I)
_PRODUCT_USE = re.compile(r"^(?:the\s+)?(?:use\s+of\s+)?", re.I)
_FOR_ITEMS = re.compile(r"\b(?:for|in|in\s+the\s+treatment\s+of)\s+(?:the\s+)?following\s+(?:indications?|"
                        r"conditions?|diagnos[ie]s|uses|clinical\s+(?:indications|situations))\b", re.I)
_FORWARD = re.compile(r"\b(?:below|following|as\s+follows|listed|these\s+criteria|this\s+policy)\b", re.I)
"""A statement that points at criteria elsewhere ("... if the conditions indicated below are met") names none."""
_DISEASE_ITEM = re.compile(r"^(?P<d>[^.:;]{3,140}?)(?:\.\s+(?=[A-Z])|:\s*|\s+[-–]\s+)(?P<rest>.*)$")
_ASIDES = re.compile(r"\s*(?:\((?:[^()]|\([^()]*\))*\)|\[[^\]]*\])")
"""Parenthesised and bracketed asides ("(i.e., CDKL5 deficiency disorder; ...)"), whose own stops end nothing."""


@dataclass
class Built:
    indications: list[Indication] = field(default_factory=list)
    exclusions: list[Indication] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
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


def clean_label(text: str) -> str:
    """An indication's name from its heading or item text: no lead-in, citations, code lists or markers."""
    head = one_line(text).strip()
    head = re.sub(r"^\W*(?:and|or)\s+", "", head, flags=re.I)
    first = re.match(r"^(?P<s>[^.]{3,80}?[a-z)\]])\.\s+[A-Z]", head)
    if first and len(first.group("s").split()) <= 10:
        head = first.group("s")  # "Asthma. Approve for the duration noted if ..."
    cut = re.search(r"\s*(?::|\s[-–—]\s*(?=must|should|requires?|all|any|one|both|see|cpt|hcpcs)|"
                    r"\bmust\s+(?:satisfy|meet|have)|\b(?:is|are)\s+(?:not\s+)?(?:considered|proven|covered|"
                    r"medically)|\bmay\s+be\s+considered|\bwhen\s+(?:all|any|one|the\s+following)|\s[-–—]\s*$|"
                    r",?\s+(?:including|includes|with)\s+(?:any|all|one|both|either)\s+(?:\(\d\)\s+)?of\s+the\s+following)",
                    head, re.I)
    if cut and cut.start() > 2:
        head = head[: cut.start()]
    elif len(head.split()) > 14:
        head = re.split(r"(?<=[a-z)\]])\.\s", head)[0]
    if re.search(r"\b(?:cpt|hcpcs)\b", head, re.I):
        head = _CODES_TAIL.sub("", head)
    head = _CITATION_TAIL.sub("", head.rstrip(" .;,:-–"))
    head = re.sub(r"\s*\{[^}]*\}", "", head)  # "{regardless of type of onset}"
    head = re.sub(r"\s*\((?:including|includes|e\.\s?g\.|such\s+as|i\.\s?e\.)[^)]*\)", "", head, flags=re.I)
    if len(head.split()) > 6:
        head = re.sub(r"\s*\[[^\]]*\]", "", head)  # "[or juvenile rheumatoid arthritis]"
    return one_line(head).strip(" .;,:-–*") or one_line(text)[:80]


def _phase_of(text: str) -> str | None:
    """"continuation" / "initial" when a text names an approval phase at its start, else None."""
    renewal, initial = phase_patterns()
    head = text[:90]
    m_r, m_i = renewal.search(head), initial.search(head)
    if m_r and (not m_i or m_r.start() <= m_i.start()) and m_r.start() < 40:
        return "continuation"
    if m_i and m_i.start() < 30:
        return "initial"
    return None


def _states(text: str) -> bool:
    return bool(covered_pattern().search(text))


def status_of(text: str, default: Status = "medically_necessary") -> Status:
    """The kind of (non-)coverage a statement declares, in the document's own words."""
    for kind, pattern in not_covered_patterns():
        if pattern.search(text):
            return kind  # type: ignore[return-value]
    return default


_COVERAGE_VERB = re.compile(r"\s+(?:is|are|may\s+be|will\s+be|would\s+be|shall\s+be|can\s+be|be)\s+(?:(?:if|when)\s+)?"
                            r"(?:(?:considered|deemed)\s+(?:to\s+be\s+)?)?(?:proven|medically|reasonable|covered|eligible|"
                            r"approved|indicated|appropriate|not|investigational|experimental|unproven|authori[sz]ed)\b",
                            re.I)
_TREATMENT_OF = re.compile(r"\bfor\s+(?:the\s+)?"
                           r"(?:treatment|management|diagnosis|surveillance|evaluation|monitoring)\s+"
                           r"of\s+(?:(?:cancer\s+)?recurrence\s+in\s+(?:members|patients|individuals)\s+with\s+)?(?P<c>.+?)"
                           r"(?=\s+(?:when|if|in\s+(?:members|patients|individuals|adults|children)|who|that|may|is|are|"
                           r"will)\b|[,;:]|$)", re.I)
_REQUEST = re.compile(r"^(?:(?:initial|continuation|continued|subsequent|renewal|new)\s+)?(?:requests?|therapy|"
                      r"authori[sz]ation|use|treatment|coverage)\b(?:\s+of\s+therapy)?", re.I)


_PURPOSE = re.compile(r"(?:treating|managing|reducing|improving|preventing|relieving)\b", re.I)
"""A gerund after "for" states what a procedure is for ("for treating obesity"), not a separate condition."""


_PREAMBLE = re.compile(r"^\W*it\s+is\s+the\s+policy\s+of\s+.{0,160}?\bthat\s+", re.I)
""""It is the policy of health plans affiliated with X that ...": the statement proper follows."""


def label_from_statement(text: str, title: str | None) -> str:
    """The indication a coverage sentence is about: its condition, its subject, or both.

    "Initial requests for Dupixent for the treatment of asthma may be approved
    if ..." → "Asthma"; "Continuation of therapy with Dupixent for COPD may be
    approved" → "COPD"; "In adults age 18 years or older, bariatric surgery
    using ... is proven and medically necessary when ..." → "Bariatric surgery
    in adults"; "A planned two-stage procedure is proven ..." → "Planned
    two-stage procedure"; "Hypoglossal nerve stimulation is considered
    reasonable and necessary for the treatment of sleep apnea when ..." →
    "Hypoglossal nerve stimulation for sleep apnea".
    """
    sentence = _PREAMBLE.sub("", one_line(text))
    population = ""
    m = _POPULATION.match(sentence)
    if m:
        population = re.split(r"\s+(?:age|aged|\d|who|with|between|from)\b", m.group("p"), maxsplit=1)[0].strip()
        sentence = m.group("rest")
    verb = _COVERAGE_VERB.search(sentence)
    before = sentence[: verb.start()] if verb else ""
    condition = ""
    treated = _TREATMENT_OF.search(sentence)
    if treated:
        condition = treated.group("c").strip(" ,")
    subject = before
    if treated and treated.start() < len(before):
        subject = before[: treated.start()]
    if not condition and " for " in before:
        head, _, tail = before.rpartition(" for ")
        if _REQUEST.match(head) or _mentions_title(head, title) or _GENERIC_SUBJECT.match(head):
            subject, condition = head, tail
    subject = _SUBJECT_CUT.sub("", subject).strip(" ,")
    subject = re.sub(r"^(?:a|an|the)\s+", "", subject, flags=re.I)
    subject = re.sub(r"\s*\((?:cpt|hcpcs)[^)]*\)", "", subject, flags=re.I)
    subject = re.sub(r"^(?:fda|food and drug administration)[- ]approved\s+", "", subject, flags=re.I)
    purpose = _PURPOSE.match(condition)
    if _REQUEST.match(subject) or _GENERIC_SUBJECT.match(subject) or \
            (_mentions_title(subject, title) and condition and not purpose):
        subject = ""  # "Dupixent for asthma" under the title Dupixent is "Asthma"; "surgery for treating X" stays
    condition = re.sub(r"^(?:the\s+)?(?:treatment|management)\s+of\s+", "", condition, flags=re.I)
    label = f"{subject} for {condition}" if subject and condition else (subject or condition)
    if population and label:
        label = f"{label} in {population}"
    label = clean_label(label) if label else ""
    return label[:1].upper() + label[1:] if label else ""


def _mentions_title(text: str, title: str | None) -> bool:
    if not title:
        return False
    words = [w for w in re.findall(r"[a-z0-9]+", title.lower()) if len(w) > 3]
    text_low = text.lower()
    return bool(words) and words[0] in text_low


class Assembler:
    """Turns outline nodes into schema objects, collecting warnings as it reads."""

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
        status = status_of(lead) if _states_non_coverage_only(lead) else (
            "medically_necessary" if section.role == "coverage" else status_of(lead, "not_medically_necessary"))
        return Indication(key, head.label + head.phase, criteria, status, codes, head.source)

    # -- finding indication heads --------------------------------------------------------------------------
    def heads(self, nodes: Sequence[Node], context: str, named: bool, phase: str,
              codes: tuple[str, ...] = ()) -> list[Head]:
        """Indication heads among sibling nodes.

        `context` labels the whole when nothing below names a part; `named`
        says whether it is a real name (a sub-heading, a label) rather than a
        section heading or the policy title.
        """
        nodes = [n for n in nodes if n.text or n.children]
        found: list[Head] = []
        headings = [n for n in nodes if n.kind == "heading"]
        if headings:
            before = nodes[: nodes.index(headings[0])]
            found += self.heads(before, context, named, phase, codes) if _criteria_like(before) else []
            for heading in headings:
                found += self._under_heading(heading, context, phase, codes, catalogue=len(headings) > 1)
            return found
        diagnosis = self._diagnosis_blocks(nodes, phase, codes)
        if diagnosis:
            return diagnosis
        if any(n.kind == "label" and n.children for n in nodes):
            for node in nodes:
                if node.kind != "label" and node.children and _states(node.text) and not _non_coverage(node.text):
                    found += self._from_statement(node, context, phase, codes)  # a lead-in beside the labels
                if node.kind != "label" or not node.children:
                    continue
                if LABEL_LINE.match(node.text):
                    if all(c.opens_list and not c.children for c in node.children):
                        continue  # "INDICATIONS: X is covered in members with:" over the labels that follow
                    found += self.heads(node.children, context, named, phase, codes)
                else:
                    found += self.heads(node.children, clean_label(node.text), True, phase, codes) or \
                        self._split_phases(Head(clean_label(node.text), "", node.children, node.source, phase, codes))
            if found:
                return found
        statements = [n for n in nodes if n.kind in ("para", "item") and _states(n.text)
                      and not _non_coverage(n.text) and not _scope_list(n, nodes) and not _points_forward(n)]
        if len(statements) == 1 and named and not _FOR_ITEMS.search(statements[0].text):
            lead = statements[0]
            body = lead.children or [n for n in nodes if n is not lead and (n.kind == "item" or n.children)]
            body = [*body, *(n for n in nodes if n is not lead and n not in body and not n.children
                             and approval_term(one_line(n.text)))]  # "Authorization will be issued for 6 months."
            return self._split_phases(Head(clean_label(context), lead.text, body, lead.source,
                                           phase or _phase_label(lead.text), codes))
        level = _indication_level(nodes)
        if level and len(level) > 1 and any(n.kind == "item" for n in statements) \
                and all(n in level for n in statements if n.kind == "item") \
                and sum(_name_like(_first_clause(_ASIDES.sub("", n.text))) for n in level) * 2 >= len(level):
            # Parallel enumerated indications: read every item of the list alike, wording aside.
            for node in level:
                if not _non_coverage(node.text):
                    found += self._from_statement(node, context, phase, codes)
            return found
        if statements:
            for node in statements:
                heads = self._from_statement(node, context, phase, codes, _block_title(node, nodes))
                terms = _terms_after(node, nodes, statements)
                found += [replace(h, body=[*h.body, *_for_phase(terms, h)]) for h in heads] if len(heads) == 1 \
                    else heads
            if found:
                return found
        if level:
            for node in level:
                found += self._from_item(node, phase, codes)
            return found
        body = [n for n in nodes if n.kind != "label" and (n.children or n.kind in ("item", "para"))]
        criteria = [n for n in body if n.children or n.kind == "item"]
        if not any(_criterion_like(n) for n in criteria):
            return []  # a bare list of names (products, codes) states no criteria
        if all(n.children and all(_states(c.text) and _points_forward(c) for c in n.children) for n in criteria):
            return []  # "Prior authorization is recommended ...: X is covered when the criteria below are met"
        lead_node = next((n for n in body if n.children), None)
        if lead_node is not None and len(criteria) == 1:
            return self._split_phases(Head(clean_label(context), lead_node.text, lead_node.children, lead_node.source,
                                           phase, codes))
        return self._split_phases(Head(clean_label(context), "", criteria, criteria[0].source, phase, codes))

    def _under_heading(self, heading: Node, context: str, phase: str, codes: tuple[str, ...],
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
        inner = self.heads(heading.children, name, True, heading_phase, own_codes)
        if entry:  # "NavDx Test": its statement names what the test is covered for
            inner = [replace(h, label=_condition_of(h.lead, name) or h.label) if h.label == clean_label(name) else h
                     for h in inner]
        if entry or (catalogue and _has_labels(heading.children)):
            return [h if h.entry or h.label == clean_label(name) or h.label.endswith(f"({name})")
                    else replace(h, label=f"{h.label} ({name})", entry=name) for h in inner]
        return inner

    def _from_statement(self, node: Node, context: str, phase: str, codes: tuple[str, ...],
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
            return [h for child in node.children if child.text
                    for h in self._split_phases(Head(clean_label(child.text) + suffix, "", child.children,
                                                     child.source, own_phase, codes, entry=subject if suffix else ""))]
        disease = _DISEASE_ITEM.match(_ASIDES.sub("", text)) if node.kind == "item" else None
        if disease and not _COVERAGE_VERB.search(disease.group("d")) and _name_like(disease.group("d")):
            label = clean_label(_head_clause(text))
        else:
            label = title or label_from_statement(text, self.title)
            level = _indication_level(node.children) if not label and node.children else None
            if level and sum(_name_like(_first_clause(n.text)) for n in level) * 2 > len(level):
                # "Must satisfy any of the following: I - VIII" over named indications
                return [h for item in level for h in self._from_item(item, own_phase, codes)]
            label = label or clean_label(context)
        return self._split_phases(Head(label, text, node.children, node.source, own_phase, codes))

    def _from_item(self, node: Node, phase: str, codes: tuple[str, ...]) -> list[Head]:
        text = one_line(node.text)
        label = clean_label(text)
        if len(label) < 3:
            return []
        return self._split_phases(Head(label, text, node.children, node.source, phase, codes))

    def _split_phases(self, head: Head) -> list[Head]:
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

    def _diagnosis_blocks(self, nodes: Sequence[Node], phase: str, codes: tuple[str, ...]) -> list[Head]:
        """Drug forms: "Age ..." / "Diagnosis" / "Patient must have the following: 1. X" blocks, one per diagnosis."""
        labels = [i for i, n in enumerate(nodes) if n.kind == "label" and re.match(r"diagnos", n.text, re.I)]
        if not labels:
            return []
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
                                    phase, codes))
                continue
            label, source = _diagnosis_name(label_node.children or block[block.index(label_node) + 1:])
            if label and body:
                out.append(Head(label, "", body, source, phase, codes))
        return out


_NOT_A_NAME = re.compile(r"^(?:the\s+)?(?:patient|individual|member|beneficiar|documentation|treatment(?!-)|there|"
                         r"prescrib|diagnosis\s+of|history\s+of|one|all|any|both|either|at\s+least|no\b|not\b)|"
                         r"\b(?:is|are|has|have|had|must|will|should|was|were|meets?|received|continues?)\b", re.I)


def _criterion_like(node: Node) -> bool:
    """Text that states a condition (a verb, a logic cue or a number), or a group of such."""
    if node.children:
        return any(_criterion_like(c) for c in node.children)
    text = one_line(node.text)
    return bool(re.search(r"\b(?:is|are|has|have|had|must|will|was|were|meets?|received|documented|confirmed|"
                          r"diagnos\w*|history|age[sd]?|prescribed|tried|failed)\b|\d|[<>≤≥]", text, re.I)
                or logic.find_cue(text))


def _first_clause(text: str) -> str:
    return re.split(r"\s*(?::|\.\s|\s[-–—]\s)", one_line(text), maxsplit=1)[0]


_VERB_LEAD = re.compile(r"^(?:see|please|refer|click|for|note|in|if|when|to)\b", re.I)
"""How a line that points elsewhere or opens a sentence begins ("See Benefit Considerations")."""


def _head_clause(text: str) -> str:
    """The text up to its first stop outside brackets: "Juvenile Idiopathic Arthritis (JIA). Approve ..." →
    "Juvenile Idiopathic Arthritis (JIA)"; "Seizures [rare] (i.e., X; Y). Approve" → "Seizures [rare] (i.e., X; Y)"."""
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(depth - 1, 0)
        elif depth == 0 and (ch in ":;" or ch == "." and re.match(r"\.\s+[A-Z]", text[i:i + 3])
                             or re.match(r"\s[-–]\s", text[i:i + 3])):
            return text[:i]
    return text


def _condition_of(statement: str, subject: str) -> str:
    """What a statement covers its subject for: "NavDx test is ... necessary for the surveillance of recurrence
    in members with a personal history of documented HPV-driven oropharyngeal cancer" → "HPV-driven
    oropharyngeal cancer"; "" when it names nothing beyond the subject."""
    label = label_from_statement(statement, None) if statement else ""
    head, sep, tail = label.partition(" for ")
    if not sep or not _mentions_title(head, subject):
        return ""
    tail = re.sub(r"^(?:an?\s+)?(?:personal\s+)?(?:history\s+of\s+)?(?:documented\s+)?", "", tail, flags=re.I)
    return tail[:1].upper() + tail[1:] if tail else ""


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


def _block_title(node: Node, siblings: Sequence[Node]) -> str | None:
    """The name line standing just above a coverage statement ("Guardant360 LDT" over "When Guardant360 LDT
    is requested ..., the panel will be considered medically necessary when ...:"): the block's title."""
    at = next(i for i, n in enumerate(siblings) if n is node)
    above = siblings[at - 1] if at else None
    if above is None or above.kind != "para" or above.children or above.opens_list or _states(above.text) \
            or _non_coverage(above.text) or not _name_like(above.text) or len(above.text.split()) > 10 \
            or above.text.rstrip().endswith((".", ";", ",")) or not above.text[:1].isupper() or ":" in above.text \
            or phase_only(above.text) or _VERB_LEAD.match(above.text):
        return None
    return clean_label(above.text) or None


def _name_like(text: str) -> bool:
    """A condition or service name ("Hepatic lesions", "Asthma"), not a criterion sentence; asides in brackets
    ("[or juvenile rheumatoid arthritis] {regardless of type of onset}") do not count."""
    bare = re.sub(r"\[[^\]]*\]|\{[^}]*\}|\([^)]*\)", " ", text)
    return 0 < len(bare.split()) <= 12 and not _NOT_A_NAME.search(bare)


def _phase_label(text: str) -> str:
    return " (continuation)" if _phase_of(text) == "continuation" else ""


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


def _after_label(text: str, label: str) -> str:
    """The lead-in less the label, so a label's own words ("Stage IV disease") are read once."""
    return text[len(label):] if text.startswith(label) else text


def _criteria_like(nodes: Sequence[Node]) -> bool:
    return any(n.children or n.kind == "item" for n in nodes)


def _has_labels(nodes: Sequence[Node]) -> bool:
    return any(n.kind == "label" for n in nodes)


def _coverage_statement_only(nodes: Sequence[Node]) -> bool:
    """One lead-in paragraph holding all the criteria (a sub-heading's usual body)."""
    parents = [n for n in nodes if n.children]
    return len(parents) == 1 and parents[0].kind == "para"


def _non_coverage(text: str) -> bool:
    return any(p.search(text) for _, p in not_covered_patterns()) and not _positive_first(text)


def _positive_first(text: str) -> bool:
    """"X is medically necessary when ...; it is investigational for all other uses": coverage comes first."""
    covered = covered_pattern().search(text)
    negative = min((m.start() for _, p in not_covered_patterns() for m in [p.search(text)] if m), default=None)
    return covered is not None and (negative is None or covered.start() < negative)


def _states_non_coverage_only(text: str) -> bool:
    return _non_coverage(text)


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


def assemble(sections: Sequence[Section], outlines: Sequence[Sequence[Node]], title: str | None) -> Built:
    built = Built()
    asm = Assembler(title)
    for index, (section, nodes) in enumerate(zip(sections, outlines)):
        found: list[Indication] = []
        if section.role == "coverage":
            phase = _phase_label(section.heading)
            named = _named(section.heading)
            if catalogue_entry(section.heading):  # a test catalogue's entry opened the section: name its parts so
                heads = asm._under_heading(Node(section.heading, "heading", section.source, children=tuple(nodes)),
                                           title or "", phase, (), catalogue=True)
            else:
                heads = asm.heads(nodes, section.heading if named else (title or section.heading), named, phase)
            for head in heads:
                ind = asm.indication(head, section)
                (found if ind.status == "medically_necessary" else built.exclusions).append(replace(ind, section=index))
            built.exclusions += _exclusions(asm, section, nodes, statements_only=True)
        elif section.role == "not_covered":
            built.exclusions += _exclusions(asm, section, nodes, statements_only=False)
        built.indications += found
    built.warnings = asm.warnings
    built.indications = _unique_keys(_restated_once(built.indications))
    built.exclusions = _restated_once(built.exclusions)
    return built


def _named(heading: str) -> bool:
    """A section heading that names the indication ("Spinal Muscular Atrophy"), not the section's role."""
    from .sections import heading_role

    return bool(heading) and heading_role(heading) is None


def _exclusions(asm: Assembler, section: Section, nodes: Sequence[Node], statements_only: bool) -> list[Indication]:
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
        elif not statements_only and node.kind in ("item", "label") and text:
            label = clean_label(text)
            out.append(Indication(indication_key(label), label, Group("all", ()),
                                  _section_kind(section), (), node.source))
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


__all__ = ["assemble", "clean_label", "label_from_statement", "Built"]
