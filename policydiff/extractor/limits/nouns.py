"""The noun phrase a bare count limits: "2 or more asthma exacerbations" counts asthma exacerbations."""
from __future__ import annotations

import re
from typing import Protocol


class _Span(Protocol):
    """A reading of a number: where it ends, and its value (one count, or a range)."""

    @property
    def end(self) -> int: ...

    @property
    def value(self) -> float | tuple[float, float]: ...

STOP = {"a", "an", "the", "of", "is", "are", "was", "were", "be", "has", "have", "had", "with", "for", "by", "in",
         "on", "at", "to", "and", "or", "level", "levels", "value", "values", "documented", "patient", "patients",
         "member", "members", "individual", "individuals", "who", "which", "that", "their", "his", "her", "its",
         "this", "these", "those", "as", "defined", "demonstrated", "measured", "confirmed",
         "total", "baseline", "than", "less", "more", "greater", "per", "identifiable", "moderate", "severe", "mild",
         "documentation", "evidence", "history", "prior", "previous", "current", "currently", "recent", "new",
         "consistently", "experienced", "experiences", "received", "receiving", "tried", "failed", "required",
         "requiring", "requires", "using", "used", "use", "when", "if", "from", "no", "not", "any", "all", "each"}

_NOUN_BREAK = {"of", "in", "that", "which", "who", "whom", "requiring", "required", "require", "requires",
               "despite", "with", "for", "within", "during", "after", "before", "resulting", "resulted",
               "per", "or", "and", "to", "at", "on", "from", "by", "as", "is", "are", "was", "were", "has", "have",
               "had", "over", "since", "following", "when", "where", "while", "each", "than"}


def counted_noun(text: str, f: _Span) -> str | None:
    """The noun phrase a bare count limits: "2 or more asthma exacerbations" → "asthma exacerbations".

    "X of (the) Y" counts put the thing counted last ("2 to 4 copies of the
    SMN2 gene" → "SMN2 copies"; "bursts of systemic corticosteroids" →
    "corticosteroid bursts"). A singular noun counts only for a count of one.
    """
    tokens = re.findall(r"[A-Za-z0-9][\w/+-]*(?:\(s\))?|[^\sA-Za-z0-9]", text[f.end:f.end + 120])
    words: list[str] = []
    rest: list[str] = []
    for i, token in enumerate(tokens):
        if not token[0].isalnum() or token.lower() in _NOUN_BREAK or len(words) >= 5:
            rest = tokens[i:]
            break
        words.append(token)
    words = [w for w in words if w.lower() not in STOP]
    if not words or words[-1].endswith("-") or not re.search(r"[a-z]", words[-1]):
        return None
    head = words[-1]
    plural = head.endswith("(s)") or (head.lower().endswith("s") and not head.lower().endswith("ss"))
    one = not isinstance(f.value, tuple) and f.value == 1.0
    if not plural and not one:
        return None
    head = head.replace("(s)", "s")
    words[-1] = head
    if rest[:1] and rest[0].lower() == "of" and _singular(head).lower() in _CONTAINERS:
        of_words = [w for w in rest[1:6] if re.match(r"[A-Za-z0-9]", w)]
        cut = next((i for i, w in enumerate(of_words) if w.lower() in _NOUN_BREAK - {"the"}), len(of_words))
        of_words = [w for w in of_words[:cut] if w.lower() not in STOP and w.lower() not in _QUALIFIERS]
        if of_words:
            thing = _singular(of_words[-1]) if of_words[-1].lower() != "gene" or len(of_words) == 1 else of_words[-2]
            return f"{thing} {head}"
    return " ".join(words)


def _singular(word: str) -> str:
    low = word.lower()
    if low.endswith("ies"):
        return word[:-3] + "y"
    if low.endswith("s") and not low.endswith("ss"):
        return word[:-1]
    return word


_CONTAINERS = {"copy", "burst", "course", "cycle", "dose", "trial", "line", "episode", "round", "session",
               "attempt", "unit", "vial", "injection", "infusion", "application"}
_QUALIFIERS = {"systemic", "oral", "topical", "inhaled", "intravenous", "high", "low", "dose", "potency", "short",
               "long", "acting"}

