"""Criterion text → thresholds (measure, operator, value, canonical unit).

A number counts as a limit only when a comparator says so, in symbols
("≤ 5 cm") or words ("less than or equal to 4 cm", "18 years of age or
older", "within 2 years"), or when it is a stage ("stage T1-T3", "T2b or
below", "Stage IV"). What the limit measures comes from the words nearest the
number (the measure vocabulary in normalized/data/measures.json) checked
against its unit; when no measure fits, the reader says so in a warning
instead of guessing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..normalized.schema import Op, Threshold
from ..normalized.units import UNIT_PATTERN, convert, parse_unit
from ..normalized.vocabulary import Measure, measure, measures

NUM = r"(?<![\w.])(\d+(?:\.\d+)?)(?![\d])"
_COUNT_NOUN = r"(?:lesions|tumou?rs|nodules|metastases|sites|foci|prior\s+lines?|lines?|regimens|episodes|attacks)"
_UNIT = rf"(?:\s*(?P<{{name}}>{UNIT_PATTERN}|(?:{_COUNT_NOUN})\b))?"

_BEFORE: list[tuple[str, str]] = [
    (r"≤|=<|<=|⩽|≦|\u2266", "<="),
    (r"≥|>=|=>|⩾|≧|\u2267", ">="),
    (r"<(?!=)", "<"),
    (r">(?!=)", ">"),
    (r"(?:less|fewer|smaller|lower) than or equal to|equal to or (?:less|fewer|smaller|lower) than|"
     r"no (?:more|greater|larger|bigger|longer|higher) than|not (?:more|greater|larger|longer|higher) than|"
     r"not (?:to )?exceed(?:ing)?|(?:does|do) not exceed|up to(?: and including)?|at most|(?:a )?maximum of|"
     r"maximum|within(?: the (?:past|last|previous|prior))?|in the (?:past|last|previous|prior)|"
     r"no older than|no later than", "<="),
    (r"(?:greater|more|larger|higher|older) than or equal to|equal to or (?:greater|more|larger|higher) than|"
     r"no (?:less|fewer|smaller|shorter|lower) than|not less than|at least|(?:a )?minimum of|minimum|"
     r"(?:of )?(?:aged? )?(?:\d+ )?(?:and|or) (?:older|over)", ">="),
    (r"less than|fewer than|smaller than|lower than|under|below|younger than|shorter than|beneath", "<"),
    (r"greater than|more than|larger than|higher than|over|above|older than|exceed(?:s|ing)?|longer than|"
     r"in excess of", ">"),
]
_AFTER: list[tuple[str, str]] = [
    (r"or (?:less|fewer|below|under|lower|smaller|younger|earlier)|and (?:under|below|younger|less)", "<="),
    (r"or (?:more|greater|above|higher|older|over|larger|longer)|and (?:older|over|above|up|greater)|or later", ">="),
]
_GAP = r"(?:\s+(?:of\s+age|old|in\s+(?:diameter|size|greatest\s+dimension)|above\s+(?:the\s+)?nadir|of\s+therapy))?"

_BEFORE_RE = re.compile(
    r"(?P<cmp>" + "|".join(f"(?:{p})" for p, _ in _BEFORE) + r")\s*(?:(?:of|to|than|at)\s+)?" + NUM
    + _UNIT.format(name="unit"), re.IGNORECASE)
_AFTER_RE = re.compile(
    NUM + _UNIT.format(name="unit") + _GAP + r"\s*,?\s*(?P<cmp>" + "|".join(f"(?:{p})" for p, _ in _AFTER)
    + r")\b", re.IGNORECASE)
_RANGE_RE = re.compile(
    r"(?:(?P<kw>between|from)\s+|(?P<ge>≥|>=)\s*)?" + NUM.replace("(\\d", "(?P<lo>\\d", 1) + _UNIT.format(name="u1")
    + r"\s*(?:-|–|—|to|through|and)\s*" + NUM.replace("(\\d", "(?P<hi>\\d", 1) + _UNIT.format(name="u2"),
    re.IGNORECASE)

_T_TOKEN = r"(?:c|p|y)?T(?:[0-4][a-d]?|is|x)(?![\w])"
_T_RE = re.compile(_T_TOKEN)
_T_RANGE = re.compile(rf"\b({_T_TOKEN})\s*(?:-|–|to|through)\s*({_T_TOKEN})")
_T_BOUND = re.compile(rf"\b({_T_TOKEN})(?:\s*\[[^\]]*\])?\s+or\s+(below|less|lower|earlier|smaller|above|higher|"
                      r"greater|more|later)\b", re.I)
_STAGE_CONTEXT = re.compile(r"\b(?:stage|staged|t[- ]?stage|t[- ]?category|classification)\b", re.I)
_ROMAN_STAGE = re.compile(r"\bstage\s+(IV|I{1,3}|0)([A-C]?)(?:\s*(?:-|–|to|through|or)\s*(IV|I{1,3})([A-C]?))?"
                          r"(?:\s+or\s+(higher|greater|above|more|lower|less|below))?(?![\w-])", re.I)
_ROMAN_VALUES = {"0": 0, "I": 1, "II": 2, "III": 3, "IV": 4}


_ANY_DIGIT = re.compile(r"\d|stage", re.IGNORECASE)


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    op: str
    value: float | tuple
    unit_text: str | None
    text: str


_BEFORE_OPS = [(re.compile(p, re.IGNORECASE), op) for p, op in _BEFORE]
_AFTER_OPS = [(re.compile(p, re.IGNORECASE), op) for p, op in _AFTER]


@lru_cache(maxsize=512)
def _op_for(after: bool, word: str) -> str:
    for pattern, op in _AFTER_OPS if after else _BEFORE_OPS:
        if pattern.fullmatch(word):
            return op
    return "="


def _is_year(value: float, unit: str | None) -> bool:
    return unit is None and 1900 <= value <= 2100 and float(value).is_integer()


def _numeric(text: str) -> list[Found]:
    found: list[Found] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    for m in _RANGE_RE.finditer(text):
        lo, hi = float(m.group("lo")), float(m.group("hi"))
        unit = m.group("u2") or m.group("u1")
        # A bare "a-b" is a range only with a unit or "between"; "7,8" citations and dates are not.
        if not (m.group("kw") or m.group("ge") or unit) or lo >= hi or _is_year(lo, unit):
            continue
        if not m.group("kw") and not m.group("ge") and "-" in m.group(0) and not unit:
            continue
        found.append(Found(m.start(), m.end(), "between", (lo, hi), unit, m.group(0)))
        taken.append((m.start(), m.end()))
    for m in _BEFORE_RE.finditer(text):
        if not free(m.start(), m.end()):
            continue
        value, unit = float(m.group(2)), m.group("unit")
        if _is_year(value, unit):
            continue
        # "...of age or older" phrases put the comparator after the number; let _AFTER read them.
        cmp_word = re.sub(r"\s+", " ", m.group("cmp").lower())
        op = _op_for(False, cmp_word)
        after = _AFTER_RE.match(text, m.start(2) - 0)
        if after and after.start() == m.start(2):
            op = _op_for(True, re.sub(r"\s+", " ", after.group("cmp").lower()))
            found.append(Found(m.start(), after.end(), op, value, unit or after.group("unit"),
                               text[m.start():after.end()]))
            taken.append((m.start(), after.end()))
            continue
        found.append(Found(m.start(), m.end(), op, value, unit, m.group(0)))
        taken.append((m.start(), m.end()))
    for m in _AFTER_RE.finditer(text):
        if not free(m.start(), m.end()):
            continue
        value, unit = float(m.group(1)), m.group("unit")
        if _is_year(value, unit):
            continue
        op = _op_for(True, re.sub(r"\s+", " ", m.group("cmp").lower()))
        found.append(Found(m.start(), m.end(), op, value, unit, m.group(0)))
        taken.append((m.start(), m.end()))
    return sorted(found, key=lambda f: f.start)


def _stages(text: str) -> list[Threshold]:
    out: list[Threshold] = []
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
    for m in _ROMAN_STAGE.finditer(text):
        lo = m.group(1).upper() + m.group(2).upper()
        if m.group(3):
            out.append(Threshold("stage", "between", (lo, m.group(3).upper() + m.group(4).upper()), None, m.group(0)))
        elif m.group(5):
            side: Op = ">=" if m.group(5).lower() in ("higher", "greater", "above", "more") else "<="
            out.append(Threshold("stage", side, lo, None, m.group(0)))
        else:
            out.append(Threshold("stage", "=", lo, None, m.group(0)))
    return out


def _t(token: str) -> str:
    return token[1:] if token[0] in "cpy" else token


def _t_order(token: str) -> tuple:
    m = re.match(r"T(\d)([a-d]?)", token)
    return (int(m.group(1)), m.group(2)) if m else (-1, token)


@lru_cache(maxsize=4096)
def _keyword_spans(text: str) -> tuple[tuple[int, Measure, tuple[tuple[int, int], ...]], ...]:
    """Where each measure's naming words occur in a text, found once however many numbers it holds."""
    out = []
    for rank, m in enumerate(measures()):
        spans = tuple(kw.span() for kw in m.words.finditer(text))
        if spans:
            out.append((rank, m, spans))
    return tuple(out)


