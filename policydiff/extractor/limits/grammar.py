"""The grammar of limits: where a text states that a number bounds something, and how.

A number is a limit only when the text says how it bounds something: a
comparator before it ("≥ 5 cm", "at least 2", "within 6 months", "no more
than 12 mg"), after it ("18 years of age or older", "20 or more lesions"), a
range ("15 to 65 events per hour", "between 35 and 39.9"), or a fixed
construction ("not more often than every 3 months", "a 3 month trial", "at 2
hour intervals"). Number words count ("FOUR or more", "one (1)"). References,
codes, years, footnotes and product strengths are numbers without such a
statement, so they are never limits.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from ...normalized.lexicon import fraction_words, number_words, period_words
from ...normalized.schema import Op
from ...normalized.units import UNIT_PATTERN, parse_unit, tidy_number
from .nouns import counted_noun as _counted_noun

# -- normalising the text -------------------------------------------------------------------------------------------

_THOUSANDS = re.compile(r"(?<![\d.])(\d{1,3}),(\d{3})(?![\d,])")
_SYMBOLS = [(re.compile(r"=>|>=|⩾|≧|\u2267"), "≥"), (re.compile(r"=<|<=|⩽|≦|\u2266"), "≤")]
_DOUBLED_SIGN = re.compile(r"(\b(?:than|to)\s*)\(\s*[≤≥<>=]\s*\)\s*", re.I)
_NUMERAL_AFTER = re.compile(r"\s*\(\s*(\d+(?:\.\d+)?)\s*\)")


@lru_cache(maxsize=1)
def _number_word_re() -> re.Pattern[str]:
    words = sorted(number_words(), key=len, reverse=True)
    fractions = sorted(fraction_words(), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?P<f>" + "|".join(re.escape(w) for w in fractions) + r")(?![\w-])|(?<![\w-])(?P<w>"
                      + "|".join(re.escape(w) for w in words) + r")(?![\w])(?P<dup>\s*\(\s*\d+\s*\))?", re.I)


def normalize(text: str) -> str:
    """Digits for number words ("two (2)" → "2", "FOUR" → "4"), plain signs, no thousands commas."""
    out = _THOUSANDS.sub(r"\1\2", text)
    for pattern, sign in _SYMBOLS:
        out = pattern.sub(sign, out)
    out = _DOUBLED_SIGN.sub(r"\1", out)  # "less than or equal to (≤) 80%": the words already say it

    def number(m: re.Match[str]) -> str:
        if m.group("f"):
            return f"{tidy_number(fraction_words()[m.group('f').lower()])}%"
        word = m.group("w").lower()
        value = number_words().get(word) or number_words().get(word.replace("-", " "))
        if value is None or word in ("a", "an", "single", "once"):
            return m.group(0)
        return str(tidy_number(value))

    out = _number_word_re().sub(number, out)
    out = re.sub(r"\b(has|have|had|is|are|of|with|than|least|to)(\d)", r"\1 \2", out)  # "has15 or more"
    return re.sub(r"(?<=\d)\s*\(\s*\d+(?:\.\d+)?\s*\)", "", out)  # "12 (12) months" → "12 months"


# -- the grammar ---------------------------------------------------------------------------------------------------

NUM = r"(?<![\w./])(?<![A-Za-z]-)(?:\d+(?:\.\d+)?)(?![\d]|\.\d|st\b|nd\b|rd\b|th\b)"
_UNIT = rf"(?:\s*-?\s*(?:(?:consecutive|continuous|additional|full|calendar)\s+)?(?:{UNIT_PATTERN}))"
_BEFORE: list[tuple[str, Op]] = [
    (r"≥", ">="), (r"≤", "<="), (r">(?!=)", ">"), (r"<(?!=)", "<"),
    (r"(?:greater|more|higher|larger|older|longer)\s+than\s+or\s+equal\s+to|equal\s+to\s+or\s+(?:greater|more|"
     r"higher|larger)\s+than|at\s+least|no\s+(?:less|fewer|smaller|shorter|lower)\s+than|not\s+less\s+than|"
     r"(?:a\s+)?minimum\s+of|minimum|at\s+minimum", ">="),
    (r"(?:less|fewer|smaller|lower|shorter)\s+than\s+or\s+equal\s+to|equal\s+to\s+or\s+(?:less|fewer|smaller|"
     r"lower)\s+than|no\s+(?:more|greater|larger|bigger|longer|higher)\s+than|not\s+(?:more|greater|larger|longer|"
     r"higher)\s+than|not\s+(?:to\s+)?exceed(?:ing)?|(?:does|do|will|shall)\s+not\s+exceed|up\s+to(?:\s+and\s+"
     r"including)?|at\s+most|(?:a\s+)?maximum\s+of|maximum|no\s+older\s+than|within(?:\s+the\s+(?:past|last|"
     r"previous|prior|preceding))?|(?:in|over|during)\s+the\s+(?:past|last|previous|prior|preceding)", "<="),
    (r"less\s+than|fewer\s+than|smaller\s+than|lower\s+than|younger\s+than|shorter\s+than|under|below", "<"),
    (r"greater\s+than|more\s+than|larger\s+than|higher\s+than|older\s+than|longer\s+than|in\s+excess\s+of|"
     r"exceed(?:s|ing)?|above|over", ">"),
]
_AFTER: list[tuple[str, Op]] = [
    (r"or\s+(?:less|fewer|below|under|lower|smaller|younger|shorter|earlier)|and\s+(?:under|below|younger|less)", "<="),
    (r"or\s+(?:more|greater|above|higher|older|over|larger|longer|later)|and\s+(?:older|over|above|up|greater)", ">="),
]
_FILLER = (r"(?:\s*(?:of|to|than|a|an|approximately|about|the\s+(?:past|last|previous|prior)|every)\b)*"
           r"(?:\s+the\s+(?:[A-Za-z-]+\s+){0,3}?(?:of|is)\b)?")
_GAP = (r"(?:\s+(?:of\s+age|old|in\s+(?:diameter|size|greatest\s+dimension|length)|above\s+(?:the\s+)?nadir|"
        r"of\s+(?:therapy|treatment)|duration|in\s+duration|(?:per|a|each)\s+(?:day|night|week|month)))?")

_BEFORE_RE = re.compile(r"(?P<cmp>" + "|".join(f"(?:{p})" for p, _ in _BEFORE) + r")" + _FILLER + r"\s*(?P<n>"
                        + NUM + r")(?P<unit>" + _UNIT + r")?", re.I)
_AFTER_RE = re.compile(r"(?P<n>" + NUM + r")(?P<unit>" + _UNIT + r")?" + _GAP + r"\s*,?\s*(?P<cmp>"
                       + "|".join(f"(?:{p})" for p, _ in _AFTER) + r")\b(?!\s+than\b)", re.I)
_RANGE_RE = re.compile(
    r"(?:(?P<kw>between|from)\s+|(?P<ge>≥)\s*)?(?P<lo>" + NUM + r")(?P<u1>" + _UNIT + r")?"
    r"\s*(?:-|–|—|to|through|and)\s*(?P<hi>" + NUM + r")(?P<u2>" + _UNIT + r")?", re.I)
_INTERVAL_RE = re.compile(r"(?:not|no)\s+more\s+(?:often|frequent(?:ly)?)\s+than\s+(?:once\s+)?(?:every\s+)?"
                          r"(?:(?P<n>" + NUM + r")\s*(?P<unit>" + _UNIT + r")|(?P<period>annually|yearly|quarterly|"
                          r"monthly|weekly|daily|once\s+a\s+(?:year|month|week)))", re.I)
_EVERY_RE = re.compile(r"\b(?:at|in)\s+(?P<n>" + NUM + r")[\s-]*(?P<unit>(?:hours?|hrs?|days?|weeks?|months?|years?))"
                       r"\s+intervals\b", re.I)
_EVERY_PERIOD_RE = re.compile(r"\b(?:once\s+)?every\s+(?P<n>" + NUM + r")\s*"
                              r"(?P<unit>(?:hours?|days?|weeks?|months?|years?))\b", re.I)
_TRIAL_RE = re.compile(r"\b(?:a|an|one)?\s*(?P<n>" + NUM + r")[\s-]*(?P<unit>days?|weeks?|months?|years?)\s+"
                       r"(?:trial|course|period|regimen|program|history)\b", re.I)
_PERIOD_RE = re.compile(r"\b(?:in|within|during|over)\s+the\s+(?:past|previous|prior|last|preceding)\s+(?P<p>year|"
                        r"month|week)\b", re.I)
_SECONDS = {"minutes": 60, "hours": 3600, "days": 86400, "weeks": 604800}
_SINCE_RE = re.compile(r"\b(?:(?P<start>starting|beginning|no\s+sooner\s+than|at\s+least)\s+)?(?P<n>" + NUM + r")"
                       r"\s*(?P<unit>(?:minutes?|hours?|days?|weeks?|months?|years?))\s+(?:or\s+(?:longer|more|greater)\s+)?"
                       r"(?:following|after|post)\s+"
                       r"(?:the\s+)?(?:completion\s+of\s+)?(?:(?:any|the|a|an)\s+)?(?P<event>(?:[\w-]+\s+){0,6}?"
                       r"(?:therapy|treatment|surgery|resection|transplant(?:ation)?|procedure|crt|chemotherapy|"
                       r"radiation|radiotherapy|implantation|diagnosis|infusion|dose|injection|biopsy))\b", re.I)
_TIMES_DOSE_RE = re.compile(r"(?P<cmp>(?:a\s+)?maximum\s+of|up\s+to|no\s+more\s+than|not\s+(?:to\s+)?exceed)\s+"
                            r"(?P<n>" + NUM + r")\s+times\s+the\s+(?:[\w-]+\s+){0,3}?dose", re.I)
_FOLLOWING_CUE = re.compile(r"^\s*(?:of\s+(?:the\s+)?(?:following|these|below|above|those|criteria|conditions)|"
                            r"or\s+more\s+of\b)", re.I)


@dataclass(frozen=True)
class Found:
    """One limit the grammar read: where it stands in the normalized text, what it says, and which pass read it."""

    start: int
    end: int
    op: Op
    value: float | tuple[float, float]
    unit_text: str | None
    text: str
    num_start: int
    """Where the number itself starts (the anchor for naming what it measures)."""
    kind: str = ""
    """What the construction already says it measures: "interval", "trial", "since:EVENT", "tail:AT",
    "dose_multiple"; "" when only its comparator was read."""
    rule: str = ""
    """The grammar pass that read it (`PASSES`)."""


_EVENT = {"therapy": "treatment", "chemotherapy": "treatment", "radiotherapy": "radiation", "transplantation":
          "transplant", "resection": "surgery", "procedure": "procedure"}


def _unit_text(raw: str | None) -> str | None:
    """"-week", " consecutive months" → "week", "months": the unit without hyphen or qualifier."""
    if not raw:
        return None
    text = re.sub(r"^\s*-?\s*(?:(?:consecutive|continuous|additional|full|calendar)\s+)?", "", raw)
    return text.strip() or None


def _is_year(value: float, unit: str | None) -> bool:
    return unit is None and 1900 <= value <= 2100 and float(value).is_integer()


def _op_for(table: list[tuple[str, Op]], word: str) -> Op:
    for pattern, op in table:
        if re.fullmatch(pattern, word.strip(), re.I):
            return op
    return "="

class _Claims:
    """What the passes have read so far: a later pass never reads inside an earlier pass's reading."""

    def __init__(self) -> None:
        self.found: list[Found] = []
        self._taken: list[tuple[int, int]] = []

    def free(self, a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in self._taken)

    def add(self, f: Found, rule: str) -> None:
        self.found.append(Found(f.start, f.end, f.op, f.value, _unit_text(f.unit_text), f.text, f.num_start, f.kind,
                                rule))
        self._taken.append((f.start, f.end))


