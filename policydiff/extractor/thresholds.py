"""Criterion text → thresholds: an open grammar of limits on any noun, in symbols and words.

A number is a limit only when the text says how it bounds something: a
comparator before it ("≥ 5 cm", "at least 2", "within 6 months", "no more
than 12 mg"), after it ("18 years of age or older", "20 or more lesions"), a
range ("15 to 65 events per hour", "between 35 and 39.9", "Stage II-IV"),
or a fixed construction ("not more often than every 3 months", "a 3 month
trial", "at 2 hour intervals"). Number words count ("FOUR or more", "one
(1)"). References, codes, years, footnotes and product strengths are numbers
without such a statement, so they are never limits.

What a limit measures is named from the text, in this order: the words and
units of the measure vocabulary (`normalized/data/measures.json`: "BMI",
"kg/m2", "cells per microliter"), the kind of duration the sentence states
(age, a look-back window, a trial of therapy, how long symptoms lasted, how
often), and otherwise the noun phrase the number counts or the subject of
the comparison ("2 to 4 copies of the SMN2 gene" is `smn2_copies`,
"at least 2 antiseizure medications" is `antiseizure_medications`). The
vocabulary canonicalizes; it does not gate. A limit whose measure cannot be
named becomes a warning, never a guess.

Values given only as examples ("e.g., ACQ score > 1.5") are read and marked
`example`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..normalized.lexicon import fraction_words, number_words, period_words
from ..normalized.schema import Op, Threshold
from ..normalized.units import UNIT_PATTERN, Unit, convert, parse_unit, tidy_number
from ..normalized.vocabulary import Measure, measure, measures

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
        r"of\s+(?:therapy|treatment)|duration|in\s+duration))?")

_BEFORE_RE = re.compile(r"(?P<cmp>" + "|".join(f"(?:{p})" for p, _ in _BEFORE) + r")" + _FILLER + r"\s*(?P<n>"
                        + NUM + r")(?P<unit>" + _UNIT + r")?", re.I)
_AFTER_RE = re.compile(r"(?P<n>" + NUM + r")(?P<unit>" + _UNIT + r")?" + _GAP + r"\s*,?\s*(?P<cmp>"
                       + "|".join(f"(?:{p})" for p, _ in _AFTER) + r")\b(?!\s+than\b)", re.I)
_RANGE_RE = re.compile(
    r"(?:(?P<kw>between|from)\s+|(?P<ge>≥)\s*)?(?P<lo>" + NUM + r")(?P<u1>" + _UNIT + r")?"
    r"\s*(?:-|–|—|to|through|and)\s*(?P<hi>" + NUM + r")(?P<u2>" + _UNIT + r")?", re.I)
_INTERVAL_RE = re.compile(r"(?:not|no)\s+more\s+(?:often|frequently)\s+than\s+(?:once\s+)?(?:every\s+)?"
                          r"(?:(?P<n>" + NUM + r")\s*(?P<unit>" + _UNIT + r")|(?P<period>annually|yearly|quarterly|"
                          r"monthly|weekly|daily|once\s+a\s+(?:year|month|week)))", re.I)
_EVERY_RE = re.compile(r"\b(?:at|in)\s+(?P<n>" + NUM + r")[\s-]*(?P<unit>(?:hours?|hrs?|days?|weeks?|months?|years?))"
                       r"\s+intervals\b", re.I)
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
    start: int
    end: int
    op: Op
    value: float | tuple[float, float]
    unit_text: str | None
    text: str
    num_start: int
    """Where the number itself starts (the anchor for naming what it measures)."""
    kind: str = ""
    """"interval", "trial" or "" (read by its comparator)."""


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


def _quantities(text: str) -> list[Found]:
    """Every limit expression in a (normalised) text, longest reading first, without overlaps."""
    found: list[Found] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    def add(f: Found) -> None:
        found.append(Found(f.start, f.end, f.op, f.value, _unit_text(f.unit_text), f.text, f.num_start, f.kind))
        taken.append((f.start, f.end))

    for m in _SINCE_RE.finditer(text):
        before = text[max(0, m.start() - 16):m.start()]
        if re.search(r"\b(?:within|in|over|up\s+to|no\s+more\s+than)\s*$", before, re.I):
            continue
        event = re.findall(r"[\w-]+", m.group("event"))[-1].lower()
        add(Found(m.start("n") if not m.group("start") else m.start(), m.end(), ">=", float(m.group("n")),
                  m.group("unit"), m.group(0), m.start("n"), f"since:{_EVENT.get(event, event)}"))
    for m in _TIMES_DOSE_RE.finditer(text):
        add(Found(m.start(), m.end(), "<=", float(m.group("n")), None, m.group(0), m.start("n"), "dose_multiple"))
    for m in _INTERVAL_RE.finditer(text):
        if m.group("period"):
            value, every = period_words().get(re.sub(r"once\s+a\s+", "a ", m.group("period").lower()), (12.0, "months"))
            add(Found(m.start(), m.end(), ">=", value, every, m.group(0), m.start(), "interval"))
        else:
            add(Found(m.start(), m.end(), ">=", float(m.group("n")), m.group("unit"), m.group(0), m.start("n"),
                      "interval"))
    for m in _EVERY_RE.finditer(text):
        if free(m.start(), m.end()):
            add(Found(m.start(), m.end(), "=", float(m.group("n")), m.group("unit"), m.group(0), m.start("n"),
                      "interval"))
    for m in _RANGE_RE.finditer(text):
        if not free(m.start(), m.end()):
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
        add(Found(m.start(), m.end(), "between", (lo, hi), unit, m.group(0), m.start("lo")))
    for m in _TRIAL_RE.finditer(text):
        if free(m.start("n"), m.end()) and not re.search(r"(?:least|minimum|more than|over)\s*(?:a|an)?\s*$",
                                                         text[max(0, m.start() - 14):m.start("n")], re.I):
            add(Found(m.start("n"), m.end("unit"), ">=", float(m.group("n")), m.group("unit"), m.group(0).strip(),
                      m.start("n"), "trial"))
    for m in _BEFORE_RE.finditer(text):
        if not free(m.start("n"), m.end()):
            continue
        value, unit = float(m.group("n")), m.group("unit")
        if _is_year(value, unit) or _FOLLOWING_CUE.match(text[m.end():]):
            continue
        op = _op_for(_BEFORE, re.sub(r"\s+", " ", m.group("cmp")))
        after = _AFTER_RE.match(text, m.start("n"))
        if after:  # "at least 18 years of age or older": the words after decide
            op = _op_for(_AFTER, re.sub(r"\s+", " ", after.group("cmp")))
            add(Found(m.start(), after.end(), op, value, unit or after.group("unit"), text[m.start():after.end()],
                      m.start("n")))
            continue
        add(Found(m.start(), m.end(), op, value, unit, m.group(0), m.start("n")))
        tail = re.match(r"\s*(?:and|or)\s+(?P<n>" + NUM + r")(?P<unit>" + _UNIT + r")", text[m.end():], re.I)
        if tail:  # "at least 12% and 200 milliliters": the comparator carries over
            start = m.end() + tail.start("n")
            add(Found(start, m.end() + tail.end(), op, float(tail.group("n")), tail.group("unit"),
                      text[start:m.end() + tail.end()], start, f"tail:{m.start('n')}"))
    for m in _AFTER_RE.finditer(text):
        if not free(m.start(), m.end()):
            continue
        value, unit = float(m.group("n")), m.group("unit")
        if _is_year(value, unit) or _FOLLOWING_CUE.match(text[m.end():]):
            continue
        add(Found(m.start(), m.end(), _op_for(_AFTER, re.sub(r"\s+", " ", m.group("cmp"))), value, unit,
                  m.group(0), m.start()))
    for m in _PERIOD_RE.finditer(text):
        if free(m.start(), m.end()):
            value, unit = period_words()[f"the past {m.group('p').lower()}"] if f"the past {m.group('p').lower()}" \
                in period_words() else (1.0, m.group("p").lower() + "s")
            add(Found(m.start(), m.end(), "<=", value, unit, m.group(0), m.start()))
    return sorted(found, key=lambda f: f.start)


# -- naming what a number measures ---------------------------------------------------------------------------------

_CLAUSE_BREAK = re.compile(r"[;:•]|\b(?:and|or)\s+(?=[A-Z])|\.\s+(?=[A-Z])")
_STOP = {"a", "an", "the", "of", "is", "are", "was", "were", "be", "has", "have", "had", "with", "for", "by", "in",
         "on", "at", "to", "and", "or", "level", "levels", "value", "values", "documented", "patient", "patients",
         "member", "members", "individual", "individuals", "who", "which", "that", "their", "his", "her", "its",
         "this", "these", "those", "as", "defined", "demonstrated", "measured", "confirmed",
         "total", "baseline", "than", "less", "more", "greater", "per", "identifiable", "moderate", "severe", "mild",
         "documentation", "evidence", "history", "prior", "previous", "current", "currently", "recent", "new",
         "consistently", "experienced", "experiences", "received", "receiving", "tried", "failed", "required",
         "requiring", "requires", "using", "used", "use", "when", "if", "from", "no", "not", "any", "all", "each"}
_TIME_FAMILY = "time"
_DURATION_ORDER = ("age", "approval_duration", "observation_duration", "sleep_duration", "interval", "time_window",
                   "symptom_duration", "diagnosis_duration", "life_expectancy", "treatment_duration")


def _clause(text: str, at: int) -> tuple[int, int]:
    """The clause around position `at`: between the nearest breaks (";", ":", a bullet, a new sentence)."""
    start = 0
    for brk in _CLAUSE_BREAK.finditer(text, 0, at):
        start = brk.end()
    end = _CLAUSE_BREAK.search(text, at)
    return start, (end.start() if end else len(text))


@lru_cache(maxsize=4096)
def _keyword_spans(text: str) -> tuple[tuple[int, Measure, tuple[tuple[int, int], ...]], ...]:
    """Where each measure's naming words occur in a text, found once however many numbers it holds."""
    out = []
    for rank, m in enumerate(measures()):
        spans = tuple(kw.span() for kw in m.words.finditer(text))
        if spans:
            out.append((rank, m, spans))
    return tuple(out)


