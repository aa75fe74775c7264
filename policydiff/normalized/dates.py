"""Dates as payers write them (03/27/2024, March 27, 2024, 3/24, 27 Mar 2024) → ISO dates.

Both the extractor (a policy's own dates) and identity (dates in file names and manifests) read dates, so
the reading lives here, below both.
"""
from __future__ import annotations

import re
from datetime import date

from ..errors import PolicyDiffError

_MONTHS = {m: i + 1 for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"])}
_MONTHS.update({k[:3]: v for k, v in list(_MONTHS.items())})
_MONTHS["sept"] = 9

DATE_PATTERN = re.compile(
    r"(?<![\d/])(?:\d{1,2}/\d{1,2}/\d{2,4}|\d{1,2}-\d{1,2}-\d{4}|\d{4}-\d{2}-\d{2}|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|"
    r"\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?\s+\d{4})(?![\d/])", re.I)

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


def check_date(value: str | None, option: str) -> str | None:
    """A date given on the command line: YYYY-MM-DD and real, or a one-line error naming the option."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise PolicyDiffError(f"{option} {value}: not a date (use YYYY-MM-DD)") from None


__all__ = ["DATE_PATTERN", "check_date", "parse_date"]
