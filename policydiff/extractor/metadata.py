"""Policy number, title, payer and dates from the fields a policy prints about itself.

Payers print the same facts in many arrangements: "Policy Number: X" on its
own line, several fields on one line ("Document #: CC-0029 Publish Date:
09/10/2025"), a label on one line and its value on the next (an LCD's "LCD ID"
table), a list of revision dates running onto a second line. So the reader
works on fields, not on phrasings: every label of `front_matter.json` found on
a line starts a field, and the field's value runs to the next label or, when
the label ends its line, is the next line. Each slot then reads its value by
shape (a policy number has a digit and no spaces but for "2025 P 2116-22"; a
date is a full date). A value of the wrong shape is passed over, never forced.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..normalized.dates import DATE_PATTERN as _DATE
from ..normalized.dates import parse_date
from ..normalized.lexicon import (
    _load,
    front_matter_words,
    heading_roles,
    letterhead_aliases,
    payer_aliases,
    payer_first_words,
)
from ..normalized.schema import Dates
from ..normalized.vocabulary import known_payer
from .markers import MARKUP
from .types import Line

FRONT_LINES = 100
"""How far into a document its own fields are read (page 1 and the start of page 2 on most layouts)."""

_DATE_SLOTS = ("effective", "original", "revised", "reviewed", "published")
_NUMBER_LABEL = re.compile(r"(?:number|no\.?|#|id)$", re.I)


@dataclass(frozen=True)
class Field:
    """One labelled value: `slots` are what its label may name ("Policy:" is a number or a title)."""

    slots: frozenset[str]
    label: str
    value: str
    index: int
    """Line index of the label."""
    at_start: bool
    """The label begins its line (a body sentence rarely does)."""
    continued: bool
    """The value was taken from the next line: the label ended its own."""


def _slots_of(label: str) -> frozenset[str]:
    return frozenset(slot for slot, pattern in front_matter_words().slots if pattern.fullmatch(label))


def _clean(text: str) -> str:
    return MARKUP.sub("", text).strip()


_SEPARATOR = re.compile(r"\s*(?:[:#]|\.{2,})")
"""What ends a label: a colon, "#", or a dot leader ("Effective Date ..........02/01/2026")."""
_LEADER = re.compile(r"^[\s.]*\.{2,}")


def _labels_on(text: str) -> list[re.Match[str]]:
    """Label matches that really start a field: at the line's start, before a colon, or right before a
    value of their kind ("selected revision 06/04/2025", "Policy No. 46")."""
    found = []
    for m in front_matter_words().labels.finditer(text):
        after = text[m.end():]
        slots = _slots_of(m.group(0))
        at_start = not text[:m.start()].strip()
        colon = _SEPARATOR.match(after) is not None
        if len(slots) > 1 and not colon:
            continue  # "Policy" starts a field only as "Policy:"; "Policy History" is a heading
        if at_start and not colon and after.strip() and not re.match(r"\s+[\w(]", after):
            continue  # "Medications – Excluded Drugs" is a title of its own, not a field
        dated = re.match(r"\s*[:\-–]?\s*" + _DATE.pattern, after, re.I) is not None
        typed = (bool(slots & set(_DATE_SLOTS)) and dated) \
            or ("policy_id" in slots and _NUMBER_LABEL.search(m.group(0)) is not None
                and _id_in(after, short=_names_policy_number(m.group(0))) is not None)
        if at_start or colon or typed:
            found.append(m)
    return found


def read_fields(lines: Sequence[str]) -> list[Field]:
    """Every labelled field in `lines`, in reading order."""
    cleaned = [_clean(t) for t in lines]
    labels = [_labels_on(t) for t in cleaned]
    fields: list[Field] = []
    for i, (text, found) in enumerate(zip(cleaned, labels)):
        for k, m in enumerate(found):
            end = found[k + 1].start() if k + 1 < len(found) else len(text)
            value = _LEADER.sub("", text[m.end():end]).strip(" :#-–\t")
            continued = False
            if not value and k + 1 == len(found) and i + 1 < len(cleaned) and not (
                    labels[i + 1] and not cleaned[i + 1][:labels[i + 1][0].start()].strip()) \
                    and not (k == 0 and _is_section_heading(text)):  # "POLICY" over a paragraph is a heading
                # the next line, up to its own first label ("Subject:" / "Detection of ... Document #: LAB.00015")
                cut = labels[i + 1][0].start() if labels[i + 1] else len(cleaned[i + 1])
                value, continued = cleaned[i + 1][:cut].strip(" :#-–\t"), True
            fields.append(Field(_slots_of(m.group(0)), m.group(0), value, i,
                                not text[:m.start()].strip(), continued))
    return fields


_ID_TOKEN = re.compile(r"[A-Za-z0-9][\w.\-/]*")
_PHONE = re.compile(r"(?:1[-.\s])?\(?\d{3}\)?[-.\s]\d{3}[-.]\d{4}")
_PAGE_COUNT = re.compile(r"\s*\d+\s+of\s+\d+")


def _names_policy_number(label: str) -> bool:
    """"Policy No.", "Policy Number", "Policy #": a label that can only name the policy's own number, so a
    short number after it is one ("Policy No. 46"); after a bare "Number" it may be anything."""
    return _POLICY_NUMBER_LABEL.search(label) is not None


_POLICY_NUMBER_LABEL = re.compile(r"\bpolicy\s+(?:number|no\.?|#)$", re.I)


def _id_in(value: str, short: bool = False) -> str | None:
    """The policy number a value starts with: tokens with digits, joined by short capital tokens
    ("2025 P 2116-22"); a date, a page count or a bare word is not one, nor a one- or two-digit number
    unless `short` (the label names the policy number itself)."""
    tokens = re.sub(r"^\s*[:#]?\s*(?:no\.?|number|#)?\s*", "", value, flags=re.I).split()
    taken: list[str] = []
    for k, token in enumerate(tokens):
        token = token.strip(",;()")
        numbered = _ID_TOKEN.fullmatch(token) is not None and re.search(r"\d", token) is not None
        joins = bool(taken) and re.fullmatch(r"[A-Z]{1,2}", token) is not None and k + 1 < len(tokens) \
            and re.search(r"\d", tokens[k + 1]) is not None
        if numbered or joins:
            taken.append(token)
        else:
            break
    found = " ".join(taken).rstrip(".")
    if not found or len(found) > 30 or _DATE.fullmatch(found) or (re.fullmatch(r"\d{1,2}", found) and not short) \
            or _PHONE.fullmatch(found) or _PAGE_COUNT.match(value):
        return None
    return found


_LONE_ID = re.compile(r"(?=[\w.\-]*\d)(?=[\w.\-]*[A-Za-z.\-_])[A-Za-z0-9][\w.\-]{3,24}")


def _lone_id(text: str) -> str | None:
    """A line that is nothing but a policy number ("L38312", "5.21.054", "MOL.TS.194.A")."""
    text = text.strip()
    if not _LONE_ID.fullmatch(text) or _DATE.fullmatch(text) or re.match(r"v\d", text, re.I) or _PHONE.fullmatch(text):
        return None
    if re.fullmatch(r"[\d.\-]+", text) and not re.search(r"\d\.\d+\.\d", text):
        return None  # "10-2025", "2.0": dotted numbers need three parts to be a policy number
    return text


def read_policy_id(lines: Sequence[str]) -> str | None:
    """The number the policy prints for itself: a labelled one first, else a line that is only a number."""
    front = list(lines[:FRONT_LINES])
    for k in range(len(front) - 1):  # "Policy" / "No. 051": a label broken over two lines
        if re.fullmatch(r"\s*policy\s*:?\s*", front[k], re.I) \
                and re.match(r"\s*(?:no\.?|number|#)\s*\S", front[k + 1], re.I):
            front[k], front[k + 1] = f"Policy {front[k + 1].strip()}", ""
    for f in read_fields(front):
        if "policy_id" in f.slots:
            found = _id_in(f.value, short=_names_policy_number(f.label))
            if found and (f.at_start or f.label.lower() != "number"):  # "Phone Number: ..." is not one
                return found
    for text in front[:25]:
        found = _lone_id(_clean(text)) or _title_id(_clean(text))
        if found:
            return found
    return None


_TITLE_PAREN_ID = re.compile(r"\((?P<id>[^(),\s]+)(?:,\s*(?:ver(?:sion)?|rev|v)\.?\s*[\d.]+)?\)$", re.I)
_ID_BEFORE_TITLE = re.compile(r"^(?:[A-Z]{2,5}\s+)?(?P<id>\S+)\s+(?=[A-Z][a-z])(?P<rest>.+)$")


def _title_id(text: str) -> str | None:
    """A policy number printed with the title: in a closing parenthesis, with or without a version
    ("Bariatric Surgery (Adults) (CG008, Ver. 10)"), or before it ("BSC_CON_2.05 Oncology: Algorithmic
    Testing", "FEP 2.04.141 Circulating Tumor DNA ..."). A line naming more numbers lists related policies."""
    paren = _TITLE_PAREN_ID.search(text)
    if paren and len(re.findall(r"[A-Za-z]{3,}", text[:paren.start()])) >= 2:
        return _lone_id(paren.group("id"))
    before = _ID_BEFORE_TITLE.match(text)
    if before and len(before.group("rest").split()) >= 2 and not is_field(text) and _DATE.search(text) is None \
            and not any(_lone_id(w.strip(",;()")) for w in before.group("rest").split()):  # one number: a title
        return _lone_id(before.group("id"))
    return None


def _dates_in(value: str, slot: str) -> str | None:
    found = [d for d in (parse_date(m.group(0)) for m in _DATE.finditer(value)) if d]
    if not found or len(value.split()) > 16:
        return None
    return min(found) if slot == "original" else max(found)


@lru_cache(maxsize=1)
def _citation() -> re.Pattern[str]:
    cues = _load("front_matter.json")["references"]["cues"]
    return re.compile(r"(?:" + "|".join(f"(?:{c})" for c in cues) + r")", re.I)


def is_citation(text: str) -> bool:
    """A line that cites another document ("... Accessed on February 5, 2024", a web address): its dates
    are that document's, never the policy's own."""
    return _citation().search(text) is not None


def read_dates(lines: Sequence[str]) -> Dates:
    """Labelled dates: the front matter's first of each kind; where it has no revision or review date, the
    latest one a history table states on a line of its own ("Reviewed/Revised: ..., 04/16/2024" fills
    both). A list of dates means its latest ("selected revisions 06/04/2025, 11/05/2025"): the document
    as it now stands. A date on a line that cites another document is never the policy's; a publish date
    is the effective date where none is labelled (the day the version was put before its readers)."""
    texts = list(lines)
    found: dict[str, str] = {}
    later: dict[str, list[str]] = {}
    # Past the front matter only "Label: date" lines count (a history table); the rest need not be read.
    body = [t if (i < FRONT_LINES or ":" in t[:40]) and not is_citation(t) else "" for i, t in enumerate(texts)]
    for f in read_fields(body):
        value = f.value
        if value.rstrip().endswith(",") and f.index + 1 < len(texts) and not is_citation(texts[f.index + 1]):
            value += " " + texts[f.index + 1]
        for slot in (s for s in _DATE_SLOTS if s in f.slots):
            when = _dates_in(value, slot)
            if not when:
                continue
            if f.index < FRONT_LINES:
                found.setdefault(slot, when)
            elif slot in ("revised", "reviewed") and f.at_start and _DATE.match(f.value) \
                    and re.match(rf"\W*{re.escape(f.label)}\s*:", texts[f.index].strip(), re.I):
                later.setdefault(slot, []).append(when)  # "Revised: 08/15/2025" in a history table
    for slot, values in later.items():
        found.setdefault(slot, max(values))
    published = found.pop("published", None)
    if published:
        found.setdefault("effective", published)
    revised_status = any("other" in f.slots and f.label.lower() == "status" and f.value.lower() == "revised"
                         for f in read_fields(texts[:FRONT_LINES]))
    if revised_status and "reviewed" in found:
        found.setdefault("revised", found["reviewed"])  # "Status: Revised": revised at its last review
    if "effective" not in found and "original" in found:
        found["effective"] = found.pop("original")
    return Dates(**found)


def _is_document_kind(text: str) -> bool:
    words = re.findall(r"[a-z&]+", text.lower().replace("®", ""))
    kinds = front_matter_words().document_kinds
    return bool(words) and all(w in kinds for w in words)


def _is_section_heading(text: str) -> bool:
    bare = re.sub(r"^\W*(?:[IVX]+|\d+|[A-Z])[.)]\s+", "", text).strip(" :").lower()
    return any(pattern.match(bare) for _, pattern in heading_roles().by_role)


def _title_like(text: str) -> bool:
    """Could this be a title: words, not the kind of document, a section heading, a date, a payer's name,
    a contents line ("... 52"), a policy number or a sentence."""
    return bool(re.match(r"[A-Z0-9(]", text)) and bool(re.search(r"[A-Za-z]{3}", text)) \
        and not _is_document_kind(text) and not _is_section_heading(text) \
        and _DATE.search(text) is None and payer_of(text) is None and ".." not in text \
        and _lone_id(text) is None and len(text.split()) <= 20 and "•" not in text \
        and not re.search(r"[a-z]\.\s+[A-Z]", text)


_JOINING_END = re.compile(r"(?:\b(?:and|or|of|for|the|in|with|to|a|an)|[,(/–—-])$", re.I)


def _continue_title(title: str, lines: Sequence[Line], start: int) -> str:
    """A title runs on over lines that cannot stand alone: a lowercase or "(" start, a last line that ends
    on "and" or a comma, or a short tail ("Policy", "Biopsy)") that is not a field of its own."""
    margin = max((ln.right or 0.0 for ln in lines if ln.page == lines[start - 1].page), default=0.0)
    def ends_block(k: int) -> bool:
        return k >= len(lines) or lines[k].blank_before or not lines[k].text.strip() or is_field(lines[k].text)

    for k in range(start, min(start + 4, len(lines))):
        line, above = lines[k], lines[k - 1]
        text = _clean(line.text)
        if line.size and above.size and line.size > above.size + 0.5 or line.page != above.page:
            break  # a line in larger type than the title's is a headline of its own
        wrapped = bool(above.right and margin - above.right < 60)  # the line above was broken by the margin
        short = len(text.split()) <= 3 and (wrapped or not _is_section_heading(text))
        opens = text[:1].islower() or text.startswith("(")
        if ends_block(k) or re.match(r"^\s*[•\-*]", line.text) \
                or any(not text[:m.start()].strip() for m in _labels_on(text)) or _lone_id(text) \
                or re.fullmatch(r"v(?:ersion)?\s*\d[\d.]*", text, re.I) or _NOT_A_TITLE.search(text) \
                or (_ends_with_label(text) and not _is_document_kind(text)) or len(text.split()) > 12 or ".." in text \
                or re.search(r"[a-z]\.(?:\s|$)", text) \
                or not (opens or short or wrapped or _JOINING_END.search(title) or ends_block(k + 1)):
            break
        title = f"{title} {text}"
    return title


def is_field(text: str) -> bool:
    """A line that states a field of its own ("Policy Number: X"), not the rest of a title."""
    return any(f.value or ":" in text for f in read_fields([text]))


def read_title(lines: Sequence[str | Line], heading: str | None = None) -> str | None:
    """The document's title: a labelled one ("Subject:", "Title:", "Policy:" when its value is not a number),
    with the lines it runs on over; else `heading`, the layout's guess. The layout's title wins where it says
    the same and more, or where it stands in far larger type and the field says something else."""
    rows = [ln if isinstance(ln, Line) else Line(ln, i + 1) for i, ln in enumerate(lines[:FRONT_LINES])]
    heading_size = max((r.size for r in rows if r.size and heading and _clean(r.text)
                        and _words_of(_before_list(_clean(r.text))) in _words_of(heading)), default=None)
    for f in read_fields([r.text for r in rows]):
        text = _clean(rows[f.index].text)
        if re.match(r"\s*[•\-*]\s", rows[f.index].text):
            continue  # a list item ("• Title XVIII of the Social Security Act ...") is not a field
        if "title" not in f.slots or not f.value or ("policy_id" in f.slots and _id_in(f.value)) \
                or not (f.at_start or f.continued or _is_document_kind(text.split(f.label, 1)[0])) \
                or front_matter_words().labels.match(f.value):
            # "• Title XVIII of the Social Security Act ..." names no title, "Clinical Policy: X" does; a label
            # followed by another label ("Title Version") is a table's header row
            continue
        title = f.value.strip(" .;")
        if not _title_like(title):
            continue
        last_on_line = not f.continued and _clean(rows[f.index].text).endswith(f.value)
        if f.continued or last_on_line:
            title = _continue_title(title, rows, f.index + (2 if f.continued else 1))
        title = re.sub(r"\s+", " ", title).strip()
        if heading and len(heading) > len(title) and _words_of(title) in _words_of(heading):
            return heading  # the large type says the same and more ("Inflammatory Conditions – " + the field)
        field_size = rows[f.index].size
        if heading and field_size and heading_size and heading_size > field_size + 2 \
                and _words_of(title) not in _words_of(heading) and _words_of(heading) not in _words_of(title):
            return heading  # a field in body type far below the title ("Medication List" over a table)
        return title
    return heading


def _words_of(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _before_list(text: str) -> str:
    """A title line with a list run into it ("... Policy • Entyvio® (vedolizumab ...)"): the title part."""
    return text.split(" • ", 1)[0].strip()


def _once(text: str) -> str:
    """A title printed over itself in layers ("Wound Care Wound Care Wound Care") read once."""
    words = text.split()
    for n in range(1, len(words) // 2 + 1):
        if len(words) % n == 0 and words == words[:n] * (len(words) // n):
            return " ".join(words[:n])
    return text


def title_from_layout(lines: Sequence[Line], markup: bool = False) -> str | None:
    """Where no label names the title: the largest type on the first page that is not the kind of document
    ("Medical Policy"), the payer, a field or a section heading, joined with the lines set in the same type;
    a number printed before it is the policy's, not the title's ("CG-SURG-83 Bariatric Surgery ...")."""
    title = _layout_title(lines, markup)
    return _without_number(title) if title else None


def _without_number(title: str) -> str:
    before = _ID_BEFORE_TITLE.match(title)
    if before and _lone_id(before.group("id")) and len(before.group("rest").split()) >= 2:
        return before.group("rest").strip()
    return title


def _layout_title(lines: Sequence[Line], markup: bool) -> str | None:
    first = [ln for ln in lines[:FRONT_LINES] if ln.page in (None, lines[0].page if lines else None)]
    sized = [ln for ln in first if ln.size]
    if sized:
        body = sorted(ln.size or 0 for ln in sized)[len(sized) // 2]
        candidates = [k for k, ln in enumerate(first) if ln.size and ln.size > body + 0.5
                      and _title_like(_before_list(_clean(ln.text))) and not _labels_on(_clean(ln.text))]
        if candidates:
            top = max(first[k].size or 0 for k in candidates)
            k = next(k for k in candidates if first[k].size == top)
            parts = [_before_list(_clean(first[k].text))]
            for ln in first[k + 1:k + 4]:
                text = _before_list(_clean(ln.text))
                listed = text != _clean(ln.text)  # its bold is the list's, not the title's
                if ln.size != top or (ln.bold != first[k].bold and not listed) or ln.blank_before \
                        or not (_title_like(text) or _is_document_kind(text)):
                    break
                parts.append(text)
                if listed:
                    break  # a list starts on this line: the title ends here
            return _once(" ".join(parts))
    for ln in first[:40] if markup else ():  # Markdown or HTML: the first heading not a section's, less "Payer:"
        text = _clean(ln.text)
        prefix, _, rest = text.partition(": ")
        if rest and (payer_of(prefix) or front_matter_words().organization.match(prefix)):
            text = rest
        if ln.heading and _title_like(text):
            return text
    for k, ln in enumerate(first[:25]):  # plain text: the line next to a line that is only the policy number
        if not _lone_id(_clean(ln.text)):
            continue
        for near in (k - 1, k + 1):
            text = _clean(first[near].text) if 0 <= near < len(first) else ""
            if _title_like(text) and not is_field(text):
                return _continue_title(text, first, near + 1) if near > k else text
    return _title_beside_front_matter(first[:30])


def _anchors_title(line: Line | None) -> bool:
    """A line a title stands against in plain front matter: a field ("Policy Number: X"), the kind of
    document ("Medical Coverage Policy", "Molina Clinical Policy"), a policy or version number alone."""
    if line is None:
        return False
    text = _clean(line.text)
    name = payer_of(text)
    bare = re.sub(r"[®™]", "", text)
    if name:  # "Molina Clinical Policy": the payer's name before the kind of document
        bare = re.sub(r"^\W*\S+(?:\s+\S+)?\s+(?=\w)", "", bare) if not _is_document_kind(bare) else bare
    return is_field(text) or _is_document_kind(bare) or _lone_id(text) is not None \
        or re.fullmatch(r"v(?:ersion)?\s*\d[\d.]*", text, re.I) is not None


_NOT_A_TITLE = re.compile(r"https?:|www\.|@|\||\bpage\s+\d+(?:\s+of\s+\d+)?\b|\btable\s+of\s+contents\b", re.I)
"""A web address, a menu ("Criteria | Codes"), a running header's page count, a contents heading."""


def _ends_with_label(text: str) -> bool:
    """"Publication Number", "Manual Section Title": a label whose value is elsewhere (a table's column)."""
    return any(not text[m.end():].strip(" :") for m in front_matter_words().labels.finditer(text))


_FUNCTION_WORDS = frozenset(["a", "an", "the", "and", "or", "nor", "but", "of", "for", "in", "on", "to", "with", "by",
                             "at", "from", "as", "per", "via", "vs", "into", "than"])


def _title_case(text: str) -> bool:
    """Written as a title: every word but the short function words starts with a capital (or is a code
    such as "ctDNA"); "Article, located at the bottom of this" is a sentence."""
    for word in re.findall(r"[A-Za-z][\w'-]*", text):
        if word[0].islower() and word.lower() not in _FUNCTION_WORDS and not re.search(r"[A-Z0-9]", word):
            return False
    return True


def _title_beside_front_matter(first: Sequence[Line]) -> str | None:
    """Plain text with no title in large type or by label: the first title-like block of the front matter
    that stands against a field, the kind of document or a number line ("Tumor Markers" over "Clinical
    Policy Bulletins"; "Liquid Biopsy" over "Effective Date: ..."). A web address, a telephone number
    or a menu ("Criteria | Codes") is never a title."""
    skip = 0
    for k, ln in enumerate(first):
        text = _clean(ln.text)
        label = _labels_on(text)
        head = text[:label[0].start()].strip(" :–-") if label else ""
        if head and ":" not in head:
            text = head  # "Genetic Testing: Policy No. 051": a title, then a field
        if k < skip or not _title_like(text) or text.startswith("(") or is_field(text) or _labels_on(text) \
                or _NOT_A_TITLE.search(text) or _PHONE.search(text) or text.endswith((":", ".")) \
                or _ends_with_label(text) or (k and _is_section_heading(_clean(first[k - 1].text))
                                              and not _is_document_kind(_clean(first[k - 1].text))):
            continue  # the first line under a heading is the section's text; "Publication Number" is a label
        title = _continue_title(text, first, k + 1)
        for m in range(k + 1, min(k + 5, len(first))):  # the kind of document below ends the title
            below_text = _clean(first[m].text)
            if _is_document_kind(below_text) and f" {below_text}" in title:
                title = title[:title.index(f" {below_text}")]
                break
        skip = k + 1 + sum(1 for m in range(k + 1, len(first)) if _clean(first[m].text) in title)
        if len(title.split()) < 2 or not _title_like(title) or _JOINING_END.search(title) \
                or _NOT_A_TITLE.search(title) or not _title_case(title):
            continue  # "Reproduction without authorization from" + the payer's name; a sentence cut off
        after = next((m for m in range(k + 1, len(first))
                      if _clean(first[m].text) and _clean(first[m].text) not in title), None)
        below = first[after] if after is not None else None
        if below is not None and not _anchors_title(first[k - 1] if k else None) \
                and _is_document_kind(_clean(below.text)) and after is not None and after + 1 < len(first) \
                and _title_like(_clean(first[after + 1].text)) and len(_clean(first[after + 1].text).split()) >= 2:
            continue  # the kind of document heads the title under it ("National Coverage Determination" / title)
        if _anchors_title(first[k - 1] if k else None) or _anchors_title(below):
            return _without_number(title)
    return None


def payer_of(text: str) -> str | None:
    """The canonical payer a name or line mentions first, from the payer vocabulary."""
    return known_payer(text)


def read_payer(lines: Sequence[str]) -> str | None:
    """The payer: the first known payer named in the front matter; else the name in the document's own
    notices ("© 2025 X", "X complies with ..."); else a letterhead naming an organization. None rather
    than a guess: many policies never print their payer's name."""
    words = front_matter_words()
    front = [payer_of(text) or next((name for pattern, name in letterhead_aliases()
                                     if pattern.fullmatch(_clean(text).strip(" ®™,."))), None) for text in lines[:40]]
    first = next((name for name in front if name), None)
    if first and not _rivalled(first, lines):
        return first
    for text in lines:
        for m in words.notice_before.finditer(text):
            named = _NAME.match(text[m.end():])
            if named:
                found = _payer_name(_NAME_END.sub("", named.group("p")))
                if found:
                    return found
        after = words.notice_after.search(text)
        if after:
            found = _payer_name(text[:after.start()])
            if found:
                return found
    for text in lines[:12]:
        letterhead = words.organization.match(_clean(text))
        if letterhead and len(letterhead.group("p").split()) <= 7:
            found = _payer_name(letterhead.group("p"))
            if found:
                return found
    return _only_known_payer(lines)


_NAME = re.compile(r"[\s,]*(?:[Tt]he\s+)?(?P<p>[A-Z][\w&.'’-]*"
                   r"(?:\s+(?:(?:of|and|&|for|the)\s+)?[A-Z&][\w&.'’-]*){0,7})")
"""A name in a notice: a run of capitalized words ("Envolve Pharmacy Solutions"), never the words of a
sentence ("(c) below are met" is a list item, not a copyright)."""
_NAME_END = re.compile(r"(?:\s*,?\s+(?:Inc|LLC|L\.L\.C|Corp|Corporation|Company)\b.*|(?:TM|™|®)+\b.*|[.,;:]+)$")


def _only_known_payer(lines: Sequence[str]) -> str | None:
    """The payer of the vocabulary the document names far more often than any other (twice at least, and
    three times as often as the next): a running footer's web address, "Related Anthem" lists. A payer named
    once may be a citation, and a vendor named beside the payer is named as often."""
    ranked = sorted(_payer_counts(lines).items(), key=lambda item: -item[1])
    if not ranked or ranked[0][1] < 2 or (len(ranked) > 1 and ranked[0][1] < 3 * ranked[1][1]):
        return None
    return ranked[0][0]


def _payer_counts(lines: Sequence[str]) -> dict[str, int]:
    """How many lines name each payer of the vocabulary (the first payer a line names)."""
    counts: dict[str, int] = {}
    first = payer_first_words()
    for text in lines:
        low = text.lower()
        if not any(word in low for word in first):
            continue
        for pattern, name in payer_aliases():
            if pattern.search(text):
                counts[name] = counts.get(name, 0) + 1
                break
    return counts


def _rivalled(name: str, lines: Sequence[str]) -> bool:
    """Another payer is named as often as the one at the top, three times or more: a determination every
    contractor of a table publishes ("CGS ... Noridian ..."), which names none of them as its payer."""
    counts = _payer_counts(lines)
    return any(other != name and n >= max(counts.get(name, 0), 3) for other, n in counts.items())


def _payer_name(raw: str) -> str | None:
    name = raw.strip(" ,.")
    known = payer_of(name)
    if known:
        return known
    if not name or len(name.split()) > 8 or front_matter_words().not_payer.search(name):
        return None
    return name.title() if name.isupper() else name