def _nearest(text: str, f: Found, candidates: set[str] | None, family: str | None,
             window: tuple[int, int], before_only: bool = False) -> list[Measure]:
    """Vocabulary measures named near the number, nearest first.

    The subject of a comparison stands before it ("systolic ... greater than
    140 mm Hg or diastolic ..."), so words before the limit outrank words
    after it, whatever the distance.
    """
    scored: list[tuple[int, float, int, Measure]] = []
    lo, hi = window
    for rank, m, spans in _keyword_spans(text):
        if candidates is not None and m.name not in candidates:
            continue
        if family is not None and family not in m.families:
            continue
        best: tuple[int, float] | None = None
        for kw_start, kw_end in spans:
            if kw_end <= lo or kw_start >= hi:
                continue
            if kw_end <= f.num_start:
                here = (0, float(f.num_start - kw_end))
            elif kw_start >= f.end:
                if before_only:
                    continue
                here = (1, float(kw_start - f.end))
            else:
                here = (0, 0.0)
            best = here if best is None else min(best, here)
        if best is not None and best[1] <= 90:
            scored.append((best[0], best[1], rank, m))
    return [m for *_, m in sorted(scored, key=lambda s: (s[0], s[1], s[2]))]


def _snake(words: list[str]) -> str:
    name = re.sub(r"[^a-z0-9]+", "_", " ".join(words).lower()).strip("_")
    return re.sub(r"_+", "_", name)[:60]


