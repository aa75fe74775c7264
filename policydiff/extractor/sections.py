"""Lines → sections, each with a role: which parts of a policy state coverage criteria, which do not.

A heading is recognised by its layout (a Markdown heading; a bold or larger
PDF line that is not the continuation of a sentence) or by its words (a line
that is a known heading, an ALL-CAPS line). Its words give the section a
role through the vocabulary in `normalized/data/sections.json`.

A heading the vocabulary does not know ("Asthma", "Home/Portable Monitor
Sleep Testing") names something inside the section it stands in, so it stays
there as a sub-heading, unless the section around it is not about coverage
and the text under it states coverage criteria: then it opens a coverage
section of its own. Some headings ("Policy", "Guidelines") mean coverage in
one document and background in another; what the section says decides.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from ..normalized.lexicon import covered_pattern, heading_roles, label_line, phase_patterns
from ..normalized.schema import ROLES, Role, Source
from .codes import catalogue_entry
from .markers import BULLET_START, CHAINED, CONNECTOR_LINE, ENDS_CLAUSE
from .trace import Trace
from .types import Layout, Line

_NUMBERING = re.compile(r"^\s*(?:#+\s*)?(?:(?:section|part)\s+)?"
                        r"(?:[IVX]{1,4}|[A-Z]|\d{1,2}(?:\.\d{1,2})?)[.):]\s+(?=[A-Za-z])")
_HEADING_CHARS = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ,&/()'’\-–—.:]*$")
_INLINE = re.compile(r"^\s*(?P<name>[A-Za-z][A-Za-z /&'’()\-–]{1,60}?)\s*:\s+(?P<rest>\S.*)$")
_LOWER_START = re.compile(r"^[a-z(]")
_CUE_ENDING = re.compile(r"\b(?:following|below|met|criteria|include|includes|including)\b.*:\s*$", re.I)


@dataclass(frozen=True)
class Section:
    heading: str
    role: Role
    lines: tuple[Line, ...] = ()
    """The section's text, heading line excluded; sub-headings inside it are lines with `heading` set."""
    heading_line: Line | None = None
    role_rule: str = ""
    """Why the section has its role: "heading_words", "states_coverage", "inherits_parent", ... (`--explain`)."""

    @property
    def source(self) -> Source | None:
        line = self.heading_line or (self.lines[0] if self.lines else None)
        return Source(line.line, line.page) if line else None

    @property
    def pages(self) -> tuple[int, int] | None:
        pages = [ln.page for ln in ([self.heading_line] if self.heading_line else []) + list(self.lines) if ln.page]
        return (min(pages), max(pages)) if pages else None


def normalize_heading(text: str) -> str:
    """A heading as the vocabulary matches it: no numbering or trailing colon, lowercase, '&' as 'and'."""
    text = _NUMBERING.sub("", text.strip(), count=1)
    text = text.replace("’", "'").replace("&", " and ").replace("(s)", "s").replace("(S)", "s")
    text = re.sub(r"[–—-]", " ", text)
    text = re.sub(r"\s*/\s*", "/", text)
    text = re.sub(r"[:*†‡]+\s*$", "", text.strip())
    return re.sub(r"\s+", " ", text).strip(" .").lower()


def heading_role(text: str) -> Role | None:
    """The role a heading's words give its section, or None when the vocabulary does not know the heading.

    A footnote letter fused to the last word ("Criteriaa") and a parenthesised
    tail ("Prior Approval Requirements (Initial)") are tolerated.
    """
    name = normalize_heading(text)
    if not name or len(name) > 100:
        return None
    candidates = [name, re.sub(r"\s*\([^)]*\)\s*$", "", name)]
    candidates.append(re.sub(r"([a-z])\1$", r"\1", candidates[-1]))
    for candidate in dict.fromkeys(candidates):
        role = _role_of_name(candidate)
        if role is not None:
            return role
    if "/" in name:  # "Policy/Criteria": the most telling part names the role
        roles = [_content_decides(part)[0] if _content_decides(part) else _role_of_name(part)  # type: ignore[index]
                 for part in name.split("/") if part.strip()]
        for role in ("coverage", "not_covered", "coding", "references", "background", "history", "definitions",
                     "evidence", "regulatory", "administrative"):
            if role in roles:
                return role
    return None