def since_event(text: str, claims: _Claims) -> None:
    """"3 months following completion of therapy", "starting 6 weeks after surgery": time since an event."""
    for m in _SINCE_RE.finditer(text):
        before = text[max(0, m.start() - 16):m.start()]
        if re.search(r"\b(?:within|in|over|up\s+to|no\s+more\s+than)\s*$", before, re.I):
            continue
        event = re.findall(r"[\w-]+", m.group("event"))[-1].lower()
        claims.add(Found(m.start("n") if not m.group("start") else m.start(), m.end(), ">=", float(m.group("n")),
                         m.group("unit"), m.group(0), m.start("n"), f"since:{_EVENT.get(event, event)}"), "since_event")


def dose_multiple(text: str, claims: _Claims) -> None:
    """"up to 4 times the approved dose": a cap as a multiple of a dose."""
    for m in _TIMES_DOSE_RE.finditer(text):
        claims.add(Found(m.start(), m.end(), "<=", float(m.group("n")), None, m.group(0), m.start("n"),
                         "dose_multiple"), "dose_multiple")


def not_more_often(text: str, claims: _Claims) -> None:
    """"not more often than every 3 months", "no more frequently than annually": an interval of at least."""
    for m in _INTERVAL_RE.finditer(text):
        if m.group("period"):
            value, every = period_words().get(re.sub(r"once\s+a\s+", "a ", m.group("period").lower()), (12.0, "months"))
            claims.add(Found(m.start(), m.end(), ">=", value, every, m.group(0), m.start(), "interval"),
                       "not_more_often")
        else:
            claims.add(Found(m.start(), m.end(), ">=", float(m.group("n")), m.group("unit"), m.group(0), m.start("n"),
                             "interval"), "not_more_often")