def _acronym(text: str) -> str | None:
    m = re.search(r"[(\[]([A-Z][A-Z0-9]{1,7})[)\]]\s*(score)?\s*$", text)
    if m:
        return m.group(1).lower() + ("_score" if m.group(2) else "")
    return None


_NOUN_BREAK = {"of", "in", "that", "which", "who", "whom", "requiring", "required", "require", "requires",
               "despite", "with", "for", "within", "during", "after", "before", "resulting", "resulted",
               "per", "or", "and", "to", "at", "on", "from", "by", "as", "is", "are", "was", "were", "has", "have",
               "had", "over", "since", "following", "when", "where", "while", "each", "than"}


def _counted_noun(text: str, f: Found) -> str | None:
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
    words = [w for w in words if w.lower() not in _STOP]
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
        of_words = [w for w in of_words[:cut] if w.lower() not in _STOP and w.lower() not in _QUALIFIERS]
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


def _subject(text: str, f: Found, clause_start: int) -> str | None:
    """The noun phrase a comparison is about: "BMI is less than 35" → "BMI"."""
    before = text[clause_start:f.start].rstrip(" ,:")
    before = re.sub(r"\b(?:is|are|was|were|of|be|has|had|have|with|level|value|count)\s*$", "", before,
                    flags=re.I).rstrip(" ,")
    acronym = _acronym(before)
    if acronym:
        return acronym
    before = re.sub(r"[(\[][^)\]]*[)\]]", " ", before)
    words = [w for w in re.findall(r"[A-Za-z][\w/+-]*", before) if w.lower() not in _STOP]
    if not words:
        return None
    return " ".join(words[-3:])


