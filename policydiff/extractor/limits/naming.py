"""Naming what a limit measures: the vocabulary's words and units, the kind of duration, the noun counted.

What a limit measures is named from the text, in this order: the words and
units of the measure vocabulary (`normalized/data/measures.json`: "BMI",
"kg/m2", "cells per microliter"), the kind of duration the sentence states
(age, a look-back window, a trial of therapy, how long symptoms lasted, how
often), and otherwise the noun phrase the number counts or the subject of
the comparison ("2 to 4 copies of the SMN2 gene" is `smn2_copies`,
"at least 2 antiseizure medications" is `antiseizure_medications`). The
vocabulary canonicalizes; it does not gate.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from ...normalized.units import UNIT_PATTERN, parse_unit
from ...normalized.vocabulary import Measure, measures
from ..markers import CLAUSE_BREAK
from .grammar import Found, _quantities
from .nouns import STOP as _STOP
from .nouns import _singular
from .nouns import counted_noun as _counted_noun

_TIME_FAMILY = "time"
_DURATION_ORDER = ("age", "approval_duration", "observation_duration", "sleep_duration", "interval", "time_window",
                   "symptom_duration", "diagnosis_duration", "life_expectancy", "treatment_duration")


def _clause(text: str, at: int) -> tuple[int, int]:
    """The clause around position `at`: between the nearest breaks (";", ":", a bullet, a new sentence)."""
    start = 0
    for brk in CLAUSE_BREAK.finditer(text, 0, at):
        start = brk.end()
    end = CLAUSE_BREAK.search(text, at)
    return start, (end.start() if end else len(text))


class Named(NamedTuple):
    """What a limit measures, its canonical unit where the naming says one, and the naming rule that decided."""

    name: str
    unit: str | None
    rule: str


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



def _subject(text: str, f: Found, clause_start: int) -> str | None:
    """The noun phrase a comparison is about: "BMI is less than 35" → "BMI"."""
    before = text[clause_start:f.start].rstrip(" ,:")
    before = re.sub(r"\b(?:is|are|was|were|of|be|has|had|have|with|level|value|count)\s*$", "", before,
                    flags=re.I).rstrip(" ,")
    acronym = _acronym(before)
    if acronym:
        return acronym
    if _OPEN_EXAMPLE.search(before):
        return None  # "asthma (e.g., the patient has received ≥ 5 mg": the limit sits in an example that the
        # words before it do not name (never a measure called "asthma_e_g")
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


def _name(text: str, f: Found) -> Named | None:
    """What one limit measures (with the rule that named it), or None when nothing names it."""
    unit = parse_unit(f.unit_text) if f.unit_text else None
    family = unit.family if unit else None
    window = _clause(text, f.num_start)
    if f.kind == "interval":
        return Named("interval", None, "construction_interval")
    if f.kind == "prior_lines":
        return Named("prior_therapy_lines", "count", "line_of_therapy")
    if f.kind == "dose_multiple":  # "an H1 antihistamine up dosed to a maximum of four times the approved dose"
        drug = re.findall(r"([A-Za-z][\w-]+?)s?\s+(?:(?:up\s*)?dosed|titrated|increased)\b", text[window[0]:f.start])
        return Named((_snake([drug[-1]]) + "_dose_multiple" if drug else "dose_multiple"), None, "dose_multiple")
    if f.kind.startswith("since:"):
        return Named("time_since_" + _snake([f.kind.split(":", 1)[1]]), None, "time_since_event")
    if f.kind.startswith("tail:"):  # "at least 12% and 200 mL": the second limit is about the same thing
        head_at = int(f.kind.split(":", 1)[1])
        head = next((q for q in _quantities(text) if q.num_start == head_at), None)
        named = _name(text, head) if head is not None else None
        head_unit = parse_unit(head.unit_text) if head is not None and head.unit_text else None
        if named is not None:
            if head_unit is not None and unit is not None and head_unit.family != unit.family:
                return Named(f"{named[0]}_{_FAMILY_WORD.get(unit.family, unit.family)}", None,
                             "shared_measure_in_other_unit")
            return Named(named.name, named.unit, "shared_measure")
    if family == _TIME_FAMILY:
        return _duration(text, f, window)
    if family == "percent":
        change = _CHANGE_AFTER.match(text[f.end:f.end + 80])
        if change:  # "at least 50% sustained improvement in symptoms": what changes, and by how much
            words = [w for w in (change.group("what") or "").split() if w.lower() not in _STOP]
            if words:
                words[-1] = _singular(words[-1])
            return Named(_snake([*words, change.group("change")]), None, "change_of_what")
    if unit is not None:
        near = _nearest(text, f, None, family, window)
        if near:
            return Named(near[0].name, near[0].unit, "vocabulary_near_unit")
        subject = _subject(text, f, window[0])
        implied = [m for m in measures() if unit.canonical in m.implied_by]
        if implied and not subject:  # "less than or equal to 4 cm in diameter": a size, whatever is measured
            return Named(implied[0].name, implied[0].unit, "unit_implies_measure")
        if subject:
            sub = _canonical(subject)
            if sub and family in sub.families:
                return Named(sub.name, None, "subject_in_vocabulary")
            share = family == "percent" and re.match(r"\s*of\s+(?:the\s+)?total\b", text[f.end:f.end + 20], re.I)
            words = [_singular(w) for w in subject.split()] if share else subject.split()
            # "apneas less than 25% of the total AHI"
            return Named(_snake(words) + ("_fraction" if share else ""), None, "subject_noun_phrase")
        return None
    if re.search(r"\b(?:older|younger)\b", f.text, re.I) or re.search(
            r"\b(?:age|aged)\s*(?:is\s*)?(?:[≥≤<>]|at\s+least)?\s*$", text[max(window[0], f.start - 12):f.start], re.I):
        return Named("age", "years", "age_words")
    counted = _counted_noun(text, f)
    if counted:
        known = _canonical(counted, "count") or _canonical(text[f.end:f.end + 50].split(";")[0], "count")
        if known is not None and "count" in known.families:
            return Named(known.name, "count", "counted_noun_in_vocabulary")
        if f.value == 1.0:
            return NOT_A_LIMIT  # "at least one other therapy": that one exists, not a numeric limit
        if known is not None:
            later = re.search(UNIT_PATTERN, text[f.end:f.end + 90], re.I)
            later_unit = parse_unit(later.group(0)) if later else None
            if later_unit is not None and later_unit.family in known.families:
                return Named(known.name, later_unit.canonical, "counted_noun_vocabulary_unit")
        return Named(_snake(counted.split()), "count", "counted_noun_phrase")
    near = [m for m in _nearest(text, f, None, None, window)
            if m.unit is None or "score" in m.families or "ratio" in m.families]
    own = _own_subject(text, f, window[0])
    if near and (own is None or near[0].words.search(own)):
        return Named(near[0].name, near[0].unit, "vocabulary_near")
    if own is not None:  # "a pain score of 7 or more or a disability index of 40": each limit names its own
        known = _canonical(own)
        return Named(known.name, known.unit, "own_subject") if known is not None and known.unit is None \
            else Named(_snake(own.split()), None, "own_subject")
    subject = _subject(text, f, window[0])
    if subject:
        known = _canonical(subject)
        if known is not None and (known.unit is None or "score" in known.families):
            return Named(known.name, known.unit, "subject_in_vocabulary")
        return Named(_snake(subject.split()), None, "subject_noun_phrase")
    return None


NOT_A_LIMIT = Named("", None, "one_exists")
_OPEN_EXAMPLE = re.compile(r"\((?:e\.\s?g|i\.\s?e)\b[^)]*$", re.I)
"""An example or aside opened and not closed before the limit."""
"""What `_name` returns for a number that reads as a limit but is not one; it is left out without a warning."""
_FAMILY_WORD = {"volume": "volume", "mass": "weight", "percent": "percent", "length": "size", "time": "duration"}
_STRUCTURAL = {"time_window", "interval", "age"}


def _duration(text: str, f: Found, window: tuple[int, int]) -> Named | None:
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
        return Named("time_window", None, "window_between")
    if re.match(r"\s*(?:trial|course|regimen|period\s+of\s+(?:therapy|treatment)|of\s+(?:therapy|treatment|use))\b",
                tail):
        return Named("treatment_duration", None, "treatment_duration_words")
    if re.match(r"\s*(?:of\s+age|old|of\s+life)\b", tail) or re.search(
            r"\b(?:age[sd]?|older|younger)\s*(?:is\s*)?(?:≥|≤|>|<|[a-z ]+than|at\s+least)?\s*$", head) \
            or re.search(r"\b(?:older|younger)\b", f.text, re.I):
        return Named("age", "years", "age_words")
    if re.search(r"\b(?:within|in\s+the\s+(?:past|last|previous|prior|preceding)|(?:over|during)\s+the)\b", f.text,
                 re.I) or re.search(r"\b(?:the|in|over|during|within)\s+(?:past|previous|prior|last|preceding)\s*$",
                                    head):
        if re.match(r"\s*(?:following|after)\s+(?:the\s+)?(?:primary|initial|first|previous|prior|last|index)\b",
                    tail):
            return Named("interval", None, "interval_after_event")
        return Named("time_window", None, "look_back_window")
    lasting = _CHANGE_DURATION.match(tail)
    if lasting:  # "50% sustained (more than 48 hours) improvement": how long the improvement lasts
        return Named(f"{lasting.group('change').lower()}_duration", None, "duration_of_change")
    counted = _counted_before(text, f, window[0]) if re.match(r"\s*each\b", tail) else None
    if counted:
        return Named(_snake(counted.split()) + "_duration", None, "counted_duration")
    candidates = set(_DURATION_ORDER) - _STRUCTURAL
    near = _nearest(text, f, candidates, None, window)
    if near:
        return Named(near[0].name, (near[0].unit if near[0].name == "life_expectancy" else None), "vocabulary_duration")
    subject = _subject(text, f, window[0])
    if subject:
        words = subject.split()
        while len(words) > 1 and words[-1].lower() in _LASTING:
            words.pop()  # "Headaches last 4 hours": how long a headache lasts
        if len(words) < len(subject.split()):
            words[-1] = _singular(words[-1])
        return Named(_snake(words + ["duration"]), None, "subject_duration")
    return None


_CHANGE_AFTER = re.compile(r"^\s*(?:or\s+(?:greater|more|higher)\s+)?(?:\([^)]*\)\s*)?(?:(?:sustained|overall|total|"
                           r"significant|documented|clinically\s+meaningful)\s+)?(?:\([^)]*\)\s*)?"
                           r"(?P<change>improvement|reduction|decrease|increase|relief|response)"
                           r"(?:\s+(?:in|of)\s+(?:the\s+)?(?P<what>[a-z]+(?:\s+[a-z]+)?))?", re.I)
"""A percentage followed by the change it measures ("50% improvement in symptoms", "≥ 50% reduction in pain")."""
_CHANGE_DURATION = re.compile(r"^\s*\)?\s*(?P<change>improvement|reduction|relief|response|remission)\b", re.I)

_LASTING = {"last", "lasts", "lasting", "lasted", "persist", "persists", "persisting", "persisted", "continue",
            "continues", "continuing", "continued", "occur", "occurs", "occurring"}
"""Verbs saying how long a thing goes on: the thing is the subject of the duration, the verb is not."""


_RATE = re.compile(r"^\s*(?:[A-Za-z][\w-]*\s+){0,4}?(?P<noun>[A-Za-z]+s)\s+(?:on\s+average\s+)?"
                   r"(?:per|a|each|every|/)\s*"
                   r"(?P<period>hour|day|night|week|month|year)\b", re.I)


def rate_unit(text: str, f: Found) -> str | None:
    """"15 headache days per month" → "days/month", "more than 2 episodes per week" → "episodes/week": a count
    per period keeps its period (it is never a bare count)."""
    m = _RATE.match(text[f.end:f.end + 80])
    if m:
        return f"{m.group('noun').lower()}/{m.group('period').lower()}"
    bare = _BARE_RATE.match(text[f.end:f.end + 40])
    if bare:  # "locking episodes more than 2 per week": what is counted is named before the number
        nouns = _PLURAL.findall(text[max(f.start - 80, 0):f.start])
        if nouns:
            return f"{nouns[-1].lower()}/{bare.group('period').lower()}"
    return None


_BARE_RATE = re.compile(r"^\s*(?:per|a|each|every|/)\s*(?P<period>hour|day|night|week|month|year)\b", re.I)
_PLURAL = re.compile(r"\b([A-Za-z]{3,}[^s\W]s)\b")
"""A plural noun: what a bare count per period counts."""


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
