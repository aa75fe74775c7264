"""Policy number, title, payer and dates from the document's front matter."""
from __future__ import annotations

import re
from datetime import date

from ..normalized.schema import Dates

_MONTHS = {m: i + 1 for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"])}
_MONTHS.update({k[:3]: v for k, v in list(_MONTHS.items())})
_MONTHS["sept"] = 9

_DATE = (r"(?P<date>\d{1,2}/\d{1,2}/\d{2,4}|\d{1,2}-\d{1,2}-\d{4}|\d{4}-\d{2}-\d{2}|"
         r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|"
         r"\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?\s+\d{4})")

# (slot, label). Labels are tried in order; "original" labels first so "Original Effective Date" is not "effective".
_LABELS: list[tuple[str, str]] = [
    ("original", r"(?:original|initial)\s+(?:policy\s+)?(?:effective\s+)?date|origination\s+date|date\s+of\s+origin|"
                 r"original\s+effective|first\s+(?:effective|published)"),
    ("revised", r"(?:last\s+)?revis(?:ed|ion)(?:\s+effective)?(?:\s+date)?|(?:last\s+)?updated(?:\s+date)?|"
                r"date\s+(?:last\s+)?revised"),
    ("reviewed", r"(?:annual\s+|last\s+|next\s+annual\s+|date\s+of\s+)?review(?:ed)?(?:\s+date)?|"
                 r"(?:last\s+)?approval\s+date|last\s+approved|approved\s+on"),
    ("effective", r"(?:current\s+)?effective(?:\s+date)?|eff\.?(?:\s+date)?|date\s+effective"),
]
_LABEL_RES = [(slot, re.compile(rf"\b(?:{label})\s*(?:date)?\s*[:\-–]?\s*{_DATE}", re.I)) for slot, label in _LABELS]
_NEXT_REVIEW = re.compile(r"\bnext\s+(?:annual\s+)?review\b", re.I)


def parse_date(text: str) -> str | None:
    """Any common written date → ISO "YYYY-MM-DD", or None if it is not a real date."""
    text = text.strip().rstrip(".,")
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            y, m, d = map(int, text.split("-"))
        elif re.fullmatch(r"\d{1,2}[/-]\d{1,2}[/-]\d{2,4}", text):
            m, d, y = map(int, re.split(r"[/-]", text))
            y = y + 2000 if y < 50 else (y + 1900 if y < 100 else y)
        else:
            words = re.findall(r"[A-Za-z]+|\d+", text)
            nums = [int(w) for w in words if w.isdigit()]
            month = next(_MONTHS[w.lower()[:4] if w.lower().startswith("sept") else w.lower()[:3]]
                         for w in words if w.isalpha() and w.lower()[:3] in _MONTHS)
            d, y = (nums[0], nums[1]) if len(nums) == 2 else (1, nums[0])
            m = month
        return date(y, m, d).isoformat()
    except (ValueError, StopIteration, IndexError):
        return None


def read_dates(lines: list[str]) -> Dates:
    """Labelled dates from the front matter and running headers; the first of each kind wins."""
    found: dict[str, str] = {}
    for line in lines:
        rest = line
        while rest:
            best = None
            for slot, pattern in _LABEL_RES:
                m = pattern.search(rest)
                if m and (best is None or m.start() < best[1].start()):
                    best = (slot, m)
            if best is None:
                break
            slot, m = best
            value = parse_date(m.group("date"))
            if value and not _NEXT_REVIEW.search(rest[max(0, m.start() - 16):m.end()]) and slot not in found:
                found[slot] = value
            rest = rest[m.end():]
    if "effective" not in found and "original" in found:
        found["effective"] = found["original"]
        if found.get("original") == found["effective"]:
            found.pop("original")
    return Dates(**found)


_POLICY_ID_LABEL = re.compile(
    r"\b(?:(?:medical|clinical|corporate|coverage|reimbursement|drug|pharmacy)\s+)?(?:policy|guideline|document|"
    r"cpb|lcd|ncd)\s*(?:number|no\.?|#|id|code)?\s*[:#]\s*(?P<id>[A-Z0-9][A-Za-z0-9.\-_/]{2,30})", re.I)
_POLICY_ID_NUMBERED = re.compile(
    r"\b(?:policy|guideline|cpb|lcd|ncd)\s+(?:number|no\.?|#)\s*(?P<id>[A-Z0-9][A-Za-z0-9.\-_/]{2,30})", re.I)
_LONE_ID = re.compile(r"^(?P<id>\d{1,3}(?:\.\d{1,3}){1,3}|[A-Z]{2,6}[-.]?[A-Z]{0,6}[-.]?\d{2,6}(?:[-.]\d{1,4})?)$")


def read_policy_id(lines: list[str]) -> str | None:
    for line in lines:
        for pattern in (_POLICY_ID_LABEL, _POLICY_ID_NUMBERED):
            m = pattern.search(line)
            if m and re.search(r"\d", m.group("id")):
                return m.group("id").rstrip(".")
    for line in lines[:6]:
        m = _LONE_ID.match(line.strip())
        if m:
            return m.group("id")
    return None


_TITLE = re.compile(r"^\s*(?:subject|title|policy\s+(?:title|name)|topic|medical\s+policy\s+title)\s*:\s*(?P<t>.+?)"
                    r"(?:\s+(?:page|effective|policy\s+(?:number|no)|section)\b.*)?$", re.I)


def read_title(lines: list[str], heading: str | None = None) -> str | None:
    for line in lines:
        m = _TITLE.match(line)
        if m and m.group("t").strip():
            return m.group("t").strip()
    return heading


_NOT_A_PAYER = re.compile(r"\b(?:association|society|college|institute|academy|\bama\b|\bada\b|\s{2,})", re.I)
"""Copyright lines also name the AMA, the ADA and other bodies that are not payers."""
_PAYER_PATTERNS = [
    re.compile(r"^(?P<p>[A-Z][\w&.,' -]{2,60}?),?\s+(?:Inc\.?,?\s+)?(?:complies|does not discriminate)\b"),
    re.compile(r"(?:©|\(c\)|copyright)\s*(?:\d{4}[-–,\s]*)*(?P<p>[A-Z][\w&.' -]{2,60}?)(?:,?\s+(?:Inc|LLC|L\.L\.C|"
               r"Corp|Corporation|Company)\b|\.\s|\s+all rights)", re.I),
]


_ORG_SUFFIX = (r"(?:health\s+plans?|healthcare|health\s+care|health|insurance(?:\s+company)?|mutual|"
               r"blue\s*cross(?:\s+(?:and\s+|&\s+)?blue\s*shield)?(?:\s+of\s+[a-z ]+)?|"
               r"blue\s*shield(?:\s+of\s+[a-z ]+)?|"
               r"hmo|assurance|benefits?)")
_LETTERHEAD = re.compile(rf"^\W*(?P<p>[A-Z][\w&'.-]*(?:\s+[A-Z&][\w&'.-]*){{0,4}}\s+{_ORG_SUFFIX})\b(?:\s*[:|,-].*)?$",
                         re.IGNORECASE)


def read_payer(lines: list[str]) -> str | None:
    """The payer, from a letterhead line or the document's own notices; None rather than a guess."""
    for line in lines[:12]:
        m = _LETTERHEAD.match(line.strip("# "))
        if m and len(m.group("p").split()) <= 7:
            name = m.group("p").strip()
            return name.title() if name.isupper() else name
    for pattern in _PAYER_PATTERNS:
        for line in lines:
            m = pattern.search(line)
            if m:
                name = re.sub(r"^(?:proprietary\s+information\s+of|property\s+of|the)\s+", "",
                              m.group("p").strip(" ,."),
                              flags=re.I)
                if len(name.split()) <= 8 and not _NOT_A_PAYER.search(name):
                    return name
    return None