def _own_subject(text: str, f: Found, clause_start: int) -> str | None:
    """The noun phrase set right before a limit, when an "or" / "and" / "either" separates it from the words
    before ("... 7 or more or a disability index of 40 or more"); None when nothing separates them."""
    before = text[clause_start:f.start]
    parts = re.split(r"\b(?:or|and|either)\b|,", before)
    if len(parts) < 2:
        return None
    segment = re.sub(r"\b(?:is|are|was|were|of|be|has|had|have|with|a|an|the)\b", " ", parts[-1], flags=re.I)
    words = [w for w in re.findall(r"[A-Za-z][\w/+-]*", segment) if w.lower() not in _STOP]
    return " ".join(words[-3:]) if words and len(words) <= 5 else None


def _canonical(words: str, family: str | None = None) -> Measure | None:
    """A measure of the vocabulary named by a phrase, if any (the vocabulary canonicalizes free names);
    with `family`, one of that family first ("nodular lesions" counted is `lesion_count`, not a size)."""
    named = [m for m in measures() if m.kind == "eligibility" and m.words.search(words) and m.families != ("time",)]
    preferred = [m for m in named if family in m.families] if family else []
    found = preferred or named
    return found[0] if found else None


def _name(text: str, f: Found) -> tuple[str, str | None] | None:
    """(measure name, canonical unit) for one limit, or None when nothing names it."""
    unit = parse_unit(f.unit_text) if f.unit_text else None
    family = unit.family if unit else None
    window = _clause(text, f.num_start)
    if f.kind == "interval":
        return "interval", None
    if f.kind == "dose_multiple":  # "an H1 antihistamine up dosed to a maximum of four times the approved dose"
        drug = re.findall(r"([A-Za-z][\w-]+?)s?\s+(?:(?:up\s*)?dosed|titrated|increased)\b", text[window[0]:f.start])
        return (_snake([drug[-1]]) + "_dose_multiple" if drug else "dose_multiple"), None
    if f.kind.startswith("since:"):
        return "time_since_" + _snake([f.kind.split(":", 1)[1]]), None
    if f.kind.startswith("tail:"):  # "at least 12% and 200 mL": the second limit is about the same thing
        head_at = int(f.kind.split(":", 1)[1])
        head = next((q for q in _quantities(text) if q.num_start == head_at), None)
        named = _name(text, head) if head is not None else None
        head_unit = parse_unit(head.unit_text) if head is not None and head.unit_text else None
        if named is not None:
            if head_unit is not None and unit is not None and head_unit.family != unit.family:
                return f"{named[0]}_{_FAMILY_WORD.get(unit.family, unit.family)}", None
            return named
    if family == _TIME_FAMILY:
        return _duration(text, f, window)
    if unit is not None:
        near = _nearest(text, f, None, family, window)
        if near:
            return near[0].name, near[0].unit
        subject = _subject(text, f, window[0])
        implied = [m for m in measures() if unit.canonical in m.implied_by]
        if implied and not subject:  # "less than or equal to 4 cm in diameter": a size, whatever is measured
            return implied[0].name, implied[0].unit
        if subject:
            sub = _canonical(subject)
            if sub and family in sub.families:
                return sub.name, None
            share = family == "percent" and re.match(r"\s*of\s+(?:the\s+)?total\b", text[f.end:f.end + 20], re.I)
            words = [_singular(w) for w in subject.split()] if share else subject.split()
            return _snake(words) + ("_fraction" if share else ""), None  # "apneas less than 25% of the total AHI"
        return None
    if re.search(r"\b(?:older|younger)\b", f.text, re.I) or re.search(
            r"\b(?:age|aged)\s*(?:is\s*)?(?:[≥≤<>]|at\s+least)?\s*$", text[max(window[0], f.start - 12):f.start], re.I):
        return "age", "years"
    counted = _counted_noun(text, f)
    if counted:
        known = _canonical(counted, "count") or _canonical(text[f.end:f.end + 50].split(";")[0], "count")
        if known is not None and "count" in known.families:
            return known.name, "count"
        if f.value == 1.0:
            return NOT_A_LIMIT  # "at least one other therapy": that one exists, not a numeric limit
        if known is not None:
            later = re.search(UNIT_PATTERN, text[f.end:f.end + 90], re.I)
            later_unit = parse_unit(later.group(0)) if later else None
            if later_unit is not None and later_unit.family in known.families:
                return known.name, later_unit.canonical
        return _snake(counted.split()), "count"
    near = [m for m in _nearest(text, f, None, None, window)
            if m.unit is None or "score" in m.families or "ratio" in m.families]
    own = _own_subject(text, f, window[0])
    if near and (own is None or near[0].words.search(own)):
        return near[0].name, near[0].unit
    if own is not None:  # "a pain score of 7 or more or a disability index of 40": each limit names its own
        known = _canonical(own)
        return (known.name, known.unit) if known is not None and known.unit is None else (_snake(own.split()), None)
    subject = _subject(text, f, window[0])
    if subject:
        known = _canonical(subject)
        if known is not None and (known.unit is None or "score" in known.families):
            return known.name, known.unit
        return _snake(subject.split()), None
    return None


