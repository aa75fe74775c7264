"""Units as payers write them → one canonical spelling, with conversion.

Lengths convert (mm → cm) because "5 mm" and "0.5 cm" are the same limit.
Times do not (weeks, months and years stay distinct): a policy that says
"6 months" means six calendar months, not 0.5 years, and an analyst comparing
"6 months" with "26 weeks" should see both as written.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Unit:
    canonical: str
    factor: float = 1.0
    """Multiply a value in the written unit by this to get the canonical unit."""
    family: str = ""


# Order matters: longer spellings first, so "mL/min/1.73m2" wins over "mL/min".
_UNITS: list[tuple[str, Unit]] = [
    (r"m[lL]\s*/\s*min(?:ute)?\s*/\s*1\.73\s*m(?:2|²|\^2)", Unit("mL/min/1.73m2", family="gfr")),
    (r"m[lL]\s*/\s*min(?:ute)?\s*/\s*m(?:2|²|\^2)", Unit("mL/min/1.73m2", family="gfr")),
    (r"m[lL]\s*/\s*min(?:ute)?", Unit("mL/min/1.73m2", family="gfr")),
    (r"kg\s*/\s*(?:m\s*(?:2|²|\^2)|sq\.?\s*m)", Unit("kg/m2", family="bmi")),
    (r"ng\s*/\s*m[lL]", Unit("ng/mL", family="concentration")),
    (r"ng\s*/\s*d[lL]", Unit("ng/mL", 0.01, family="concentration")),
    (r"mg\s*/\s*d[lL]", Unit("mg/dL", family="concentration")),
    (r"(?:events?|episodes?)\s*(?:/|per)\s*(?:h|hr|hour)\b", Unit("events/h", family="rate")),
    (r"/\s*(?:h|hr|hour)\b", Unit("events/h", family="rate")),
    (r"cells\s*/\s*(?:mm3|mm³|µ[lL]|u[lL]|mcL)", Unit("cells/uL", family="count")),
    (r"mm\b", Unit("cm", 0.1, family="length")),
    (r"millimet(?:er|re)s?", Unit("cm", 0.1, family="length")),
    (r"cm\b", Unit("cm", family="length")),
    (r"centimet(?:er|re)s?", Unit("cm", family="length")),
    (r"%|percent\b", Unit("%", family="percent")),
    (r"(?:years?|yrs?)\b", Unit("years", family="time")),
    (r"months?\b|mos?\.?(?=\s|$)", Unit("months", family="time")),
    (r"(?:weeks?|wks?)\b", Unit("weeks", family="time")),
    (r"days?\b", Unit("days", family="time")),
    (r"(?:hours?|hrs?)\b", Unit("hours", family="time")),
    (r"mg\b", Unit("mg", family="mass")),
    (r"kg\b", Unit("kg", family="mass")),
    (r"(?:lbs?|pounds?)\b", Unit("lb", family="mass")),
]
_COMPILED = [(re.compile(pattern, re.IGNORECASE), unit) for pattern, unit in _UNITS]

UNIT_PATTERN = "(?:" + "|".join(p for p, _ in _UNITS) + ")"
"""One regex alternative matching any known unit spelling (used by the threshold reader)."""


@lru_cache(maxsize=1024)
def parse_unit(text: str) -> Unit | None:
    """The unit at the start of `text`, or None."""
    for pattern, unit in _COMPILED:
        if pattern.match(text.strip()):
            return unit
    return None


def canonical_unit(text: str | None) -> str | None:
    if not text:
        return None
    unit = parse_unit(text)
    return unit.canonical if unit else text.strip()


def convert(value: float, unit_text: str | None) -> tuple[float | int, str | None]:
    """Value and unit as written → value in the canonical unit, tidy (5.0 → 5)."""
    unit = parse_unit(unit_text) if unit_text else None
    if unit is None:
        return tidy_number(value), (unit_text.strip() if unit_text else None)
    return tidy_number(value * unit.factor), unit.canonical


def tidy_number(value: float) -> float | int:
    """Round away float noise from conversion and give integers as int, so JSON reads "5", not "5.0"."""
    value = round(value, 6)
    return int(value) if float(value).is_integer() else value
