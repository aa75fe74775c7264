import pytest

from policydiff.normalized.units import convert


@pytest.mark.parametrize("written,value,expected", [
    ("mm", 5, (0.5, "cm")),
    ("millimeters", 40, (4, "cm")),
    ("cm", 4, (4, "cm")),
    ("centimetres", 3, (3, "cm")),
    ("ng/ml", 8, (8, "ng/mL")),
    ("ng/mL", 10, (10, "ng/mL")),
    ("NG/ML", 2, (2, "ng/mL")),
    ("kg/m2", 35, (35, "kg/m2")),
    ("kg/m²", 40, (40, "kg/m2")),
    ("kg/m^2", 40, (40, "kg/m2")),
    ("kg/sq m", 30, (30, "kg/m2")),
    ("ml/min/1.73 m2", 60, (60, "mL/min/1.73m2")),
    ("mL/min", 30, (30, "mL/min/1.73m2")),
    ("%", 50, (50, "%")),
    ("percent", 50, (50, "%")),
    ("events per hour", 15, (15, "events/h")),
])
def test_units_convert_to_canonical(written, value, expected):
    assert convert(value, written) == expected


@pytest.mark.parametrize("written,expected", [
    ("years", "years"), ("yrs", "years"), ("months", "months"), ("mos", "months"),
    ("weeks", "weeks"), ("wks", "weeks"), ("days", "days"),
])
def test_times_stay_distinct(written, expected):
    """Months are not converted to years: analysts compare them as written."""
    assert convert(6, written) == (6, expected)


def test_integral_values_are_ints_and_noise_is_rounded():
    value, unit = convert(3, "mm")
    assert unit == "cm" and abs(value - 0.3) < 1e-9 and repr(value) == "0.3"
    assert isinstance(convert(50, "mm")[0], int)


def test_unknown_unit_is_kept_not_invented():
    assert convert(7, "widgets") == (7, "widgets")