NOT_A_LIMIT: tuple[str, str | None] = ("", None)
"""What `_name` returns for a number that reads as a limit but is not one; it is left out without a warning."""
_FAMILY_WORD = {"volume": "volume", "mass": "weight", "percent": "percent", "length": "size", "time": "duration"}
_STRUCTURAL = {"time_window", "interval", "age"}


def _duration(text: str, f: Found, window: tuple[int, int]) -> tuple[str, str | None] | None:
    """Which length of time a number states: an age, a look-back window, a trial, how long symptoms lasted...

    Ages, look-back windows and intervals are read from how the sentence is
    built ("6 months of age", "within the previous 6 weeks", "within 2 years
    following the first procedure"); other durations from the nearest words
    that say what lasted (a trial, symptoms, a diagnosis), and failing those
    from the thing counted just before ("bursts ... for at least 3 days each").
    """
    head = text[max(window[0], f.start - 30):f.start].lower()
    tail = text[f.end:min(window[1], f.end + 30)].lower()
    if f.op == "between" and re.search(r"\bwithin\s*$", head):
        return "time_window", None
    if re.match(r"\s*(?:trial|course|regimen|period\s+of\s+(?:therapy|treatment)|of\s+(?:therapy|treatment|use))\b",
                tail):
        return "treatment_duration", None
    if re.match(r"\s*(?:of\s+age|old|of\s+life)\b", tail) or re.search(
            r"\b(?:age[sd]?|older|younger)\s*(?:is\s*)?(?:≥|≤|>|<|[a-z ]+than|at\s+least)?\s*$", head) \
            or re.search(r"\b(?:older|younger)\b", f.text, re.I):
        return "age", "years"
    if re.search(r"\b(?:within|in\s+the\s+(?:past|last|previous|prior|preceding)|(?:over|during)\s+the)\b", f.text,
                 re.I) or re.search(r"\b(?:past|previous|prior|last|preceding)\s*$", head):
        if re.match(r"\s*(?:following|after)\s+(?:the\s+)?(?:primary|initial|first|previous|prior|last|index)\b",
                    tail):
            return "interval", None
        return "time_window", None
    counted = _counted_before(text, f, window[0]) if re.match(r"\s*each\b", tail) else None
    if counted:
        return _snake(counted.split()) + "_duration", None
    candidates = set(_DURATION_ORDER) - _STRUCTURAL
    near = _nearest(text, f, candidates, None, window)
    if near:
        return near[0].name, (near[0].unit if near[0].name == "life_expectancy" else None)
    subject = _subject(text, f, window[0])
    if subject:
        return _snake(subject.split() + ["duration"]), None
    return None


