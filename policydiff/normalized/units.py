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


# Order matters: longer spellings first, so "mL/min/1.73m2" wins over "mL/min", "mg/kg" over "mg".
_MICRO = r"(?:μ|µ|u|mc|micro)"
_UNITS: list[tuple[str, Unit]] = [
    (r"m[lL]\s*/\s*min(?:ute)?\s*/\s*1\.73\s*m(?:2|²|\^2)?", Unit("mL/min/1.73m2", family="gfr")),
    (r"m[lL]\s*/\s*min(?:ute)?\s*/\s*m(?:2|²|\^2)", Unit("mL/min/1.73m2", family="gfr")),
    (r"m[lL]\s*/\s*min(?:ute)?\b", Unit("mL/min/1.73m2", family="gfr")),
    (r"kg\s*/\s*(?:m\s*(?:2|²|\^2)?|sq\.?\s*m)(?![a-z])", Unit("kg/m2", family="bmi")),
    (r"ng\s*/\s*m[lL]\b", Unit("ng/mL", family="concentration")),
    (r"ng\s*/\s*d[lL]\b", Unit("ng/mL", 0.01, family="concentration")),
    (r"mg\s*/\s*d[lL]\b", Unit("mg/dL", family="concentration")),
    (r"(?:events?|episodes?|apneas?)\s*(?:/|per)\s*(?:h|hr|hour)\b", Unit("events/h", family="rate")),
    (r"(?:/|per\s+)(?:h|hr)\b", Unit("events/h", family="rate")),
    (rf"(?:cells?|eos(?:inophils?)?)?\s*(?:/|per)\s*(?:cubic\s+)?(?:{_MICRO}[lL]\b|{_MICRO}liters?|{_MICRO}litres?|mm3|mm³|cubic\s+millimeters?)",
     Unit("cells/uL", family="cells")),
    (r"(?:(?:intraepithelial\s+)?(?:cells?|eos(?:inophils?)?)\s*)?"
     r"(?:/|per)\s*(?:high[- ]power\s+field|hpf)s?(?:\s*\((?:eos/)?hpf\))?",
     Unit("eos/hpf", family="per_hpf")),
    (r"(?:cells?|eos(?:inophils?)?)\s*/\s*mm(?:2|²)", Unit("eos/mm2", family="per_hpf")),
    (r"mm\s*hg\b", Unit("mmHg", family="pressure")),
    (r"mg\s*/\s*kg\b", Unit("mg/kg", family="dose")),
    (r"mg\s*/\s*m(?:2|²)\b", Unit("mg/m2", family="dose")),
    (r"mg\s*(?:/|per)\s*day\b|mg\s+(?:a|per)\s+day\b", Unit("mg/day", family="dose")),
    (r"hours?\s*(?:/|per)\s*night\b", Unit("hours/night", family="rate_time")),
    (r"nights?\s*(?:/|per)\s*week\b", Unit("nights/week", family="rate_time")),
    (r"mm\b", Unit("cm", 0.1, family="length")),
    (r"millimet(?:er|re)s?\b", Unit("cm", 0.1, family="length")),
    (r"cm\b", Unit("cm", family="length")),
    (r"centimet(?:er|re)s?\b", Unit("cm", family="length")),
    (r"%|percent\b", Unit("%", family="percent")),
    (r"(?:years?|yrs?)\b", Unit("years", family="time")),
    (r"months?\b|mos?\.?(?=\s|$)", Unit("months", family="time")),
    (r"(?:weeks?|wks?)\b", Unit("weeks", family="time")),
    (r"days?\b", Unit("days", family="time")),
    (r"(?:hours?|hrs?)\b", Unit("hours", family="time")),
    (r"(?:minutes?|mins?)\b", Unit("minutes", family="time")),
    (r"(?:degrees?|°)(?!\s*[CF]\b)", Unit("degrees", family="angle")),
    (r"mg\b|milligrams?\b", Unit("mg", family="dose")),
    (r"(?:mcg|µg|μg)\b|micrograms?\b", Unit("mcg", family="dose")),
    (r"m[lL]\b|millilit(?:er|re)s?\b", Unit("mL", family="volume")),
    (r"kg\b|kilograms?\b", Unit("kg", family="mass")),
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