def _choose_measure(text: str, found: Found, context: str) -> tuple[Measure | None, str | None]:
    """The measure a number belongs to: nearest naming words whose unit family fits."""
    unit = parse_unit(found.unit_text) if found.unit_text else None
    count = bool(found.unit_text and re.fullmatch(_COUNT_NOUN, found.unit_text.strip(), re.I))
    family = "count" if count else (unit.family if unit else None)

    def fits(m: Measure) -> bool:
        if family is None:
            return True
        return family in m.families

    best: tuple[float, int, Measure] | None = None
    for rank, m, spans in _keyword_spans(text):
        if not fits(m):
            continue
        for kw_start, kw_end in spans:
            distance: float
            if kw_end <= found.start:
                distance = found.start - kw_end
            elif kw_start >= found.end:
                distance = (kw_start - found.end) * 1.5 + 1
            else:
                distance = 0.0
            if distance > 90:
                continue
            if best is None or (distance, rank) < (best[0], best[1]):
                best = (distance, rank, m)
    if best is not None:
        return best[2], family
    if count:
        fallback = measure("lesion_count") if re.match(r"(?:lesion|tumou?r|nodule|metasta|site|foci)",
                                                       (found.unit_text or "").strip(), re.I) else None
        return fallback, family
    if family == "length":
        return measure("lesion_size"), family
    if context:
        ctx_found = Found(len(context), len(context), found.op, found.value, found.unit_text, found.text)
        from_context, _ = _choose_measure(context, ctx_found, "")
        return from_context, family
    return None, family