def _counted_before(text: str, f: Found, start: int) -> str | None:
    """The thing a count earlier in the clause counted ("2 bursts of ... for at least 3 days each")."""
    for q in reversed([q for q in _quantities(text[start:f.start]) if q.unit_text is None]):
        shifted = Found(q.start + start, q.end + start, q.op, q.value, None, q.text, q.num_start + start)
        noun = _counted_noun(text, shifted)
        if noun:
            words = noun.split()
            return " ".join([*words[:-1], re.sub(r"(?<=[a-z])s$", "", words[-1])])
    return None


# -- the public reader ---------------------------------------------------------------------------------------------

_EXAMPLE = re.compile(r"(?:\be\.\s?g\.?,?|\bfor\s+example,?|\bsuch\s+as\b|\bincluding\b)", re.I)
_STAGE_CONTEXT = re.compile(r"\b(?:stage|staged|t[- ]?stage|t[- ]?category|classification)\b", re.I)
_T_TOKEN = r"(?:c|p|y)?T(?:[0-4][a-d]?|is|x)(?![\w])"
_T_RE = re.compile(_T_TOKEN)
_T_RANGE = re.compile(rf"\b({_T_TOKEN})\s*(?:-|–|to|through)\s*({_T_TOKEN})")
_T_BOUND = re.compile(rf"\b({_T_TOKEN})(?:\s*\[[^\]]*\])?\s+or\s+(below|less|lower|earlier|smaller|above|higher|"
                      r"greater|more|later)\b", re.I)
_ROMAN = r"(?:IV|I{1,3}|0)[A-Ca-c]?"
_ROMAN_STAGE = re.compile(rf"\bstages?\s+(?P<lo>{_ROMAN})(?![\w])(?:(?P<list>(?:\s*,\s*{_ROMAN}(?![\w]))*\s*,?\s*"
                          rf"(?:or|and|-|–|/|to|through)\s*)(?P<hi>{_ROMAN})(?![\w-]))?(?:\s+(?:or|and)\s+(?P<dir>higher|"
                          r"greater|above|more|later|lower|less|below|earlier))?", re.I)
_CLASS = re.compile(rf"\b(?P<words>(?:new\s+york\s+heart\s+association|nyha)(?:\s+\(nyha\))?(?:\s+functional)?)\s+"
                    rf"class(?:es)?\s+(?P<lo>{_ROMAN})(?:\s*(?:,|or|-|–|to|through)\s*(?P<hi>{_ROMAN}))?", re.I)
_ROMAN_VALUES = {"0": 0, "I": 1, "II": 2, "III": 3, "IV": 4}
_ANY_DIGIT = re.compile(r"\d|stage|class|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|"
                        r"annually|past\s+year|previous\s+year|prior\s+year)\b", re.I)


def _t(token: str) -> str:
    return token[1:] if token[0] in "cpy" else token


def _t_order(token: str) -> tuple:
    m = re.match(r"T(\d)([a-d]?)", token)
    return (int(m.group(1)), m.group(2)) if m else (-1, token)


def _roman_order(token: str) -> tuple[int, str]:
    m = re.match(r"(IV|I{1,3}|0)([A-C]?)", token.upper())
    return (_ROMAN_VALUES[m.group(1)], m.group(2)) if m else (-1, token)