def _role_of_name(name: str) -> Role | None:
    vocab = heading_roles()
    if vocab.inherit.match(name):
        return "coverage"  # provisional: the section it stands in decides (see `split_sections`)
    for pattern, _, _ in vocab.by_content:
        if pattern.match(name):
            return "coverage"  # provisional: the content decides (see `split_sections`)
    for role, pattern in vocab.by_role:
        if pattern.match(name):
            return role  # type: ignore[return-value]
    return None


def _content_decides(text: str) -> tuple[Role, str] | None:
    """(fallback role, evidence needed) for a heading whose meaning depends on its section's content."""
    name = normalize_heading(text)
    for pattern, role, evidence in heading_roles().by_content:
        if pattern.match(name):
            return role, evidence  # type: ignore[return-value]
    return None


_CRITERIA_LIST = re.compile(r"\b(?:all|any|one|both|either|at\s+least\s+(?:one|two|\d))\s+(?:\(\d\)\s+)?(?:of\s+)?"
                            r"(?:the\s+)?(?:following|below)\b", re.I)


def lists_criteria(lines: list[Line]) -> bool:
    """A list of criteria: "all of the following", or items chained by "; and" / "; or"."""
    return any(_CRITERIA_LIST.search(ln.text) for ln in lines[:400]) \
        or sum(1 for ln in lines[:400] if CHAINED.search(ln.text)) >= 2


def states_coverage(lines: list[Line]) -> bool:
    """Does this text state coverage criteria ("... is considered medically necessary when ...:")?

    A coverage verb alone is not enough ("Dupixent is approved by the FDA for
    ..."): the sentence must also set a condition or introduce a list.
    """
    covered = covered_pattern()
    for text in _sentences(lines):
        m = covered.search(text)
        if m and not _negated_before(text, m.start()) and re.search(
                r"\b(?:when|if|for\s+(?:the\s+following|members?|individuals?|patients?|beneficiar)|following|"
                r"criteria|provided\s+(?:that|the))\b|:\s*$", text[m.start():], re.I):
            return True
    return False


def phase_only(text: str) -> bool:
    """A heading that names only an approval phase ("Initial Authorization", "2. Reauthorization")."""
    words = _NUMBERING.sub("", text.strip()).split()
    renewal, initial = phase_patterns()
    return 0 < len(words) <= 4 and bool(renewal.search(text) or initial.search(text))


def _negated_before(text: str, at: int) -> bool:
    return bool(re.search(r"\bnot\s*$", text[max(0, at - 8):at], re.I))


def _sentences(lines: list[Line], limit: int = 400) -> list[str]:
    """Lines joined into running text and cut at sentence ends (enough of a section to judge its role)."""
    joined = " ".join(ln.text for ln in lines[:limit])
    return [s for s in re.split(r"(?<=[.;:])\s+(?=[A-Z•(0-9])", joined) if s]




@dataclass(frozen=True)
class HeadingCall:
    """Whether a line is a heading, and the rule that decided (what `--explain` reports)."""

    heading: bool
    rule: str