def at_intervals(text: str, claims: _Claims) -> None:
    """"at 2 hour intervals": an interval stated as such."""
    for m in _EVERY_RE.finditer(text):
        if claims.free(m.start(), m.end()):
            claims.add(Found(m.start(), m.end(), "=", float(m.group("n")), m.group("unit"), m.group(0), m.start("n"),
                             "interval"), "at_intervals")


def numeric_range(text: str, claims: _Claims) -> None:
    """"15 to 65 events per hour", "between 35 and 39.9", "≥30-34.9", "90 minutes to 3 hours": a range. A bare
    "7-8" with no unit, keyword or counted noun is a citation or a page range, never a limit."""
    for m in _RANGE_RE.finditer(text):
        if not claims.free(m.start(), m.end()):
            continue
        lo, hi = float(m.group("lo")), float(m.group("hi"))
        unit = (m.group("u2") or m.group("u1") or "").strip() or None
        joiner = text[m.end("lo") + len(m.group("u1") or ""):m.start("hi")].strip().lower()
        if m.group("u1") and m.group("u2") and parse_unit(m.group("u1")) != parse_unit(m.group("u2")):
            u1, u2 = parse_unit(m.group("u1")), parse_unit(m.group("u2"))
            if not (u1 and u2 and u1.family == u2.family == "time" and u1.canonical in _SECONDS
                    and u2.canonical in _SECONDS):
                continue
            lo = lo * _SECONDS[u1.canonical] / _SECONDS[u2.canonical]  # "90 minutes to 3 hours" → 1.5–3 hours
        if lo >= hi or _is_year(lo, unit) or _is_year(hi, unit):
            continue
        if joiner == "and" and not m.group("kw"):
            continue  # "12% and 200 mL" is two limits, not a range
        counted = unit is None and joiner != "and" and _counted_noun(text, Found(0, m.end(), "between", (lo, hi), None,
                                                                                  "", 0)) is not None
        if not (m.group("kw") or m.group("ge") or unit or counted):
            continue  # a bare "7-8" is a citation or a page range
        claims.add(Found(m.start(), m.end(), "between", (lo, hi), unit, m.group(0), m.start("lo")), "numeric_range")