def _stages(text: str) -> tuple[list[Threshold], list[tuple[int, int]]]:
    out: list[Threshold] = []
    spans: list[tuple[int, int]] = []
    if _STAGE_CONTEXT.search(text) or _T_BOUND.search(text) or _T_RANGE.search(text):
        used: list[tuple[int, int]] = []
        for m in _T_RANGE.finditer(text):
            out.append(Threshold("t_stage", "between", (_t(m.group(1)), _t(m.group(2))), None, m.group(0)))
            used.append(m.span())
        for m in _T_BOUND.finditer(text):
            if any(s <= m.start() < e for s, e in used):
                continue
            bound: Op = "<=" if m.group(2).lower() in ("below", "less", "lower", "earlier", "smaller") else ">="
            out.append(Threshold("t_stage", bound, _t(m.group(1)), None, m.group(0)))
            used.append(m.span())
        rest = [m for m in _T_RE.finditer(text) if not any(s <= m.start() < e for s, e in used)]
        if rest and _STAGE_CONTEXT.search(text):
            values = sorted({_t(m.group(0)) for m in rest}, key=_t_order)
            span = text[rest[0].start(): rest[-1].end()]
            if len(values) > 1 and re.search(r"\bor\b|,", span):
                out.append(Threshold("t_stage", "between", (values[0], values[-1]), None, span))
            elif len(values) == 1:
                out.append(Threshold("t_stage", "=", values[0], None, span))
        spans += used
    for m in _ROMAN_STAGE.finditer(text):
        lo = m.group("lo").upper()
        if m.group("hi"):
            out.append(Threshold("stage", "between", (lo, m.group("hi").upper()), None, m.group(0)))
        elif m.group("dir"):
            side: Op = ">=" if m.group("dir").lower() in ("higher", "greater", "above", "more", "later") else "<="
            out.append(Threshold("stage", side, lo, None, m.group(0)))
        else:
            out.append(Threshold("stage", "=", lo, None, m.group(0)))
        spans.append(m.span())
    for m in _CLASS.finditer(text):
        lo, hi = m.group("lo").upper(), (m.group("hi") or "").upper()
        if hi and _roman_order(hi)[0] == 4:
            out.append(Threshold("nyha_class", ">=", lo, None, m.group(0)))
        elif hi:
            out.append(Threshold("nyha_class", "between", (lo, hi), None, m.group(0)))
        else:
            out.append(Threshold("nyha_class", "=", lo, None, m.group(0)))
        spans.append(m.span())
    return out, spans


def _example_spans(text: str) -> list[tuple[int, int]]:
    """Stretches that give examples: "(e.g., ...)", "[e.g. ...]", "such as ...", "for example ..." to the clause end."""
    spans = []
    for m in _EXAMPLE.finditer(text):
        opener = text.rfind("(", 0, m.start()), text.rfind("[", 0, m.start())
        close_at = None
        for o, c in zip(opener, (")", "]")):
            if o != -1 and text.find(c, o) == -1 or o != -1 and text.find(c, o) > m.start():
                depth_close = _matching(text, o)
                if depth_close is not None and depth_close > m.start():
                    close_at = depth_close if close_at is None else min(close_at, depth_close)
        if close_at is None:
            end = re.search(r"[;]|\.\s|$", text[m.end():])
            close_at = m.end() + (end.start() if end else len(text) - m.end())
        spans.append((m.start(), close_at))
    return spans


def _matching(text: str, at: int) -> int | None:
    pairs = {"(": ")", "[": "]"}
    opening = text[at]
    depth = 0
    for i in range(at, len(text)):
        if text[i] == opening:
            depth += 1
        elif text[i] == pairs[opening]:
            depth -= 1
            if depth == 0:
                return i
    return None


def read_thresholds(text: str, context: str = "") -> tuple[list[Threshold], list[str]]:
    """Every limit stated in `text`, plus warnings for limits whose measure cannot be named.

    `context` is the text of the enclosing items, used only when the
    criterion's own words name no measure ("Less than or equal to 4 cm" under
    "Hepatic lesions must have both of the following").
    """
    if not _ANY_DIGIT.search(text):
        return [], []
    norm = normalize(text)
    thresholds, stage_spans = _stages(norm)
    examples = _example_spans(norm)
    warnings: list[str] = []
    for f in _quantities(norm):
        if any(s <= f.num_start < e for s, e in stage_spans) or approval_term(norm[max(0, f.start - 40):f.end + 2]):
            continue
        named = _name(norm, f)
        if named is None and context and f.unit_text and (parse_unit(f.unit_text) or _NO_UNIT).family == "time":
            since = _SINCE_RE.search(normalize(context))
            if since:  # "0-3 months" under "starting three months following completion of therapy"
                event = re.findall(r"[\w-]+", since.group("event"))[-1].lower()
                named = ("time_since_" + _snake([_EVENT.get(event, event)]), None)
        if named is None and context:
            ctx = normalize(context)
            probe = Found(len(ctx), len(ctx), f.op, f.value, f.unit_text, f.text, len(ctx), f.kind)
            unit_of = parse_unit(f.unit_text) if f.unit_text else None
            near = _nearest(ctx + " " + f.text, probe, None, unit_of.family if unit_of else None,
                            (0, len(ctx) + len(f.text) + 1))
            named = (near[0].name, near[0].unit) if near else None
        if named is None:
            warnings.append(f"could not tell what '{f.text.strip()}' measures")
            continue
        if named == NOT_A_LIMIT:
            continue
        example = any(s <= f.num_start < e for s, e in examples)
        for name in _alternatives(norm, f, named[0]):
            thresholds.append(_threshold(name, named[1], f, example))
    return _ranges(thresholds, norm), warnings


