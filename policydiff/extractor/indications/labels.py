"""Naming indications: labels from headings, items and coverage statements; what a statement declares.

An indication is named by what the document calls it: a sub-heading or item
less its numbering, citations and code lists ("Hepatic lesions"), or, for a
coverage statement, its condition and subject ("Initial requests for Dupixent
for the treatment of asthma may be approved if ..." is "Asthma" under the title
Dupixent; "In adults age 18 years or older, bariatric surgery ... is proven
..." is "Bariatric surgery in adults").
"""
from __future__ import annotations

import re

from ...normalized.lexicon import covered_pattern, generic_subject, not_covered_patterns, phase_patterns
from ...normalized.schema import Status
from ...normalized.text import one_line
from ..markers import LEADING_MARKER

_CITATION_TAIL = re.compile(r"(?:(?:(?<=[a-z]{3})|(?<=[)\].]))\d{1,3}(?:\s*,\s*\d{1,3})*"
                            r"|\s+\d{1,3}(?:\s*,\s*\d{1,3})+)\s*$")
_CODES_TAIL = re.compile(r"\s*[-–(]?\s*\b(?:cpt|hcpcs)\b.*$", re.I)
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
_FORWARD = re.compile(r"\b(?:below|(?:the|these)\s+following|following\s+(?:criteria|conditions|requirements|"
                      r"indications)|following\s*:|as\s+follows|listed|these\s+criteria|this\s+policy)\b", re.I)
"""A statement that points at criteria elsewhere ("... if the conditions indicated below are met") names none."""
_DISEASE_ITEM = re.compile(r"^(?P<d>[^.:;]{3,140}?)(?:\.\s+(?=[A-Z])|:\s*|\s+[-–]\s+)(?P<rest>.*)$")
_ASIDES = re.compile(r"\s*(?:\((?:[^()]|\([^()]*\))*\)|\[[^\]]*\])")


_ORDINAL = re.compile(LEADING_MARKER.pattern + r"(?=[A-Z])")


def clean_label(text: str) -> str:
    """An indication's name from its heading or item text: no lead-in, citations, code lists or markers."""
    head = one_line(text).strip()
    head = re.sub(r"^\W*(?:and|or)\s+", "", head, flags=re.I)
    head = _ORDINAL.sub("", head)  # "A. Atopic Dermatitis" (a lettered heading): the ordinal names nothing
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
    head = _PRODUCT_NAMES.sub(r"\g<first>", head)
    head = _LONG_ASIDE.sub(_aside_kept, head.rstrip(" .;,:-–*"))
    return one_line(head).strip(" .;,:-–*") or one_line(text)[:80]


_PRODUCT_NAMES = re.compile(r"(?P<first>\b[\w-]+)\s*\((?P<brand>[^()]*)\)"
                            r"(?:\s*,\s*(?:and\s+|or\s+)?[\w-]+\s*\([^()]*\)){1,}"
                            r"(?:\s*,?\s*(?:and|or)\s+[\w-]+\s*\([^()]*\))?")
"""A product named with its brand and its biosimilars ("bevacizumab (Avastin®), bevacizumab-awwb (Mvasi), ...
or bevacizumab-adcd (Vegzelma)"): the label keeps the product's name."""
_LONG_ASIDE = re.compile(r"\s*(?:\((?:[^()]|\([^()]*\))*\)|\[[^\]]*\])$")


def _aside_kept(match: re.Match[str]) -> str:
    """A trailing aside of four words or more ("(also includes anal adenocarcinoma ...)", "(not previously
    listed above)") explains the name and is left out of it; a short one ("(NSCLC)", "(adults)") is kept."""
    return match.group(0) if len(re.findall(r"[\w'’-]+", match.group(0))) < 4 else ""


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


_COVERAGE_VERB = re.compile(r"\s+meets?\s+(?:the\s+)?definition\s+of\s+medical\s+necessity\b|"
                            r"\s+(?:is|are|may\s+be|will\s+be|would\s+be|shall\s+be|can\s+be|be)\s+(?:(?:if|when)\s+)?"
                            r"(?:(?:considered|deemed)\s+(?:to\s+be\s+)?)?(?:proven|medically|reasonable|covered|eligible|"
                            r"approved|indicated|appropriate|not|investigational|experimental|unproven|authori[sz]ed)\b",
                            re.I)
_TREATMENT_OF = re.compile(r"\bfor\s+(?:the\s+)?"
                           r"(?:treatment|management|diagnosis|surveillance|evaluation|monitoring|prophylaxis|"
                           r"prevention)\s+"
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
    subject = re.sub(r"^use\s+of\s+(?:(?:a|an|the)\s+)?(?=\w)(?!therapy\b)", "", subject, flags=re.I)  # "The use of X"
    subject = re.sub(r"\s*\((?:cpt|hcpcs)[^)]*\)", "", subject, flags=re.I)
    subject = re.sub(r"^(?:fda|food and drug administration)[- ]approved\s+", "", subject, flags=re.I)
    purpose = _PURPOSE.match(condition)
    if _REQUEST.match(subject) or _GENERIC_SUBJECT.match(subject) or generic_subject().match(subject) or \
            (_mentions_title(subject, title) and condition and not purpose):
        subject = ""  # "Dupixent for asthma" under the title Dupixent is "Asthma"; "surgery for treating X" stays
    condition = re.sub(r"^(?:the\s+)?(?:treatment|management|prophylaxis|prevention)\s+of\s+", "", condition,
                       flags=re.I)
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


_NOT_A_NAME = re.compile(r"^(?:the\s+)?(?:patient|individual|member|beneficiar|documentation|treatment(?!-)|there|"
                         r"prescrib|diagnosis\s+of|history\s+of|one|all|any|both|either|at\s+least|no\b|not\b)|"
                         r"\b(?:is|are|has|have|had|must|will|should|was|were|meets?|received|continues?)\b", re.I)


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


def _name_like(text: str) -> bool:
    """A condition or service name ("Hepatic lesions", "Asthma"), not a criterion sentence; asides in brackets
    ("[or juvenile rheumatoid arthritis] {regardless of type of onset}") do not count."""
    bare = re.sub(r"\[[^\]]*\]|\{[^}]*\}|\([^)]*\)", " ", text)
    return 0 < len(bare.split()) <= 12 and not _NOT_A_NAME.search(bare)


def _phase_label(text: str) -> str:
    return " (continuation)" if _phase_of(text) == "continuation" else ""


def _non_coverage(text: str) -> bool:
    return any(p.search(text) for _, p in not_covered_patterns()) and not _positive_first(text)


def _positive_first(text: str) -> bool:
    """"X is medically necessary when ...; it is investigational for all other uses": coverage comes first."""
    covered = covered_pattern().search(text)
    negative = min((m.start() for _, p in not_covered_patterns() for m in [p.search(text)] if m), default=None)
    return covered is not None and (negative is None or covered.start() < negative)
