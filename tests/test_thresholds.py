"""Threshold reading: many real-world phrasings of the same kinds of limits."""
import pytest

from policydiff.extractor.limits import approval_term, is_negated, read_thresholds


def one(text, context=""):
    found, warnings = read_thresholds(text, context)
    assert len(found) == 1, (text, found, warnings)
    t = found[0]
    return t.measure, t.op, t.value, t.unit


@pytest.mark.parametrize("text,expected", [
    ("Each lesion ≤ 5 cm.", ("lesion_size", "<=", 5, "cm")),
    ("Lesion <= 3 cm", ("lesion_size", "<=", 3, "cm")),
    ("Less than or equal to 4 cm in diameter; and", ("lesion_size", "<=", 4, "cm")),
    ("tumor no larger than 30 mm", ("lesion_size", "<=", 3, "cm")),
    ("a single nodule of 2 cm or less", ("lesion_size", "<=", 2, "cm")),
    ("Prostate-specific antigen (PSA) < 8 ng/ml", ("psa", "<", 8, "ng/mL")),
    ("PSA of less than 10ng/ml", ("psa", "<", 10, "ng/mL")),
    ("PSA under 20", ("psa", "<", 20, "ng/mL")),
    ("PSA rise by 2 ng/mL or more above the nadir", ("psa_rise", ">=", 2, "ng/mL")),
    ("Gleason score < 9", ("gleason_score", "<", 9, None)),
    ("Gleason score of 7 or less", ("gleason_score", "<=", 7, None)),
    ("Life expectancy is greater than 10 years.", ("life_expectancy", ">", 10, "years")),
    ("life expectancy of at least 5 years", ("life_expectancy", ">=", 5, "years")),
    ("18 years of age or older", ("age", ">=", 18, "years")),
    ("Age 18 years of age or older", ("age", ">=", 18, "years")),
    ("age ≥ 18", ("age", ">=", 18, "years")),
    ("aged 21 and older", ("age", ">=", 21, "years")),
    ("younger than 65 years of age", ("age", "<", 65, "years")),
    ("The member is at least 21 years old.", ("age", ">=", 21, "years")),
    ("≤ 3 lesions", ("lesion_count", "<=", 3, "count")),
    ("no more than three lesions", ("lesion_count", "<=", 3, "count")),
    ("Occupying less than or equal to 50% of the liver parenchyma", ("liver_involvement", "<=", 50, "%")),
    ("BMI ≥ 40", ("bmi", ">=", 40, "kg/m2")),
    ("BMI of 40 kg/m² or greater", ("bmi", ">=", 40, "kg/m2")),
    ("body mass index greater than 35 kg/m2", ("bmi", ">", 35, "kg/m2")),
    ("BMI ≥ 35 kg/m2 – 39.9 kg/m2", ("bmi", "between", (35, 39.9), "kg/m2")),
    ("BMI between 35 and 39.9", ("bmi", "between", (35, 39.9), "kg/m2")),
    ("GFR ≤ 60 ml/min", ("gfr", "<=", 60, "mL/min/1.73m2")),
    ("Glomerular filtration rate of less than or equal to 60 ml/min/m2", ("gfr", "<=", 60, "mL/min/1.73m2")),
    ("AHI ≥ 15", ("ahi", ">=", 15, "events/h")),
    ("an apnea-hypopnea index of at least 15 events per hour", ("ahi", ">=", 15, "events/h")),
    ("a margin of at least 5 mm", ("margin", ">=", 0.5, "cm")),
    ("within 2 years", ("time_window", "<=", 2, "years")),
    ("has received at least 4 prior lines of therapy", ("prior_therapy_lines", ">=", 4, "count")),
    ("2 ng/mL or more", None),
])
def test_numeric_thresholds(text, expected):
    if expected is None:
        found, _ = read_thresholds(text)
        assert found == [] or all(t.measure != "lesion_count" for t in found)
        return
    assert one(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("Primary treatment of clinically localized prostate cancer stage T1-T3", ("t_stage", "between", ("T1", "T3"), None)),
    ("stage T1 to T2", ("t_stage", "between", ("T1", "T2"), None)),
    ("Disease stage T2b or below.", ("t_stage", "<=", "T2b", None)),
    ("clinical stage T1 or T2 [organ confined] or T3 [locally advanced]", ("t_stage", "between", ("T1", "T3"), None)),
    ("Stage IV oligometastatic disease", ("stage", "=", "IV", None)),
    ("The tumor is classified as Stage IV", ("stage", "=", "IV", None)),
    ("stage III or higher", ("stage", ">=", "III", None)),
    ("stage II-IV disease", ("stage", "between", ("II", "IV"), None)),
])
def test_stages(text, expected):
    assert one(text) == expected


def test_two_limits_in_one_criterion():
    found, _ = read_thresholds("Tumor is less than or equal to 4cm/ stage T1a disease")
    assert {(t.measure, t.op, t.value) for t in found} == {("lesion_size", "<=", 4), ("t_stage", "=", "T1a")}


