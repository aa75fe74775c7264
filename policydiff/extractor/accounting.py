"""How much of a policy's coverage text was read: every line in one bucket, every number accounted for.

The analyst's worst case is criteria lost without a word. So after the
criteria are built, every line of every coverage section is put in exactly
one bucket: a criterion, an indication's head or label, a logic lead-in, a
note kept with its item, an exclusion, an administrative term, page
furniture, or unread (with the reason). A node's bucket is what the builder
made of it; a node nothing was made of, but whose children were read, is the
heading or lead-in over them; anything else is unread.

Every number in a coverage section is likewise part of a threshold, set aside
with a reason kind (a code, a date, a year, a citation, a list ordinal, a
reference such as "Table 2" or "Step 1", an example, an approval term, "at
least one"), or unread. The words that make a number a name are data
(`words.json`, "number_names").

The kind of document follows from the same facts: a document with covered
criteria is a medical policy; one without is a payment policy, a billing
article or a drug list when its title or headings say so, and otherwise a
statement of no covered criteria.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from ..normalized.dates import DATE_PATTERN
from ..normalized.lexicon import document_kind_words, number_names
from ..normalized.schema import BUCKETS, Accounting, Bucket, DocumentKind, Source, Unread
from ..normalized.text import one_line
from .furniture import Cleaned
from .indications import Built
from .indications.build import Mark
from .limits import normalize
from .limits.grammar import NUM
from .outline import Node, walk
from .sections import Section, lists_criteria, states_coverage
from .trace import Trace
from .types import Document, Line

_NUMBER = re.compile(NUM)
_CODE = re.compile(r"^\d{4}[0-9FTUM]$")
_ORDINAL = re.compile(r"(?:^|[;:]\s*|\s)\(?$")
"""What stands before a list ordinal ("1." at the start of text, or after a colon or semicolon)."""
_ORDINAL_INSIDE = re.compile(r"(?:[;:]\s*|\s)\(?$")
"""The same, in a window that does not begin the text."""
_NEAR = 80

UNREAD_SHARE = 0.1
"""A coverage section that leaves more than this share of its lines unread is named in a warning."""


@lru_cache(maxsize=1)
def _name_before() -> re.Pattern[str]:
    words = "|".join(sorted(number_names(), key=len, reverse=True))
    return re.compile(rf"\b(?:{words})\.?\s*(?:#|no\.?|number)?\s*$", re.I)


def number_kind(text: str, start: int, end: int) -> str | None:
    """Why a number in (normalized) `text` that no limit reads is not a limit, or None when nothing says so.

    The kinds: "code" (CPT "81479"), "date" and "year", "citation" ("[12]", "(2019)"), "list_ordinal"
    ("1." opening an item), "reference" ("Table 2", "Step 1", "version 3", "chromosome 17"), "percent of
    evidence" is not read here: a number with a unit is a limit the grammar did not read, so it stays unread.
    """
    token = text[start:end]
    # what decides is near the number: the 80 characters either side (a paragraph of thousands of lines
    # is never rescanned for each of its numbers); "at the start" is the text's own start
    before, after = text[max(0, start - _NEAR):start], text[end:end + _NEAR]
    opening = start <= _NEAR
    if _CODE.match(token):
        return "code"
    for m in DATE_PATTERN.finditer(text, max(0, start - 20), min(len(text), end + 20)):
        if m.start() <= start and end <= m.end():
            return "date"
    if re.fullmatch(r"(?:19|20)\d\d", token):
        return "year"
    if re.search(r"[\[(]\s*$", before) and re.match(r"\s*(?:[-–,]\s*\d+\s*)*[\])]", after) \
            and not re.match(r"\s*\)\s*[A-Za-z]", after) or re.search(r"\bet\s+al\.?,?\s*$", before):
        return "citation"
    if re.match(r"[.)](?:\s|$)", after) and (_ORDINAL if opening else _ORDINAL_INSIDE).search(before):
        return "list_ordinal"
    if re.match(r"\)", after) and re.search(r"(?:^|\s)\($" if opening else r"\s\($", before):
        return "list_ordinal"
    if _name_before().search(before[-40:]):
        return "reference"
    if re.match(r"\s*(?:st|nd|rd|th)\b", after) or re.match(r"-?(?:st|nd|rd|th)\b", after):
        return "ordinal"
    return None


def _numbers(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _NUMBER.finditer(text)]


class _Ledger:
    """Lines and numbers as they are put in buckets."""

    def __init__(self, lines: tuple[Line, ...] = ()) -> None:
        self.joined = {(ln.page, ln.line): ln.joined for ln in lines if ln.joined}
        """(page, line) → the further file lines folded into it by the reader"""
        self.lines: dict[tuple[int | None, int], tuple[Bucket, str, str]] = {}
        """(page, line) → (bucket, text, reason)"""
        self.read_numbers = 0
        self.dismissed: Counter[str] = Counter()
        self.unread_numbers: list[Unread] = []

    def put(self, source: Source, bucket: Bucket, text: str, reason: str = "") -> None:
        for line in self.joined.get((source.page, source.line), ()):
            self._put((source.page, line), bucket, text, reason)
        self._put((source.page, source.line), bucket, text, reason)

    def _put(self, key: tuple[int | None, int], bucket: Bucket, text: str, reason: str) -> None:
        held = self.lines.get(key)
        if held is None or (bucket == "unread" and held[0] != "unread"):
            self.lines[key] = (bucket, text, reason)  # a line partly unread is unread

    def numbers(self, source: Source | None, text: str, mark: Mark | None, bucket: Bucket) -> None:
        if source is None or not re.search(r"\d", text):
            return
        limits = mark.limits if mark is not None else None
        norm = limits.normalized if limits is not None and limits.normalized else normalize(text)
        read = [r.span for r in limits.readings] if limits is not None else []
        read += list(mark.read) if mark is not None else []
        aside = list(limits.set_aside) if limits is not None else []
        for start, end in _numbers(norm):
            if any(a <= start < b for a, b in read):
                self.read_numbers += 1
                continue
            why = next((reason for (a, b), reason in aside if a <= start < b and reason != "unnamed"), None)
            if why is None:
                why = {"exclusion": "exclusion"}.get(bucket) or number_kind(norm, start, end)
            if why is None and bucket == "administrative":
                why = "approval_term"
            if why is not None:
                self.dismissed[why] += 1
                continue
            lo, hi = max(0, start - 50), min(len(norm), end + 50)
            snippet = ("…" if lo else "") + norm[lo:hi].strip() + ("…" if hi < len(norm) else "")
            reason = "its measure could not be named" if any(a <= start < b for (a, b), r in aside if r == "unnamed") \
                else ("on an unread line" if bucket == "unread" else "no limit grammar reads it")
            self.unread_numbers.append(Unread(source, snippet, reason))


def _descendant_read(node: Node, marks: dict[int, Mark]) -> bool:
    stack = list(node.children)
    while stack:
        child = stack.pop()
        if id(child) in marks and marks[id(child)].bucket != "unread":
            return True
        stack.extend(child.children)
    return False


def account(doc: Document, cleaned: Cleaned, sections: Sequence[Section], outlines: Sequence[Sequence[Node]],
            built: Built, trace: Trace | None = None) -> tuple[Accounting, list[str]]:
    """The accounting of one document, and the warnings it gives (sections that yield nothing or leave much
    unread)."""
    ledger = _Ledger(doc.lines)
    order = {(ln.page, ln.line): i for i, ln in enumerate(doc.lines)}
    order.update({(ln.page, j): i for i, ln in enumerate(doc.lines) for j in ln.joined})
    removed = sorted(((order.get((r.line.page, r.line.line), -1), r) for r in cleaned.removed), key=lambda p: p[0])
    warnings: list[str] = []
    per_section: list[tuple[Section, int, int]] = []
    for index, (section, nodes) in enumerate(zip(sections, outlines)):
        if section.role != "coverage":
            continue
        before = dict(ledger.lines)
        if section.heading_line is not None:
            ledger.put(Source(section.heading_line.line, section.heading_line.page), "head", section.heading)
        yielded = built.heads.get(index, 0)
        texts: dict[tuple[int | None, int], str] = {}
        for ln in section.lines:
            key = (ln.page, ln.line)
            texts[key] = f"{texts[key]} {ln.text.strip()}" if key in texts else ln.text.strip()
        for node in walk(nodes):
            mark = built.marks.get(id(node))
            bucket: Bucket
            reason = ""
            if mark is not None:
                bucket = mark.bucket
            elif _descendant_read(node, built.marks):
                bucket = "head" if node.kind in ("heading", "label") else "lead_in"
            else:
                bucket = "unread"
                reason = "the section yields no indication" if not yielded else "outside every indication's criteria"
            text = one_line(node.text)
            for source in node.lines or ((node.source,) if node.source else ()):
                ledger.put(source, bucket, texts.get((source.page, source.line), text), reason)
            ledger.numbers(node.source, text, mark, bucket)
        for ln in section.lines:  # lines no unit took up (a bare connector, a sub-heading kept as text)
            key = (ln.page, ln.line)
            if key not in ledger.lines and ln.text.strip():
                ledger.put(Source(ln.line, ln.page), "lead_in" if re.fullmatch(r"\W*(?:and|or|and/or)\W*",
                                                                               ln.text.strip(), re.I) else "head",
                           ln.text.strip())
        positions = [order[(ln.page, ln.line)] for ln in section.lines if (ln.page, ln.line) in order]
        if positions:
            lo, hi = min(positions), max(positions)
            for at, r in removed:
                if lo <= at <= hi:
                    ledger.put(Source(r.line.line, r.line.page), "furniture", r.line.text, r.reason)
        added = {k: v for k, v in ledger.lines.items() if k not in before}
        unread = sum(1 for bucket, _, _ in added.values() if bucket == "unread")
        per_section.append((section, len(added), unread))
        where = f"section '{section.heading or '(untitled)'}'" + (f" (p{section.pages[0]})" if section.pages else "")
        if not yielded and (unread or not built.indications):
            # (a section whose every line went to the indications of others, "General Requirements", is read)
            warnings.append(f"{where} is a coverage section but yields no indication; {unread} of its "
                            f"{len(added)} lines are unread")
        elif added and unread > UNREAD_SHARE * len(added):
            warnings.append(f"{where}: {unread} of its {len(added)} lines are unread")
    if trace is not None:
        for (page, line), (bucket, _, reason) in ledger.lines.items():
            trace.note("bucket", Source(line, page), bucket, reason or "read")
    buckets: Counter[str] = Counter(bucket for bucket, _, _ in ledger.lines.values())
    unread_lines = tuple(Unread(Source(line, page), text, reason)
                         for (page, line), (bucket, text, reason) in sorted(ledger.lines.items(), key=_in_order(order))
                         if bucket == "unread")
    criteria_like = tuple(s.heading for s in sections
                          if s.role in ("other", "background", "administrative", "documentation")
                          and s.heading and (states_coverage(list(s.lines)) or lists_criteria(list(s.lines))))
    total = len(ledger.lines)
    accounting = Accounting(
        coverage_lines=total,
        read_lines=total - len(unread_lines),
        buckets=tuple((b, buckets[b]) for b in BUCKETS if buckets[b]),
        unread=unread_lines,
        numbers_read=ledger.read_numbers,
        numbers_dismissed=tuple(sorted(ledger.dismissed.items())),
        unread_numbers=tuple(ledger.unread_numbers),
        criteria_like=criteria_like,
    )
    return accounting, warnings


def _in_order(order: dict[tuple[int | None, int], int]):
    def key(item: tuple[tuple[int | None, int], object]) -> tuple[int, int, int]:
        (page, line), _ = item
        return order.get((page, line), 1 << 30), page or 0, line
    return key


FRONT = 60
"""How far into a document its own name for itself is looked for (title block and first headings)."""


def document_kind(indications: int, title: str | None, sections: Sequence[Section],
                  front: Sequence[str] = ()) -> DocumentKind:
    """A medical policy states covered criteria; the others are named by their own title, headings or front
    matter ("Reimbursement Policy", "Billing and Coding: ...", "Medical Drug List")."""
    if indications:
        return "medical_policy"
    named = _named_kind(" ".join([title or "", *(s.heading for s in sections[:12])]))
    if named is not None:
        return named
    if any(s.role == "coverage" for s in sections):
        return "no_covered_criteria"  # a medical policy that covers nothing (investigational only)
    return _named_kind(" ".join(front[:FRONT])) or "no_covered_criteria"


def _named_kind(text: str) -> DocumentKind | None:
    low = text.lower()
    for kind, patterns in document_kind_words():
        if any(re.search(rf"\b(?:{p})\b", low) for p in patterns):
            return kind  # type: ignore[return-value]
    return None


__all__ = ["UNREAD_SHARE", "account", "document_kind", "number_kind"]
