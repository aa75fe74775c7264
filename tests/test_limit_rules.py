"""One fictional phrase per limit-grammar pass and per naming rule (extractor/limits/).

Every pass of `grammar.PASSES` and every rule `naming` can return has a case here, and a test keeps it so:
a new rule comes with the phrase that shows it.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from policydiff.extractor import limits
from policydiff.extractor.limits import grammar, read_limits

# (phrase, measure, op, value, unit, grammar pass, naming rule)
CASES = [
    ("Starting 6 weeks after completion of chemotherapy", "time_since_treatment", ">=", 6, "weeks", "since_event",
     "time_since_event"),
    ("An H1 antihistamine up dosed to a maximum of 4 times the approved dose", "antihistamine_dose_multiple", "<=", 4,
     None, "dose_multiple", "dose_multiple"),
    ("Injections are given no more frequently than every 12 weeks", "interval", ">=", 12, "weeks", "not_more_often",
     "construction_interval"),
    ("Glucose readings are taken at 2 hour intervals", "interval", "=", 2, "hours", "at_intervals",
     "construction_interval"),
    ("An AHI of 15 to 65 events per hour", "ahi", "between", (15, 65), "events/h", "numeric_range",
     "vocabulary_near_unit"),
    ("Completed a 3 month trial of a preferred agent", "treatment_duration", ">=", 3, "months", "trial_length",
     "treatment_duration_words"),
    ("BMI ≥ 40 kg/m2", "bmi", ">=", 40, "kg/m2", "comparator_before", "vocabulary_near_unit"),
    ("A rise in FEV1 of at least 12% and 200 mL after a bronchodilator", "fev1_volume", ">=", 200, "mL",
     "shared_comparator", "shared_measure_in_other_unit"),
    ("The member is at least 18 years of age or older", "age", ">=", 18, "years", "comparator_before_and_after",
     "age_words"),
    ("Two or more asthma exacerbations", "exacerbations", ">=", 2, "count", "comparator_after",
     "counted_noun_in_vocabulary"),
    ("Two or more exacerbations in the past year", "time_window", "<=", 1, "years", "past_period",
     "look_back_window"),
    ("Less than or equal to 4 cm", "lesion_size", "<=", 4, "cm", "comparator_before", "unit_implies_measure"),
    # a limit inside an example is never named by the words before the example ("asthma_e_g")
    ("Steroid-dependent asthma (e.g., has received ≥ 5 mg prednisone per day)", "dose", ">=", 5, "mg",
     "comparator_before", "unit_implies_measure"),
    ("Given as third-line or subsequent therapy", "prior_therapy_lines", ">=", 2, "count", "line_of_therapy",
     "line_of_therapy"),
    ("A tumor of WHO grade 3 or 4", "who_grade", "between", (3, 4), None, "grade_range", "stage_words"),
    ("Toxicity of grade 2 or higher", "grade", ">=", 2, None, "grade_bound", "stage_words"),
    ("A grade 3 tumor", "grade", "=", 3, None, "grade_named", "stage_words"),
    ("Tumor stage T1-T3", "t_stage", "between", ("T1", "T3"), None, "t_stage_range", "stage_words"),
    ("Tumor is T2b or below", "t_stage", "<=", "T2b", None, "t_stage_bound", "stage_words"),
    ("Primary tumor stage T2", "t_stage", "=", "T2", None, "t_stage_named", "stage_words"),
    ("Primary tumor stage T1, T2 or T3", "t_stage", "between", ("T1", "T3"), None, "t_stage_list", "stage_words"),
    ("Stage II-IV colorectal cancer", "stage", "between", ("II", "IV"), None, "stage_range", "stage_words"),
    ("Stage IIb or higher breast cancer", "stage", ">=", "IIB", None, "stage_bound", "stage_words"),
    ("Stage IV disease", "stage", "=", "IV", None, "stage_named", "stage_words"),
    ("New York Heart Association class III or IV heart failure", "nyha_class", ">=", "III", None,
     "class_to_highest", "stage_words"),
    ("NYHA class II-III symptoms", "nyha_class", "between", ("II", "III"), None, "class_range", "stage_words"),
    ("NYHA class II symptoms", "nyha_class", "=", "II", None, "class_named", "stage_words"),
    ("Ejection fraction greater than or equal to 30% and less than or equal to 70%", "ejection_fraction", "between",
     (30, 70), "%", "floor_and_ceiling", "vocabulary_near_unit"),
    ("At least 2 biologic agents have failed", "biologic_agents", ">=", 2, "count",
     "comparator_before", "counted_noun_phrase"),
    ("Two or more bursts of oral steroids of at least 3 days each", "steroid_burst_duration", ">=", 3, "days",
     "comparator_before", "counted_duration"),
    ("Life expectancy of at least 5 years", "life_expectancy", ">=", 5, "years", "comparator_before",
     "vocabulary_duration"),
    ("Symptoms for at least 6 months", "symptom_duration", ">=", 6, "months", "comparator_before",
     "vocabulary_duration"),
    ("Within 2 years following the initial procedure", "interval", "<=", 2, "years", "comparator_before",
     "interval_after_event"),
    ("Between 3 and 12 months within the past 2 years", "time_window", "<=", 2, "years", "comparator_before",
     "look_back_window"),
    ("Epworth Sleepiness Scale score of 10 or more", "ess", ">=", 10, None, "comparator_after", "vocabulary_near"),
    ("A pain score of 7 or more or a disability index of 40 or more", "disability_index", ">=", 40, None,
     "comparator_after", "own_subject"),
    ("Apneas less than 25% of the total AHI", "apnea_fraction", "<", 25, "%", "comparator_before",
     "subject_noun_phrase"),
    ("Blood eosinophils of at least 150 cells/uL", "eosinophil_count", ">=", 150, "cells/uL", "comparator_before",
     "vocabulary_near_unit"),
    ("FEV1 improvement of at least 12% or 15%", "fev1", ">=", 15, "%", "shared_comparator", "shared_measure"),
    ("Within 3 to 6 months of the request", "time_window", "between", (3, 6), "months", "numeric_range",
     "window_between"),
    ("Aged 6 months or older", "age", ">=", 0.5, "years", "comparator_after", "age_words"),
    ("Infuse 10 mg/kg every 2 weeks", "interval", "=", 2, "weeks", "every_period", "construction_interval"),
    ("At least 50% sustained improvement in symptoms", "symptom_improvement", ">=", 50, "%", "comparator_before",
     "change_of_what"),
    ("A 50% (more than 48 hours) improvement", "improvement_duration", ">", 48, "hours", "comparator_before",
     "duration_of_change"),
    ("Greater than or equal to 15 headache days per month", "headache_days", ">=", 15, "days/month",
     "comparator_before", "counted_noun_phrase"),
    ("Headaches last 4 hours per day or longer", "headache_duration", ">=", 4, "hours", "comparator_after",
     "subject_duration"),
    ("A Karnofsky score of 70 or more", "karnofsky", ">=", 70, "%", "comparator_after", "vocabulary_near"),
]


@pytest.mark.parametrize("phrase,measure,op,value,unit,grammar_pass,naming", CASES, ids=[c[0][:40] for c in CASES])
def test_each_rule_reads_its_phrase(phrase, measure, op, value, unit, grammar_pass, naming):
    found = read_limits(phrase)
    readings = [(r.threshold.measure, r.threshold.op, r.threshold.value, r.threshold.unit, r.grammar, r.naming)
                for r in found.readings]
    assert (measure, op, value, unit, grammar_pass, naming) in readings, readings


@pytest.mark.parametrize("phrase,context,measure,naming", [
    ("Less than or equal to 4 cm", "Hepatic lesions must have both of the following", "lesion_size",
     "unit_implies_measure"),
    ("Between 2 and 5 years of age", "Pediatric members", "age", "age_words"),
    ("0-3 months", "starting three months following completion of therapy", "time_since_treatment",
     "context_time_since_event"),
    ("Greater than 40%", "Left ventricular ejection fraction is one of the following", "ejection_fraction",
     "context_vocabulary"),
])
def test_a_limit_whose_own_words_name_nothing_is_named_from_its_lead_in(phrase, context, measure, naming):
    found = read_limits(phrase, context)
    assert [(r.threshold.measure, r.naming) for r in found.readings] == [(measure, naming)]


def test_under_a_cap_lead_in_a_bare_quantity_is_the_cap():
    """"The dose does not exceed either of the following: 10 mg/kg every 2 weeks": a dose of at most 10 mg/kg."""
    found = read_limits("10 mg/kg every 2 weeks", "The dose does not exceed either of the following", capped=True)
    got = {(r.threshold.measure, r.threshold.op, r.threshold.value, r.threshold.unit, r.grammar) for r in found.readings}
    assert got == {("dose", "<=", 10, "mg/kg", "capped_by_lead_in"), ("interval", "=", 2, "weeks", "every_period")}
    assert not read_limits("10 mg/kg every 2 weeks").readings[0].threshold.measure == "dose"


def test_at_least_one_is_set_aside_not_read():
    found = read_limits("Tried at least one other therapy")
    assert not found.readings and [why for _, why in found.set_aside] == ["one_exists"]


def test_an_unnamed_limit_is_a_warning_never_a_guess():
    found = read_limits("Between 0 and 3 months")
    assert not found.readings and found.warnings and [why for _, why in found.set_aside] == ["unnamed"]


def test_every_grammar_pass_and_naming_rule_has_a_case():
    passes = {p.__name__ for p in grammar.PASSES}
    assert passes <= {c[5] for c in CASES} | {"capped_by_lead_in"}
    source = "\n".join(p.read_text() for p in Path(limits.__file__).parent.glob("*.py"))
    rules = set(re.findall(r'Named\([^)]*?"(\w+)"\)', source, re.S)) | set(
        re.findall(r'(?:else|if)\s+Named\(.*?,\s*"(\w+)"\)', source))
    stage_rules = set(re.findall(r'm\.span\(\),\s*"(\w+)"\)|where,\s*"(\w+)"\)', source))
    stage_rules = {r for pair in stage_rules for r in pair if r}
    covered = {c[6] for c in CASES} | {c[5] for c in CASES}
    covered |= {"context_vocabulary", "context_time_since_event", "one_exists", "capped_by_lead_in",
                "change"}  # the tests below the table; "change" is a group name the scan picks up
    missing = (rules | stage_rules) - covered - {"subject_in_vocabulary", "counted_noun_vocabulary_unit",
                                                 "subject_duration"}
    assert not missing, sorted(missing)