def test_context_supplies_the_measure_when_the_text_names_none():
    found, _ = read_thresholds("Less than or equal to 50%", context="Hepatic lesions occupying the liver parenchyma")
    assert [(t.measure, t.value) for t in found] == [("liver_involvement", 50)]


@pytest.mark.parametrize("text", [
    "Central airway occlusion.3,4,5,6",
    "See policy 5.21.054 effective 2024",
    "CPT 47371 and 47381",
    "ablation to -20°C at the margins",
    "Hepatic lesions7,8",
    "over the period 2015-2020",
])
def test_numbers_that_are_not_limits(text):
    found, _ = read_thresholds(text)
    assert found == []


def test_a_limit_on_an_unknown_measure_is_named_from_its_noun_phrase():
    found, _ = read_thresholds("a composite score of 12 or more")
    assert [(t.measure, t.op, t.value) for t in found] == [("composite_score", ">=", 12)]


def test_a_limit_nothing_names_is_a_warning_not_a_guess():
    found, warnings = read_thresholds("; ≥ 12;")
    assert found == [] and warnings and "12" in warnings[0]


@pytest.mark.parametrize("text,negated", [
    ("No evidence of metastasis", True),
    ("Not a candidate for open or laparoscopic surgery", True),
    ("Lymph node involvement is not detected on imaging studies", True),
    ("NO disease progression or unacceptable toxicity", True),
    ("Member does not have an untreated eating disorder", True),
    ("Solitary kidney", False),
    ("Notable symptoms are present", False),
])
def test_negation(text, negated):
    assert is_negated(text) is negated


@pytest.mark.parametrize("text,expected", [
    # any noun: the measure is named from the noun phrase when the vocabulary does not know it
    ("Genetic testing shows 2 to 4 copies of the SMN2 gene", ("smn2_copies", "between", (2, 4), "count")),
    ("Member has tried at least 2 antiseizure medications", ("antiseizure_medications_tried", ">=", 2, "count")),
    ("Patient has ≥ 20 nodular lesions", ("lesion_count", ">=", 20, "count")),
    ("The dose will not exceed 12 mg per administration", ("dose", "<=", 12, "mg")),
    ("FOUR or more prior lines of therapy", ("prior_therapy_lines", ">=", 4, "count")),
    ("at least one (1) prior line of therapy", ("prior_therapy_lines", ">=", 1, "count")),
    ("applied daily for at least 28 consecutive days", ("treatment_duration", ">=", 28, "days")),
    ("FEV1/FVC < 0.80", ("fev1_fvc_ratio", "<", 0.8, None)),
    ("systolic blood pressure greater than 140 mm Hg", ("systolic_bp", ">", 140, "mmHg")),
    ("a weight of at least 120% of the 95th percentile", ("weight", ">=", 120, "%")),
    ("Stage IIb and higher disease", ("stage", ">=", "IIB", None)),
    ("Stage I, II, or III disease", ("stage", "between", ("I", "III"), None)),
    ("Dosing does not exceed 10 mg/kg", ("dose", "<=", 10, "mg/kg")),
    ("not more often than every 6 months", ("interval", ">=", 6, "months")),
])
def test_the_comparison_grammar_reads_any_noun(text, expected):
    assert one(text) == expected


def test_counts_keep_their_look_back_window():
    found, _ = read_thresholds("Two or more flares in the past year")
    assert {(t.measure, t.op, t.value, t.unit) for t in found} == {
        ("exacerbations", ">=", 2, "count"), ("time_window", "<=", 1, "years")}


@pytest.mark.parametrize("text,op,value,unit", [
    ("Authorization will be issued for 12 months.", "=", 12, "months"),
    ("Approve for 1 year if the patient meets", "=", 12, "months"),
    ("Initial authorization will be for no more than 6 months", "<=", 6, "months"),
    ("Approval Duration: 180 days", "=", 180, "days"),
    ("Approval duration: 1 year", "=", 12, "months"),
])
def test_approval_terms_are_their_own_measure(text, op, value, unit):
    """A term is how long an approval lasts; "no more than" makes it a ceiling."""
    term = approval_term(text)
    assert (term.measure, term.op, term.value, term.unit) == ("approval_duration", op, value, unit)


def test_either_of_two_named_scores():
    found, _ = read_thresholds("AHI or RDI of > 30 events per hour")
    assert {(t.measure, t.op, t.value) for t in found} == {("ahi", ">", 30), ("rdi", ">", 30)}


def test_examples_are_reported_and_marked():
    found, _ = read_thresholds("Poor control (e.g., a symptom score greater than 20)")
    assert [(t.measure, t.value, t.example) for t in found] == [("symptom_score", 20, True)]


@pytest.mark.parametrize("text", [
    "as described in Smith et al. 2019; 34(2):112-118",
    "see section 4.2 and Appendix 3",
    "codes 81479 and 0239U",
    "revised in 2023",
])
def test_references_codes_and_years_are_not_limits(text):
    assert read_thresholds(text)[0] == []
