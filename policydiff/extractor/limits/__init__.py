"""Criterion text → thresholds: an open grammar of limits on any noun, in symbols and words.

The stages: `grammar` finds where a number is stated as a limit, `naming`
names what it measures, `stages` reads staged and ordinal limits, `terms`
reads approval terms and negation. A limit whose measure cannot be named
becomes a warning, never a guess. Values given only as examples ("e.g., ACQ
score > 1.5") are read and marked `example`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ...normalized.schema import Threshold
from ...normalized.units import Unit, convert, parse_unit, tidy_number
from ...normalized.vocabulary import measure
from .grammar import _EVENT, _SINCE_RE, Found, _quantities, normalize
from .naming import NOT_A_LIMIT, Named, _canonical, _name, _nearest, _snake, rate_unit
from .stages import _stages
from .terms import approval_span, approval_term, is_negated

_EXAMPLE = re.compile(r"(?:\be\.\s?g\.?,?|\bfor\s+example,?|\bsuch\s+as\b|\bincluding\b)", re.I)
_ANY_DIGIT = re.compile(r"\d|stage|class|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|"
                        r"annually|second[- ]line|third[- ]line|fourth[- ]line|past\s+year|previous\s+year|"
                        r"prior\s+year|grade)\b", re.I)


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


@dataclass(frozen=True)
class Reading:
    """One threshold and how it was read: the grammar pass that found it, the rule that named its measure, and
    where it stands in the normalized text (what `--explain` and the accounting of numbers read)."""

    threshold: Threshold
    grammar: str
    naming: str
    span: tuple[int, int]


@dataclass(frozen=True)
class Limits:
    """Everything the limit grammar made of one text."""

    readings: tuple[Reading, ...] = ()
    warnings: tuple[str, ...] = ()
    normalized: str = ""
    """The text as the grammar read it (number words as digits): spans refer to it."""
    set_aside: tuple[tuple[tuple[int, int], str], ...] = ()
    """Spans the grammar read as limits and set aside, with why: "approval_term" (read as the group's
    term), "one_exists" ("at least one other therapy"), "unnamed" (its measure could not be named)."""

    @property
    def thresholds(self) -> list[Threshold]:
        return [r.threshold for r in self.readings]


def read_limits(text: str, context: str = "", capped: bool = False) -> Limits:
    """Every limit stated in `text`, with how each was read, plus warnings for limits whose measure cannot be
    named.

    `context` is the text of the enclosing items, used only when the
    criterion's own words name no measure ("Less than or equal to 4 cm" under
    "Hepatic lesions must have both of the following"). `capped`: the lead-in caps the items it lists ("does
    not exceed either of the following"), so a bare quantity is a cap.
    """
    if not _ANY_DIGIT.search(text):
        return Limits(normalized=text)
    norm = normalize(text)
    staged, stage_spans = _stages(norm)
    readings = [Reading(st.threshold, st.rule, "stage_words", st.span) for st in staged]
    examples = _example_spans(norm)
    warnings: list[str] = []
    set_aside: list[tuple[tuple[int, int], str]] = []
    for f in _quantities(norm, capped):
        if any(s <= f.num_start < e for s, e in stage_spans):
            continue
        if approval_term(norm[max(0, f.start - 40):f.end + 2]):
            set_aside.append(((f.start, f.end), "approval_term"))
            continue
        named = _name(norm, f)
        if named is None and context and f.unit_text and (parse_unit(f.unit_text) or _NO_UNIT).family == "time":
            since = _SINCE_RE.search(normalize(context))
            if since:  # "0-3 months" under "starting three months following completion of therapy"
                event = re.findall(r"[\w-]+", since.group("event"))[-1].lower()
                named = Named("time_since_" + _snake([_EVENT.get(event, event)]), None, "context_time_since_event")
        if named is None and context:
            ctx = normalize(context)
            probe = Found(len(ctx), len(ctx), f.op, f.value, f.unit_text, f.text, len(ctx), f.kind)
            unit_of = parse_unit(f.unit_text) if f.unit_text else None
            near = _nearest(ctx + " " + f.text, probe, None, unit_of.family if unit_of else None,
                            (0, len(ctx) + len(f.text) + 1))
            named = Named(near[0].name, near[0].unit, "context_vocabulary") if near else None
        if named is None:
            warnings.append(f"could not tell what '{f.text.strip()}' measures")
            set_aside.append(((f.start, f.end), "unnamed"))
            continue
        if named == NOT_A_LIMIT:
            set_aside.append(((f.start, f.end), "one_exists"))
            continue
        example = any(s <= f.num_start < e for s, e in examples)
        if named.unit in ("count", None) and not f.unit_text:  # a count, or a count of what the subject names
            per = rate_unit(norm, f)
            if per is not None:
                named = Named(named.name, per, named.rule)
        for name in _alternatives(norm, f, named.name):
            readings.append(Reading(_threshold(name, named.unit, f, example), f.rule, named.rule, (f.start, f.end)))
    return Limits(tuple(_ranges(readings, norm)), tuple(warnings), norm, tuple(set_aside))


def read_thresholds(text: str, context: str = "") -> tuple[list[Threshold], list[str]]:
    """The thresholds of `read_limits`, and its warnings."""
    limits = read_limits(text, context)
    return limits.thresholds, list(limits.warnings)


_NO_UNIT = Unit("", family="")


def _ranges(readings: list[Reading], text: str) -> list[Reading]:
    """"greater than or equal to 30% and less than or equal to 70%" on one measure is the range 30–70%."""
    out: list[Reading] = []
    for r in readings:
        t = r.threshold
        prev_r = out[-1] if out else None
        prev = prev_r.threshold if prev_r is not None else None
        if prev_r is not None and prev is not None and prev.measure == t.measure and prev.unit == t.unit \
                and prev.op == ">=" and t.op == "<=" and not isinstance(prev.value, tuple) \
                and not isinstance(t.value, tuple) and isinstance(prev.value, (int, float)) \
                and isinstance(t.value, (int, float)) and prev.value < t.value \
                and re.search(re.escape(prev.text) + r"\s*(?:,\s*)?and\s*" + re.escape(t.text), text):
            merged = Threshold(t.measure, "between", (prev.value, t.value), t.unit, f"{prev.text} and {t.text}",
                               prev.example and t.example)
            out[-1] = Reading(merged, "floor_and_ceiling", prev_r.naming, (prev_r.span[0], r.span[1]))
            continue
        out.append(r)
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



__all__ = ["Limits", "Reading", "approval_span", "approval_term", "is_negated", "normalize", "read_limits",
           "read_thresholds"]