def trial_length(text: str, claims: _Claims) -> None:
    """"a 3 month trial", "a 6-week course": how long a treatment was tried, at least."""
    for m in _TRIAL_RE.finditer(text):
        if claims.free(m.start("n"), m.end()) and not re.search(r"(?:least|minimum|more than|over)\s*(?:a|an)?\s*$",
                                                                text[max(0, m.start() - 14):m.start("n")], re.I):
            claims.add(Found(m.start("n"), m.end("unit"), ">=", float(m.group("n")), m.group("unit"),
                             m.group(0).strip(), m.start("n"), "trial"), "trial_length")


def comparator_before(text: str, claims: _Claims) -> None:
    """"≥ 5 cm", "at least 2", "no more than 12 mg", "within 6 months": a comparator, then the number. Words
    after the number can overrule it ("at least 18 years of age or older"), and a second number after
    "and" / "or" shares it ("at least 12% and 200 mL")."""
    for m in _BEFORE_RE.finditer(text):
        if not claims.free(m.start("n"), m.end()):
            continue
        value, unit = float(m.group("n")), m.group("unit")
        if _is_year(value, unit) or _FOLLOWING_CUE.match(text[m.end():]):
            continue
        op = _op_for(_BEFORE, re.sub(r"\s+", " ", m.group("cmp")))
        after = _AFTER_RE.match(text, m.start("n"))
        if after:  # "at least 18 years of age or older": the words after decide
            op = _op_for(_AFTER, re.sub(r"\s+", " ", after.group("cmp")))
            claims.add(Found(m.start(), after.end(), op, value, unit or after.group("unit"),
                             text[m.start():after.end()], m.start("n")), "comparator_before_and_after")
            continue
        claims.add(Found(m.start(), m.end(), op, value, unit, m.group(0), m.start("n")), "comparator_before")
        tail = re.match(r"\s*(?:and|or)\s+(?P<n>" + NUM + r")(?P<unit>" + _UNIT + r")", text[m.end():], re.I)
        if tail:  # "at least 12% and 200 milliliters": the comparator carries over
            start = m.end() + tail.start("n")
            claims.add(Found(start, m.end() + tail.end(), op, float(tail.group("n")), tail.group("unit"),
                             text[start:m.end() + tail.end()], start, f"tail:{m.start('n')}"), "shared_comparator")