_NO_UNIT = Unit("", family="")


def _ranges(thresholds: list[Threshold], text: str) -> list[Threshold]:
    """"greater than or equal to 30% and less than or equal to 70%" on one measure is the range 30–70%."""
    out: list[Threshold] = []
    for t in thresholds:
        prev = out[-1] if out else None
        if prev is not None and prev.measure == t.measure and prev.unit == t.unit and prev.op == ">=" \
                and t.op == "<=" and not isinstance(prev.value, tuple) and not isinstance(t.value, tuple) \
                and isinstance(prev.value, (int, float)) and isinstance(t.value, (int, float)) \
                and prev.value < t.value and re.search(re.escape(prev.text) + r"\s*(?:,\s*)?and\s*" + re.escape(t.text),
                                                       text):
            out[-1] = Threshold(t.measure, "between", (prev.value, t.value), t.unit, f"{prev.text} and {t.text}",
                                prev.example and t.example)
            continue
        out.append(t)
    return out


def _alternatives(text: str, f: Found, name: str) -> list[str]:
    """"AHI or RDI of ≥ 30": one limit on each of two measures joined by "or" before the comparator."""
    m = re.search(r"(?P<a>[A-Za-z][\w-]*)\s+or\s+(?P<b>[A-Za-z][\w-]*)\s*(?:of|is|are)?\s*$", text[:f.start])
    if not m:
        return [name]
    first, second = _canonical(m.group("a")), _canonical(m.group("b"))
    if first and second and first.name != second.name and name in (first.name, second.name) \
            and set(first.families) & set(second.families):
        return [first.name, second.name]
    return [name]


def _threshold(name: str, unit_hint: str | None, f: Found, example: bool) -> Threshold:
    known = measure(name)
    if isinstance(f.value, tuple):
        lo, unit = convert(f.value[0], f.unit_text)
        hi, _ = convert(f.value[1], f.unit_text)
        value: int | float | tuple = (lo, hi)
    else:
        value, unit = convert(f.value, f.unit_text)
    if unit is None:
        unit = unit_hint if unit_hint is not None else (known.unit if known is not None and known.unit not in
                                                        ("months",) else None)
    if name == "age" and unit in ("months", "weeks", "days"):
        factor = {"months": 12, "weeks": 52.1775, "days": 365.25}[unit]
        value = tuple(tidy_number(v / factor) for v in value) if isinstance(value, tuple) else tidy_number(
            float(value) / factor)
        unit = "years"
    if name == "age" and unit is None:
        unit = "years"
    if name == "interval" and f.kind == "interval" and unit == "years":
        value, unit = (tidy_number(float(value) * 12), "months") if not isinstance(value, tuple) else (value, unit)
    return Threshold(name, f.op, value, unit, f.text.strip(), example)


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
                       r".{0,80}?\bapprove\s+for\s+|duration\s*:?\s*)(?P<n>\d+)\s*(?P<u>days?|weeks?|months?|years?)\b",
                       re.I)


def approval_term(text: str) -> Threshold | None:
    """"Authorization will be issued for 12 months", "Approve for 6 months": how long an approval lasts."""
    m = _APPROVAL.match(normalize(text))
    if not m:
        return None
    value, unit = convert(float(m.group("n")), m.group("u"))
    if unit == "years":
        value, unit = tidy_number(float(value) * 12), "months"
    return Threshold("approval_duration", "=", value, unit, m.group(0).strip())