def heading_call(line: Line, prev: Line | None, layout: Layout, nxt: Line | None = None) -> HeadingCall:
    """Is this line a heading (by layout or by its words), rather than text, and by which rule?"""
    geometry = layout == "positioned"
    text = line.text.strip()
    words = text.split()
    if line.cell is not None:
        # a table's header names its columns; its cells hold the table's content, never a section heading;
        # but a caption set in the table's first row ("Table 2: Daily doses of ...") heads the table
        if line.table_header and heading_roles().captions.match(normalize_heading(text)):
            return HeadingCall(True, "table_caption")
        alone = all(other is None or other.cell is None or other.cell[:2] != line.cell[:2] for other in (prev, nxt))
        if alone and line.bold and heading_role(text) not in (None, "coverage"):
            return HeadingCall(True, "known_heading_in_its_own_table_row")  # "Change Control" over a history table
        return HeadingCall(False, "table_header" if line.table_header else "table_cell")
    if not words or len(words) > 14 or len(text) > 110 or CONNECTOR_LINE.match(text) or BULLET_START.match(text) \
            or text.startswith("(") or CHAINED.search(text) or text.endswith((",", ";")) \
            or re.match(r"^[a-z]{1,4}[.)]\s", text) \
            or (len(words) == 1 and re.search(r"\d", text)) or text.count(")") > text.count("("):
        # "(NSCLC), AND" ends a sentence begun above; "BSC_CON_2.10" is a number, not a heading
        return HeadingCall(False, "not_heading_shape")
    if geometry and nxt is not None and nxt.page == line.page and not nxt.blank_before and _NUMBERING.match(text) \
            and re.match(r"^[a-z{(\[]", nxt.text.strip()) and not line.text.rstrip().endswith(":"):
        # a bold first line whose sentence carries on below ("3. Juvenile ... [or ...] {regardless")
        return HeadingCall(False, "sentence_carries_on_below")
    if label_line().match(text) and heading_role(text) is None:
        return HeadingCall(False, "list_label")  # "INDICATIONS:" labels the list below it inside its section
    if not geometry and _NUMBERING.match(text) and phase_only(text):
        # "1. Initial Authorization" in a text capture: an item of the condition's list
        return HeadingCall(False, "approval_phase_item")
    if line.heading and not geometry:
        return HeadingCall(True, "markup_heading")  # Markdown's "#", HTML's <h1>-<h6>
    entry = catalogue_entry(text)
    if entry and not entry[2] and (line.heading if geometry else line.blank_before):
        return HeadingCall(True, "catalogue_entry")  # "Guardant Reveal  0569U": heads what is said of the test
    role = heading_role(text) or ("other" if heading_roles().captions.match(normalize_heading(text)) else None)
    sentence = text.endswith(".") and len(words) > 6 or len(words) > 3 and _CUE_ENDING.search(text) is not None \
        or _CRITERIA_LIST.search(text) is not None
    if role is not None and not sentence and _HEADING_CHARS.match(_NUMBERING.sub("", text).strip(" :*")):
        if geometry and prev is not None and _continues(prev, line):
            return HeadingCall(False, "continues_sentence_above")
        return HeadingCall(True, "known_heading_words")
    if geometry:
        if not line.heading:
            return HeadingCall(False, "body_type")
        if sentence or _LOWER_START.match(text) or len(words) > 12 or text.count(")") > text.count("("):
            return HeadingCall(False, "reads_as_sentence")
        if prev is not None and _continues(prev, line):
            return HeadingCall(False, "continues_sentence_above")
        return HeadingCall(True, "bold_or_larger_type")
    if _all_caps(text) and len(words) <= 8:
        if len(words) == 1 and prev is not None and not line.blank_before and nxt is not None and not nxt.blank_before \
                and not prev.heading and not prev.text.rstrip().endswith((".", ":")) and not re.search(r"\d", text) \
                and heading_role(text) is None:
            # "mRNA sequence analysis" / "MSK-IMPACT" / "MUC1 in gastric cancer": one word in capitals inside a
            # run of lines, with no gap around it and the line above not ended, is a name (a test, a lab, an
            # acronym), not a heading
            return HeadingCall(False, "capitals_inside_a_run")
        return HeadingCall(True, "all_caps")
    return HeadingCall(False, "plain_text")


def _continues(prev: Line, line: Line) -> bool:
    """A line that carries on the sentence of the line before (a wrapped bold lead-in is not a heading)."""
    if prev.page != line.page or line.blank_before:
        return False
    if prev.text.rstrip().endswith((",", "–", "-", "(", "/", "&")):
        return True
    return bool(prev.bold) == bool(line.bold) and not ENDS_CLAUSE.search(prev.text) and not prev.heading \
        and not prev.text.rstrip().endswith(":")


def _all_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


def inline_heading(text: str) -> tuple[str, str] | None:
    """"Definitions: Cryoablation is ..." → ("Definitions", "Cryoablation is ..."): a known heading run in."""
    m = _INLINE.match(text)
    if not m or len(m.group("rest").split()) < 4 or len(m.group("name").split()) > 6:
        return None
    if heading_role(m.group("name")) is None:
        return None
    return m.group("name").strip(), m.group("rest")


@dataclass
class _Block:
    heading: str
    heading_line: Line | None
    role: Role | None
    lines: list[Line] = field(default_factory=list)
    rule: str = "heading_words"


@dataclass
class _Open:
    """A section while blocks are merged into it."""

    heading: str
    role: Role
    lines: list[Line]
    heading_line: Line | None
    rule: str

    def freeze(self) -> Section:
        return Section(self.heading, self.role, tuple(self.lines), self.heading_line, self.rule)


