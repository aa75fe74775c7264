"""Staged and ordinal limits: T stages ("T1-T3", "T2b or below"), roman stages ("Stage II-IV"), NYHA classes."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ...normalized.lexicon import grading_systems
from ...normalized.schema import Op, Threshold

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

def _t(token: str) -> str:
    return token[1:] if token[0] in "cpy" else token


def _t_order(token: str) -> tuple:
    m = re.match(r"T(\d)([a-d]?)", token)
    return (int(m.group(1)), m.group(2)) if m else (-1, token)


def _roman_order(token: str) -> tuple[int, str]:
    m = re.match(r"(IV|I{1,3}|0)([A-C]?)", token.upper())
    return (_ROMAN_VALUES[m.group(1)], m.group(2)) if m else (-1, token)


@dataclass(frozen=True)
class Staged:
    """One staged or ordinal limit, the span it was read from, and the construction that stated it."""

    threshold: Threshold
    span: tuple[int, int]
    rule: str


def _stages(text: str) -> tuple[list[Staged], list[tuple[int, int]]]:
    """Staged limits, and the spans of the stage tokens they were read from (numbers there are not counts)."""
    out: list[Staged] = []
    spans: list[tuple[int, int]] = []
    if _STAGE_CONTEXT.search(text) or _T_BOUND.search(text) or _T_RANGE.search(text):
        used: list[tuple[int, int]] = []
        for m in _T_RANGE.finditer(text):
            out.append(Staged(Threshold("t_stage", "between", (_t(m.group(1)), _t(m.group(2))), None, m.group(0)),
                              m.span(), "t_stage_range"))
            used.append(m.span())
        for m in _T_BOUND.finditer(text):
            if any(s <= m.start() < e for s, e in used):
                continue
            bound: Op = "<=" if m.group(2).lower() in ("below", "less", "lower", "earlier", "smaller") else ">="
            out.append(Staged(Threshold("t_stage", bound, _t(m.group(1)), None, m.group(0)), m.span(),
                              "t_stage_bound"))
            used.append(m.span())
        rest = [m for m in _T_RE.finditer(text) if not any(s <= m.start() < e for s, e in used)]
        if rest and _STAGE_CONTEXT.search(text):
            values = sorted({_t(m.group(0)) for m in rest}, key=_t_order)
            where = (rest[0].start(), rest[-1].end())
            span = text[where[0]:where[1]]
            if len(values) > 1 and re.search(r"\bor\b|,", span):
                out.append(Staged(Threshold("t_stage", "between", (values[0], values[-1]), None, span), where,
                                  "t_stage_list"))
            elif len(values) == 1:
                out.append(Staged(Threshold("t_stage", "=", values[0], None, span), where, "t_stage_named"))
        spans += used
    for m in _ROMAN_STAGE.finditer(text):
        lo = m.group("lo").upper()
        if m.group("hi"):
            out.append(Staged(Threshold("stage", "between", (lo, m.group("hi").upper()), None, m.group(0)), m.span(),
                              "stage_range"))
        elif m.group("dir"):
            side: Op = ">=" if m.group("dir").lower() in ("higher", "greater", "above", "more", "later") else "<="
            out.append(Staged(Threshold("stage", side, lo, None, m.group(0)), m.span(), "stage_bound"))
        else:
            out.append(Staged(Threshold("stage", "=", lo, None, m.group(0)), m.span(), "stage_named"))
        spans.append(m.span())
    for m in _CLASS.finditer(text):
        lo, hi = m.group("lo").upper(), (m.group("hi") or "").upper()
        if hi and _roman_order(hi)[0] == 4:
            out.append(Staged(Threshold("nyha_class", ">=", lo, None, m.group(0)), m.span(), "class_to_highest"))
        elif hi:
            out.append(Staged(Threshold("nyha_class", "between", (lo, hi), None, m.group(0)), m.span(), "class_range"))
        else:
            out.append(Staged(Threshold("nyha_class", "=", lo, None, m.group(0)), m.span(), "class_named"))
        spans.append(m.span())
    for m in _grade().finditer(text):
        if any(a <= m.start() < b for a, b in spans):
            continue
        lo, hi = _grade_value(m.group("lo")), _grade_value(m.group("hi")) if m.group("hi") else None
        name = f"{m.group('scale').lower()}_grade" if m.group("scale") else "grade"
        if hi is not None and hi > lo:
            out.append(Staged(Threshold(name, "between", (lo, hi), None, m.group(0)), m.span(), "grade_range"))
        elif m.group("dir"):
            graded: Op = ">=" if m.group("dir").lower() in ("higher", "greater", "above", "more") else "<="
            out.append(Staged(Threshold(name, graded, lo, None, m.group(0)), m.span(), "grade_bound"))
        else:
            out.append(Staged(Threshold(name, "=", lo, None, m.group(0)), m.span(), "grade_named"))
        spans.append(m.span())
    return out, spans


@lru_cache(maxsize=1)
def _grade() -> re.Pattern[str]:
    """A graded scale ("WHO Grade 3 or 4", "grade 2 or higher"): its grades, as numbers; the systems that may
    name it are data (`scales.json`)."""
    systems = "|".join(re.escape(name) for name in grading_systems())
    return re.compile(rf"\b(?:(?P<scale>{systems})\s+)?grades?\s+(?P<lo>[1-4]|I{{1,3}}|IV)(?![\w.])"
                      r"(?:\s*(?:,|or|-|–|to|through)\s*(?P<hi>[1-4]|I{1,3}|IV)(?![\w.]))?"
                      r"(?:\s+(?:or|and)\s+(?P<dir>higher|greater|above|more|lower|less|below))?", re.I)


def _grade_value(token: str) -> int:
    return int(token) if token.isdigit() else _ROMAN_VALUES[token.upper()]
