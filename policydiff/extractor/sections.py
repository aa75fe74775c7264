"""Section headings and boilerplate.

Payers title the same parts differently ("Policy", "Guidelines", "Coverage
Rationale", "Prior-Approval Requirements" all hold criteria). A heading is
recognised by its words, or in PDFs by its layout, and classified into one of
a few kinds; only criteria and exclusion sections feed indications.
"""
from __future__ import annotations

import re

# (kind, pattern of the whole heading). First match wins, so specific names come first.
_KINDS: list[tuple[str, str]] = [
    ("boilerplate", r"(?:disclaimers?|non-?discrimination.*|language (?:access|assistance).*|notice of .*|"
                    r"legal (?:notice|information)|copyright.*|multi-?language interpreter services)"),
    ("references", r"(?:references?|sources? of information|bibliography|citations|works cited|literature cited|"
                   r"selected references)"),
    ("history", r"(?:(?:policy|revision|review|document|change|update) )?(?:history|log|updates?)"
                r"(?: (?:table|summary))?|"
                r"revision(?:s| log)?|policy revisions?|summary of changes"),
    ("coding", r"(?:applicable |billing |procedure |coding and )?(?:cpt|hcpcs|icd-?10(?:-cm|-pcs)?)?\s*"
               r"(?:procedure |diagnosis )?(?:codes?|coding)(?: information| implications| requirements| section)?"
               r"(?:\s*\(s\))?|cpt(?: codes?)?|hcpcs(?: codes?)?"),
    ("limits", r"(?:prior[- ]*approval|pa|quantity|dosage|dosing|authorization)?\s*(?:renewal )?"
               r"(?:limits?|limitations? of coverage|duration of (?:approval|authorization)|allowance|"
               r"quantity limits?|dosing|dosage and administration)|pre[- ]*pa allowance|"
               r"(?:initial |renewal |re-?)?authorization (?:duration|period)"),
    ("exclusion", r"(?:exclusions?|investigational|experimental(?:/investigational)?|not medically necessary|"
                  r"non-?covered(?: services| indications)?|unproven(?: services)?|not covered|"
                  r"(?:conditions|indications) not covered|limitations(?: and exclusions)?|"
                  r"(?:experimental|investigational)(?:,? (?:and|or) |/)(?:unproven|investigational|experimental))"
                  r"(?:\s*\(.*\))?"),
    ("definitions", r"definitions?|glossary|terms|abbreviations"),
    ("documentation", r"(?:required )?documentation(?: requirements?)?|(?:documentation|submission) requirements?"),
    ("criteria", r"(?:medical )?policy(?: statement| criteria)?|guidelines?|(?:medical necessity|coverage|clinical|"
                 r"approval|prior[- ]*authorization|pa) (?:criteria|guidelines?|indications?|rationale|policy)|"
                 r"medical necessity|coverage(?: (?:position|determination|statement))?|criteria|indications?"
                 r"(?: and limitations of coverage)?(?: (?:for|and) .*)?|position statement|"
                 r"prior[- ]*approval(?: renewal)? requirements|(?:initial|renewal|continuation|continued)"
                 r" (?:approval|authorization|therapy|criteria|requirements)|covered indications|"
                 r"(?:initial )?(?:approval|authorization) criteria|clinical indications?(?: for .*)?|"
                 r"coverage indications,? limitations,? and/or medical necessity"),
    ("background", r"(?:purpose|scope|background|description|overview|summary|rationale|introduction|"
                   r"clinical (?:evidence|background)|evidence (?:review|summary)|discussion|related policies|"
                   r"instructions for use|applicable lines? of business|regulatory status|(?:fda|regulatory) "
                   r"(?:approval|status)|policy guidelines|summary of evidence|analysis of evidence.*|"
                   r"benefit application|benefit considerations?|keywords|appendix.*|table of contents|"
                   r"contents|off[- ]label use|dosage forms?|available formulations|bill type codes|"
                   r"revenue codes|general (?:information|requirements)|professional statements?.*|"
                   r"special instructions|cross references?|related (?:documents|policies)|"
                   r"applicable state and federal regulations)"),
]
_KIND_RES = [(kind, re.compile(rf"^(?:{pattern})$", re.IGNORECASE)) for kind, pattern in _KINDS]

_HEADING_TEXT = re.compile(r"^\s*(?:#+\s*)?(?P<name>[A-Za-z][A-Za-z0-9 ,&/()'’\-–]{1,80}?)\s*[:.]?\s*$")
_INLINE_HEADING = re.compile(r"^\s*(?P<name>[A-Za-z][A-Za-z ,&/()'’\-–]{1,60}?)\s*:\s+(?P<rest>\S.*)$")

RENEWAL = re.compile(r"\b(?:renewal|continuation|continued|re-?authori[sz]ation|recertification|reauthori[sz]"
                     r"ation|currently\s+(?:receiving|on|taking))\b", re.IGNORECASE)


def _normalize_heading(name: str) -> str:
    name = name.replace("–", "-").replace("’", "'")
    name = re.sub(r"\s*-\s*", "-", name)
    name = re.sub(r"\s+", " ", name).strip(" :.-")
    return name


_NUMBERED = re.compile(r"^\s*(?:[IVX]{1,4}|[A-Z]|\d{1,2})[.)]\s+(?=[A-Za-z])")


def heading_kind(text: str, numbered: bool = False) -> str | None:
    """The section kind a whole line names, or None when it is not a known heading.

    With `numbered`, a leading "2." or "IV." is allowed ("2. Coverage Criteria"), and a
    footnote letter glued to the last word ("Criteriaa") is tolerated.
    """
    if numbered and _NUMBERED.match(text):
        text = _NUMBERED.sub("", text, count=1)
    kind = _heading_kind(text)
    if kind is None and numbered:
        trimmed = re.sub(r"([a-z])[a-z]?\s*:?\s*$", r"\1", text.rstrip(" :"))
        if trimmed != text.rstrip(" :"):
            kind = _heading_kind(trimmed)
    return kind


def _heading_kind(text: str) -> str | None:
    m = _HEADING_TEXT.match(text)
    if not m or len(text) > 90:
        return None
    name = _normalize_heading(m.group("name"))
    for kind, pattern in _KIND_RES:
        if pattern.match(name):
            return kind
    if "/" in name:  # "Policy/Criteria", "Coverage/Limitations": the most telling part names the kind
        kinds = [_heading_kind(part) for part in name.split("/") if part.strip()]
        if None not in kinds:
            for kind in ("criteria", "exclusion", "coding", "references", "history", "definitions", "background"):
                if kind in kinds:
                    return kind
    return None


def inline_heading(text: str) -> tuple[str, str] | None:
    """"Definition: Cryoablation is ..." → ("definitions", "Cryoablation is ...")."""
    m = _INLINE_HEADING.match(text)
    if not m:
        return None
    kind = heading_kind(m.group("name"))
    if kind is None or kind == "criteria" and len(m.group("rest")) < 25:
        return None
    return kind, m.group("rest")