def split_sections(lines: Sequence[Line], layout: Layout, trace: Trace | None = None) -> list[Section]:
    """The whole sections stage: find headings, give each section its role, keep sub-headings inside."""
    blocks = [_Block("", None, None)]
    prev: Line | None = None
    for index, line in enumerate(lines):
        call = heading_call(line, prev, layout, lines[index + 1] if index + 1 < len(lines) else None)
        if trace is not None and (call.heading or line.heading or call.rule not in ("not_heading_shape", "plain_text",
                                                                                     "body_type")):
            trace.note("layout", Source(line.line, line.page), "heading" if call.heading else "not a heading",
                       call.rule)
        if call.heading:
            line = replace(line, heading=True) if not line.heading else line
            blocks.append(_Block(line.text.strip(" #"), line, heading_role(line.text)))
        else:
            line = replace(line, heading=False) if line.heading else line
            inline = inline_heading(line.text) if not line.text.lstrip().startswith(("•", "-", "*")) else None
            entry = catalogue_entry(line.text) if inline is None and (line.blank_before or line.heading) else None
            if entry and entry[2]:  # a catalogue row: "Signatera (Natera) 0340U  The Signatera test is ..."
                inline = (line.text[:line.text.index(entry[2])].strip(), entry[2])
            if inline:
                name, rest = inline
                if trace is not None:
                    trace.note("layout", Source(line.line, line.page), f"heading '{name}' run in",
                               "catalogue_row" if entry else "inline_heading")
                heading = Line(name, line.line, line.page, indent=line.indent, heading=True, top=line.top)
                blocks.append(_Block(name, heading, heading_role(name) if not entry else None))
                line = Line(rest, line.line, line.page, indent=line.indent, bold=line.bold, size=line.size,
                            blank_before=True, top=line.top, right=line.right, text_x=line.text_x)
            blocks[-1].lines.append(line)
        prev = line
    sections = _merge(blocks, trace)
    if trace is not None:
        for section in sections:
            trace.note("section", section.source, f"section '{section.heading}': {section.role}", section.role_rule)
    return sections


def _lists_indications(block: _Block) -> bool:
    """A catalogue entry ("Signatera  0340U") followed by its own "INDICATIONS:" list: the entries of a test
    catalogue say what each test is covered for."""
    return catalogue_entry(block.heading) is not None and any(
        label_line().match(ln.text.strip()) and re.match(r"indications?\b", ln.text.strip(), re.I)
        for ln in block.lines)


def _section_number(heading: str) -> int | None:
    m = re.match(r"^\s*(\d{1,2})[.)]\s", heading)
    return int(m.group(1)) if m else None


_QUOTING = ("evidence", "background", "regulatory", "references")
"""Sections that quote or summarize other bodies' text: a phase heading inside one opens no criteria."""