def read_thresholds(text: str, context: str = "") -> tuple[list[Threshold], list[str]]:
    """Every limit stated in `text`, plus warnings for numbers with a comparator but no known measure.

    `context` is the text of the enclosing items, used only when the
    criterion's own words name no measure ("Less than or equal to 4 cm" under
    "Hepatic lesions must have both of the following").
    """
    if not _ANY_DIGIT.search(text):
        return [], []
    thresholds = _stages(text)
    warnings: list[str] = []
    for f in _numeric(text):
        chosen, family = _choose_measure(text, f, context)
        if chosen is None:
            warnings.append(f"could not tell what '{f.text.strip()}' measures")
            continue
        if isinstance(f.value, tuple):
            lo, unit = convert(f.value[0], f.unit_text)
            hi, _ = convert(f.value[1], f.unit_text)
            value: object = (lo, hi)
        else:
            value, unit = convert(f.value, f.unit_text)
        if family == "count":
            unit = "count"
        if unit is None or (f.unit_text is None and chosen.unit is not None):
            unit = chosen.unit
        thresholds.append(Threshold(chosen.name, f.op, value, unit, f.text.strip()))  # type: ignore[arg-type]
    return thresholds, warnings


_NEGATION = re.compile(
    r"^(?:no|not|none|absence|absent|without|lack)\b|\b(?:is|are|was|were|has|have|does|do|did|has been)\s+not\b|"
    r"\bno (?:evidence|history|signs?|prior|previous|disease|known|active|concurrent|current)\b|"
    r"\bnot (?:a )?candidates?\b|\bnot (?:be )?(?:detected|present|eligible|used|received|taking)\b",
    re.IGNORECASE,
)


def is_negated(text: str) -> bool:
    return bool(_NEGATION.search(text))
