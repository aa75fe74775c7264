"""Negated criteria and approval terms: what a criterion denies, and how long an approval lasts."""
from __future__ import annotations

import re

from ...normalized.schema import Threshold
from ...normalized.units import convert, tidy_number
from .grammar import normalize

_NEGATION = re.compile(
    r"^(?:no|not|none|absence|absent|without|lack)\b|\b(?:is|are|was|were|has|have|does|do|did|has been)\s+not\b|"
    r"\bno (?:evidence|history|signs?|prior|previous|disease|known|active|concurrent|current)\b|"
    r"\bnot (?:a )?candidates?\b|\bnot (?:be )?(?:detected|present|eligible|used|received|taking|receiving|on)\b",
    re.IGNORECASE,
)


def is_negated(text: str) -> bool:
    return bool(_NEGATION.search(text))


_APPROVAL = re.compile(r"^\W*(?:(?:initial|continuation|renewal)\s+(?:requests?|approval|authori[sz]ation)s?\s*:\s*|"
                       r"(?:(?:initial\s+|re-?)?(?:authori[sz]ation|approval)s?\s+(?:will\s+be|is|are|may\s+be)\s+"
                       r"(?:issued|granted|given|approved|valid|for)\s+(?:for\s+)?(?:no\s+more\s+than\s+|up\s+to\s+)?)|"
                       r".{0,80}?\bapprove\s+for\s+|(?:approval\s+|authori[sz]ation\s+)?duration\s*(?:of\s+approval\s*)?:?\s*)"
                       r"(?P<most>no\s+more\s+than\s+|up\s+to\s+|a\s+maximum\s+of\s+)?"
                       r"(?P<n>\d+)\s*(?P<u>days?|weeks?|months?|years?)\b",
                       re.I)


def approval_span(text: str) -> tuple[int, int] | None:
    """Where the number of an approval term stands in `normalize(text)`, if the text states one."""
    m = _APPROVAL.match(normalize(text))
    return m.span("n") if m else None


def approval_term(text: str) -> Threshold | None:
    """"Authorization will be issued for 12 months", "Approve for 6 months": how long an approval lasts."""
    m = _APPROVAL.match(normalize(text))
    if not m:
        return None
    value, unit = convert(float(m.group("n")), m.group("u"))
    if unit == "years":
        value, unit = tidy_number(float(value) * 12), "months"
    capped = m.group("most") or re.search(r"(?:no\s+more\s+than|up\s+to)\s*$", m.group(0)[:m.start("n") - m.start()],
                                            re.I)
    return Threshold("approval_duration", "<=" if capped else "=", value, unit, m.group(0).strip())