def _merge(blocks: list[_Block], trace: Trace | None) -> list[Section]:
    vocab = heading_roles()
    sections: list[_Open] = []
    last_number: int | None = None
    """The number of the last numbered section heading ("2. Coverage Criteria"): "3." continues that sequence."""

    def inside(current: _Open, block: _Block, rule: str) -> None:
        """The block's heading is a sub-heading of the current section: its lines join it."""
        if block.heading_line is not None:
            current.lines.append(block.heading_line)
            if trace is not None and current.heading_line is not block.heading_line:
                trace.note("section", Source(block.heading_line.line, block.heading_line.page),
                           f"sub-heading inside '{current.heading}'", rule)
        current.lines += block.lines

    for block in blocks:
        if block.heading and vocab.captions.match(normalize_heading(block.heading)):
            # A table takes the role of the section it stands in; under the coverage criteria, its content
            # decides: a table of criteria is coverage, a reference table (doses, potencies) is not.
            parent = sections[-1].role if sections else "other"
            if parent != "coverage":
                block.role, block.rule = parent, "table_in_its_section"
            elif states_coverage(block.lines) or lists_criteria(block.lines):
                block.role, block.rule = "coverage", "table_of_criteria"
            else:
                block.role, block.rule = "other", "reference_table"
        number = _section_number(block.heading)
        if block.role is None and number is not None and last_number is not None and number == last_number + 1:
            block.role = "coverage" if states_coverage(block.lines) else "other"  # "3. Additional Programs"
            block.rule = "numbered_like_the_sections_before"
        if block.role is not None and number is not None:
            last_number = number
        role = block.role
        rule = block.rule
        fallback = _content_decides(block.heading) if block.heading else None
        if block.heading and vocab.inherit.match(normalize_heading(block.heading)):
            parent = sections[-1].role if sections else "other"
            role = parent if parent in ("coverage", "not_covered") or not states_coverage(block.lines) else "coverage"
            rule = "inherits_parent" if role == parent else "inherits_parent_but_states_coverage"
        if block.heading_line is None:  # front matter, before any heading
            if not block.lines:
                continue
            role = "coverage" if states_coverage(block.lines) else "other"
            rule = "front_matter_states_coverage" if role == "coverage" else "front_matter"
        elif fallback is not None:
            evidence = states_coverage(block.lines) or fallback[1] == "criteria" and lists_criteria(block.lines)
            role = "coverage" if evidence else fallback[0]
            rule = f"heading_means_coverage_when_its_text_{'states' if fallback[1] == 'statement' else 'lists'}_it" \
                if evidence else "heading_read_by_its_content"
        current = sections[-1] if sections else None
        if role is None:
            # An unknown heading stays inside the section around it, unless that section is background or
            # unclassified text and what follows states coverage criteria (evidence sections quote other
            # bodies' recommendations; they never open coverage).
            opens = current is None or current.role in ("background", "other")
            if not opens or not (states_coverage(block.lines) or _lists_indications(block)):
                if current is None:
                    current = _Open(block.heading, "other", [], block.heading_line, "unknown_heading")
                    sections.append(current)
                inside(current, block, "unknown_heading_stays_in_its_section")
                continue
            role = "coverage"
            rule = "unknown_heading_over_coverage_statement"
        if current is not None and not current.lines and normalize_heading(block.heading) in vocab.weak:
            role = current.role  # "Criteria" then "Introduction": the introduction to the criteria
            rule = "introduces_the_section_above"
        in_history = current is not None and current.role == "history" and block.heading_line is not None \
            and role in ("coverage", "not_covered") and any(s.role == "coverage" for s in sections) \
            and re.search(r"\b(?:history|changes|log|updates?)\b", normalize_heading(current.heading)) is not None
        if in_history and current is not None:
            # A revision history names the sections it changed ("Coverage Rationale", "Initial Therapy"):
            # once the policy's own coverage section has been read, those are the history's sub-headings.
            inside(current, block, "history_names_a_section")
            continue
        if role == "coverage" and current is not None and current.role in _QUOTING and block.heading_line is not None \
                and phase_only(block.heading) and any(s.role == "coverage" for s in sections):
            # "Initial therapy." inside a society's guideline quoted under Professional Societies: the
            # recommendation's phase, not the policy's criteria (those came before).
            inside(current, block, "phase_heading_in_quoted_text")
            continue
        if role == "coverage" and current is not None and current.role == "coverage" and current.lines \
                and block.heading_line is not None and phase_only(block.heading):
            # A phase heading inside coverage ("1. Initial Authorization" under "A. Asthma") is a sub-heading.
            inside(current, block, "approval_phase_sub_heading")
            continue
        assert role in ROLES
        kept, resumed = _margin_links(block.lines) if role == "administrative" else (list(block.lines), [])
        interrupted = _interrupted_coverage(sections)
        if resumed and interrupted is not None:
            # "... for individuals with any of the following:" / Related Policies • ... / the list: the
            # links were set in the margin; the statement's list goes on after them.
            sections.append(_Open(block.heading, role, kept, block.heading_line, rule))
            interrupted.lines += resumed
            if trace is not None:
                trace.note("section", Source(resumed[0].line, resumed[0].page),
                           f"back to '{interrupted.heading}' after the links beside it", "margin_links_interrupt")
            continue
        sections.append(_Open(block.heading, role, list(block.lines), block.heading_line, rule))
    return [s.freeze() for s in sections]


def _margin_links(lines: Sequence[Line]) -> tuple[list[Line], list[Line]]:
    """A block of links to other policies (bulleted names, in groups under their names) and the text after
    it: a paragraph after a blank line that is neither a bullet nor the name over one ends the links."""
    if not lines or not BULLET_START.match(lines[0].text.strip()):
        return list(lines), []
    for k, line in enumerate(lines):
        if k and line.blank_before and not BULLET_START.match(line.text.strip()) \
                and not (k + 1 < len(lines) and BULLET_START.match(lines[k + 1].text.strip())):
            return list(lines[:k]), list(lines[k:])  # (a name over more links is one of them)
    return list(lines), []


def _interrupted_coverage(sections: Sequence[_Open]) -> _Open | None:
    """The coverage section a run of administrative blocks interrupted (links set beside its text, whether
    mid-statement or between two of its paragraphs), if any: the last section before the run."""
    for section in reversed(sections):
        if section.role == "administrative":
            continue
        return section if section.role == "coverage" and section.lines else None
    return None