def comparator_after(text: str, claims: _Claims) -> None:
    """"18 years of age or older", "20 or more lesions", "4 cm or less": the number, then its comparator."""
    for m in _AFTER_RE.finditer(text):
        if not claims.free(m.start(), m.end()):
            continue
        value, unit = float(m.group("n")), m.group("unit")
        if _is_year(value, unit) or _FOLLOWING_CUE.match(text[m.end():]):
            continue
        claims.add(Found(m.start(), m.end(), _op_for(_AFTER, re.sub(r"\s+", " ", m.group("cmp"))), value, unit,
                         m.group(0), m.start()), "comparator_after")


def every_period(text: str, claims: _Claims) -> None:
    """"10 mg/kg every 2 weeks", "once every 6 months": how often something is given, an interval."""
    for m in _EVERY_PERIOD_RE.finditer(text):
        if claims.free(m.start(), m.end()):
            claims.add(Found(m.start(), m.end(), "=", float(m.group("n")), m.group("unit"), m.group(0), m.start("n"),
                             "interval"), "every_period")


_LINE_OF_THERAPY = re.compile(r"\b(?P<n>second|third|fourth|fifth|2nd|3rd|4th|5th)[- ]line\b"
                              r"(?:\s+(?:or\s+(?:later|subsequent|beyond)|and\s+(?:later|beyond)))?", re.I)
_LINE_NUMBER = {"second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "fifth": 5, "5th": 5}


def line_of_therapy(text: str, claims: _Claims) -> None:
    """"as second-line or subsequent therapy": a treatment given after at least one earlier line of therapy."""
    for m in _LINE_OF_THERAPY.finditer(text):
        if claims.free(m.start(), m.end()):
            before = _LINE_NUMBER[m.group("n").lower()] - 1
            claims.add(Found(m.start(), m.end(), ">=", float(before), None, m.group(0), m.start(), "prior_lines"),
                       "line_of_therapy")


def past_period(text: str, claims: _Claims) -> None:
    """"in the past year", "within the previous month": a look-back window named by a word."""
    for m in _PERIOD_RE.finditer(text):
        if claims.free(m.start(), m.end()):
            key = f"the past {m.group('p').lower()}"
            value, unit = period_words()[key] if key in period_words() else (1.0, m.group("p").lower() + "s")
            claims.add(Found(m.start(), m.end(), "<=", value, unit, m.group(0), m.start()), "past_period")


PASSES: tuple[Callable[[str, _Claims], None], ...] = (
    since_event, dose_multiple, not_more_often, at_intervals, every_period, numeric_range, trial_length,
    comparator_before, comparator_after, past_period, line_of_therapy)
"""The grammar, one named pass per construction. The order is the precedence: fixed constructions that
name their own measure first, then ranges, then comparators; a later pass reads only what no earlier
one claimed."""


_QUANTITY_RE = re.compile(r"(?P<n>" + NUM + r")(?P<unit>" + _UNIT + r")", re.I)


def capped_quantity(text: str, claims: _Claims) -> None:
    """Under a lead-in that caps what follows ("the dose does not exceed either of the following:"), a bare
    quantity with a unit ("10 mg/kg") is the cap."""
    for m in _QUANTITY_RE.finditer(text):
        if claims.free(m.start(), m.end()) and not _is_year(float(m.group("n")), m.group("unit")):
            claims.add(Found(m.start(), m.end(), "<=", float(m.group("n")), m.group("unit"), m.group(0),
                             m.start("n")), "capped_by_lead_in")


def _quantities(text: str, capped: bool = False) -> list[Found]:
    """Every limit expression in a (normalised) text, without overlaps, in text order. `capped`: the text is
    an item of a list its lead-in caps."""
    claims = _Claims()
    for grammar_pass in PASSES:
        grammar_pass(text, claims)
    if capped:
        capped_quantity(text, claims)
    return sorted(claims.found, key=lambda f: f.start)


