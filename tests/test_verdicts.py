"""Verdicts an analyst can sign: one test per rule of README "How verdicts are made", each on a small
fictional pair of policies, then the seeds and the corpus cases that motivated them."""
from __future__ import annotations

import json

import pytest

from policydiff.diffs.compare import compare
from policydiff.diffs.limits import stricter
from policydiff.diffs.versions import diff_policies
from policydiff.extractor import extract, extract_bytes
from policydiff.normalized.schema import Threshold

from .conftest import need_shared, run_cli


def policy(criteria: str, name: str = "p.txt", heading: str = "Gizmo therapy for widget pain"):
    return extract_bytes(f"COVERAGE CRITERIA\n\n{heading} is medically necessary when {criteria}".encode(), name)


def row_of(a, b, measure: str):
    c = compare([a, b])
    [row] = [r for r in c.rows if any(m.measure == measure for m in r.thresholds)]
    return next(m for m in row.thresholds if m.measure == measure)


ALL = "all of the following are met:\n1. {a}; and\n2. Documented failure of physical therapy.\n"
ANY = ("any of the following are met:\n1. {a}; or\n2. Documented failure of physical therapy; or\n"
       "3. Documented failure of two analgesics.\n")


# -- the cutoff verdict: intervals, scales and whole units --------------------------------------------------

def t(measure, op, value, unit=None) -> Threshold:
    return Threshold(measure, op, value, unit)


@pytest.mark.parametrize("a,b,expected", [
    (t("t_stage", "=", "T1a"), t("t_stage", "=", "T1"), -1),            # T1a is a part of T1
    (t("stage", ">=", "IIIB"), t("stage", ">=", "III"), -1),            # a higher floor inside stage III
    (t("stage", "between", ("I", "III")), t("stage", "<=", "III"), -1),
    (t("nyha_class", "<=", "II"), t("nyha_class", "<", "III"), 0),
    (t("ecog", "<=", 1), t("ecog", "<", 2), 0),                         # an integer scale
    (t("age", "<=", 17, "years"), t("age", "<", 18, "years"), 0),       # ages count in whole years
    (t("lesion_count", ">", 2, "count"), t("lesion_count", ">=", 3, "count"), 0),
    (t("psa", "<", 8, "ng/mL"), t("psa", "<=", 8, "ng/mL"), -1),        # continuous: < is tighter than <=
    (t("lesion_size", "<=", 4, "cm"), t("lesion_size", ">=", 2, "cm"), None),
    (t("t_stage", "=", "T1"), t("t_stage", "=", "T2"), None),
])
def test_cutoffs_compare_as_intervals(a, b, expected):
    assert stricter(a, b) == expected
    assert stricter(b, a) == (None if expected is None else -expected)


# -- the eligibility verdict, rule by rule -------------------------------------------------------------------

def test_rule_1_administrative_terms_are_not_eligibility():
    a = policy(ALL.format(a="Pain score of 7 or more") + "Authorization will be issued for 6 months.\n")
    b = policy(ALL.format(a="Pain score of 7 or more") + "Authorization will be issued for 12 months.\n")
    m = row_of(a, b, "approval_duration")
    assert m.eligibility.verdict == "not comparable" and "administrative" in m.eligibility.reason
    d = diff_policies(a, b)
    [change] = [t for c in d.changed for t in c.thresholds]
    assert (change.direction, change.term) == ("changed", "longer") and d.counts()["stricter"] == 0


def test_rule_2_an_example_value_is_not_a_requirement():
    a = policy(ALL.format(a="Poor control (e.g., a symptom score greater than 20)"))
    b = policy(ALL.format(a="Poor control (e.g., a symptom score greater than 25)"))
    m = row_of(a, b, "symptom_score")
    assert m.eligibility.verdict == "not comparable" and "example" in m.eligibility.reason


def test_rule_3_an_exclusion_admits_the_opposite():
    a = policy(ALL.format(a="No blood eosinophil count greater than 1500 cells/uL"))
    b = policy(ALL.format(a="No blood eosinophil count greater than 1000 cells/uL"))
    m = row_of(a, b, "eosinophil_count")
    # "no count above 1000" lets fewer patients in than "no count above 1500", though 1000 is the lower number
    assert m.eligibility.verdict == "stricter" and m.eligibility.policies == (1,)


def test_rule_4_required_limits_the_tighter_is_stricter():
    m = row_of(policy(ALL.format(a="Pain score of 7 or more")), policy(ALL.format(a="Pain score of 5 or more")),
               "pain_score")
    assert m.strictest == (0,) and (m.eligibility.verdict, m.eligibility.policies) == ("stricter", (0,))
    same = row_of(policy(ALL.format(a="Pain score of 7 or more")), policy(ALL.format(a="Pain score of 7 or more")),
                  "pain_score")
    assert same.eligibility.verdict == "same"


def test_rule_5_a_required_limit_as_tight_as_an_alternative_is_stricter():
    m = row_of(policy(ALL.format(a="Pain score of 7 or more")), policy(ANY.format(a="Pain score of 5 or more")),
               "pain_score")
    assert (m.eligibility.verdict, m.eligibility.policies) == ("stricter", (0,))
    assert "only one of 3 alternatives" in m.eligibility.reason


def test_rule_6_a_tighter_alternative_depends_on_the_others():
    m = row_of(policy(ALL.format(a="Pain score of 5 or more")), policy(ANY.format(a="Pain score of 8 or more")),
               "pain_score")
    assert m.strictest == (1,)  # the cutoff verdict stays what it is
    assert m.eligibility.verdict == "depends"
    assert "#2's ≥ 8 is one of 3 alternatives" in m.eligibility.reason and "#1's ≥ 5 is required" in m.eligibility.reason
    both = row_of(policy(ANY.format(a="Pain score of 5 or more")), policy(ANY.format(a="Pain score of 8 or more")),
                  "pain_score")
    assert both.eligibility.verdict == "depends" and "both are alternatives" in both.eligibility.reason


def test_rule_6_at_least_n_groups_are_alternatives_too():
    two_of = ("at least two of the following are met:\n1. {a}; or\n2. Night pain; or\n3. Morning stiffness.\n")
    m = row_of(policy(ALL.format(a="Pain score of 5 or more")), policy(two_of.format(a="Pain score of 8 or more")),
               "pain_score")
    assert m.eligibility.verdict == "depends" and "one of 3 alternatives, at least 2 needed" in m.eligibility.reason


def test_rule_7_a_limit_only_one_policy_sets():
    required = row_of(policy(ALL.format(a="Pain score of 7 or more")),
                      policy("all of the following are met:\n1. Documented failure of physical therapy.\n"),
                      "pain_score")
    assert (required.eligibility.verdict, required.eligibility.policies) == ("stricter", (0,))
    alternative = row_of(policy(ANY.format(a="Pain score of 7 or more")),
                         policy("all of the following are met:\n1. Documented failure of physical therapy.\n"),
                         "pain_score")
    assert alternative.eligibility.verdict == "depends"


def test_rule_8_different_kinds_are_not_comparable():
    a = policy(ALL.format(a="Tumor stage T1a"))
    b = policy(ALL.format(a="Tumor stage T2"))
    m = row_of(a, b, "t_stage")
    assert m.strictest == () and m.eligibility.verdict == "not comparable"


def test_the_summary_counts_eligibility_verdicts():
    a = policy(ALL.format(a="Pain score of 7 or more"))
    b = policy(ALL.format(a="Pain score of 5 or more"))
    first, second = compare([a, b]).summary()
    assert (first["stricter"], second["looser"]) == (1, 1)


# -- the seeds: both verdicts where they agree and where they part ---------------------------------------------

def test_seed_verdicts():
    shared = need_shared()
    mm = extract(shared / "seeds" / "medical-mutual__cryoablation__2024-07-12.txt")
    aspirus = extract(shared / "seeds" / "aspirus__cryoablation.txt")
    c = compare([mm, aspirus])
    rows = {r.key: {m.measure: m for m in r.thresholds} for r in c.rows}
    hcc = rows["hepatocellular-carcinoma"]["lesion_size"]
    assert hcc.strictest == (1,) and (hcc.eligibility.verdict, hcc.eligibility.policies) == ("stricter", (1,))
    renal = rows["renal-cell-carcinoma"]["lesion_size"]
    assert renal.strictest == (1,) and renal.eligibility.verdict == "depends"
    assert "#2's ≤ 4 cm is one of 4 alternatives" in renal.eligibility.reason
    assert "#1's ≤ 7 cm is required" in renal.eligibility.reason
    psa = rows["prostate-cancer"]["psa"]
    assert psa.strictest == (0,) and psa.eligibility.verdict == "depends"
    assert "one of 3 alternatives" in psa.eligibility.reason and "other alternatives of #1" in psa.eligibility.reason


def test_both_verdicts_are_in_every_format(tmp_path):
    shared = need_shared()
    args = [str(shared / "seeds" / "medical-mutual__cryoablation__2024-07-12.txt"),
            str(shared / "seeds" / "aspirus__cryoablation.txt"), "--indication", "renal mass"]
    data = json.loads(run_cli("compare", *args, "--format", "json").stdout)
    assert [r["key"] for r in data["rows"]] == ["renal-cell-carcinoma"]  # --indication picks rows
    limit = next(t for t in data["rows"][0]["thresholds"] if t["measure"] == "lesion_size")
    assert limit["strictest"] == [1] and limit["eligibility"]["verdict"] == "depends"
    assert data["policies"][0]["payer"] == "Medical Mutual"  # named by its file name, the document never says
    for fmt in ("md", "text", "csv", "html"):
        out = run_cli("compare", *args, "--format", fmt).stdout
        assert "depends" in out and "stricter" in out and "Medical Mutual" in out, fmt
        assert "bone-metastases" not in out, fmt


# -- diffs: pairing by meaning, layout, the corpus ----------------------------------------------------------

def test_unrelated_criteria_are_removed_and_added_not_reworded():
    old = policy("all of the following are met:\n1. Metastatic widget cancer; and\n2. Age 18 years or older.\n")
    new = policy("all of the following are met:\n1. Widget cancer is gizmo-resistant; and\n"
                 "2. Age 18 years or older.\n")
    [change] = diff_policies(old, new).changed
    pairs = {(c.old and c.old.rstrip(";"), c.new and c.new.rstrip(";")) for c in change.criteria}
    assert pairs == {("Metastatic widget cancer", None), (None, "Widget cancer is gizmo-resistant")}
    reworded = policy("all of the following are met:\n1. Advanced or metastatic widget cancer; and\n"
                      "2. Age 18 years or older.\n")
    [change] = diff_policies(old, reworded).changed
    [c] = change.criteria
    assert c.old and c.new and c.confidence is not None and c.confidence >= 0.6


def test_a_layout_only_revision_of_a_long_policy_is_not_material():
    items = [f"{k}. Documented failure of therapy number {k} with widgetol or gizmomab for pain relief"
             for k in range(1, 40)]
    old = policy("all of the following are met:\n" + "\n".join(f"{i};" for i in items) + "\n")
    # the same words: items split over two lines, spacing and trailing punctuation changed
    rewrapped = "\n".join(f"{i[:30]}\n   {i[30:]}." for i in items)
    new = policy("all of the following are met:\n" + rewrapped + "\n")
    d = diff_policies(old, new)
    assert not d.material


def test_three_payers_line_up_one_row_per_condition():
    def drug(name: str, asthma: int, dermatitis: int):
        return extract_bytes(
            f"CRITERIA\n\nA. Asthma\nWidgetmab is approved when all of the following are met:\n"
            f"1. Age {asthma} years or older; and\n2. Two or more exacerbations in the past year.\n\n"
            f"B. Atopic Dermatitis\nWidgetmab is approved when all of the following are met:\n"
            f"1. Age {dermatitis} years or older; and\n2. Body surface area of 10% or more.\n".encode(), name)
    c = compare([drug("a.txt", 12, 6), drug("b.txt", 6, 12), drug("c.txt", 18, 18)])
    assert len(c.rows) == 2
    for row in c.rows:
        assert len({label.lower() for label in row.labels if label}) == 1, row.labels


def test_molina_diff_adds_no_code_the_old_version_lists():
    corpus = need_shared() / "corpus"
    old = extract(corpus / "molina__genetic-testing-051__2025-02-12.txt")
    new = extract(corpus / "molina__genetic-testing-051__2026-02-11.txt")
    old_text = (corpus / "molina__genetic-testing-051__2025-02-12.txt").read_text(encoding="utf-8")
    d = diff_policies(old, new)
    assert d.codes_added
    assert not [code for code in d.codes_added if code in old_text]


# -- time units, rule 5 with equal numbers, roles from the tree, examples apart ---------------------------------

@pytest.mark.parametrize("a,b,expected", [
    (t("time_window", "<=", 1, "years"), t("time_window", "<=", 12, "months"), 0),    # a year is 12 months
    (t("time_window", "<=", 2, "years"), t("time_window", "<=", 18, "months"), 1),
    (t("treatment_duration", ">=", 2, "weeks"), t("treatment_duration", ">=", 14, "days"), 0),
    (t("treatment_duration", ">=", 3, "months"), t("treatment_duration", ">=", 90, "days"), 0),  # 89 to 92 days
    (t("treatment_duration", ">=", 6, "weeks"), t("treatment_duration", ">=", 1, "months"), -1),
    (t("treatment_duration", ">=", 8, "weeks"), t("treatment_duration", ">=", 3, "months"), 1),
    (t("time_window", "<", 1, "years"), t("time_window", "<=", 11, "months"), 0),     # whole units, as ages
    (t("observation", ">", 24, "hours"), t("observation", ">=", 1, "days"), -1),
    (t("lesion_size", "<=", 4, "cm"), t("lesion_size", "<=", 4, "%"), None),
])
def test_time_limits_convert_between_days_weeks_months_and_years(a, b, expected):
    assert stricter(a, b) == expected
    assert stricter(b, a) == (None if expected is None else -expected)


def test_the_previous_year_is_the_previous_12_months():
    m = row_of(policy(ALL.format(a="Widget pain flares within the previous year")),
               policy(ALL.format(a="Widget pain flares within the previous 12 months")), "time_window")
    assert m.verdict == "same limit" and m.eligibility.verdict == "same"
    d = diff_policies(policy(ALL.format(a="Widget pain flares within the previous year")),
                      policy(ALL.format(a="Widget pain flares within the previous 12 months")))
    assert not [x for c in d.changed for x in c.thresholds]


def test_rule_5_a_requirement_equal_to_an_alternative_is_stricter():
    m = row_of(policy(ALL.format(a="Two or more widget flares in the previous year")),
               policy(ANY.format(a="Two or more widget flares in the previous year")), "exacerbations")
    assert m.verdict == "same limit"  # the numbers are equal ...
    assert (m.eligibility.verdict, m.eligibility.policies) == ("stricter", (0,))  # ... the roles are not
    assert "#1's ≥ 2 is required" in m.eligibility.reason and "#2's ≥ 2 is only one of 3 alternatives" in \
        m.eligibility.reason


def test_rule_5_names_every_policy_that_requires_the_tightest_limit():
    required = policy(ALL.format(a="Blood eosinophil count of 300 cells/uL or more"))
    alternative = policy(ANY.format(a="Blood eosinophil count of 300 cells/uL or more"))
    c = compare([required, alternative, required])
    m = next(m for r in c.rows for m in r.thresholds if m.measure == "eosinophil_count")
    assert (m.eligibility.verdict, m.eligibility.policies) == ("stricter", (0, 2))


BRANCHED = ("either of the following is met:\n1. Widget rash of the hands or feet, with all of the following:\n"
            "   a. Age 12 years or older; and\n   b. Failure of a topical steroid.\n"
            "2. Widget rash covering 10% or more of the body surface area.\n")


def test_a_limit_required_in_one_branch_is_not_required_of_the_indication():
    branched = policy(BRANCHED, heading="Gizmo therapy for widget rash")
    outright = policy("all of the following are met:\n1. Age 6 years or older; and\n"
                      "2. Failure of a topical steroid.\n", heading="Gizmo therapy for widget rash")
    m = row_of(branched, outright, "age")
    assert m.roles[0] == "required in one of 2 alternatives"
    assert m.eligibility.verdict == "depends"
    assert "#1's ≥ 12 years is required in one of 2 alternatives" in m.eligibility.reason
    assert "#2's ≥ 6 years is required" in m.eligibility.reason
    # branch against branch: each is required where it applies, and the tighter one is stricter
    looser = policy(BRANCHED.replace("Age 12", "Age 6"), heading="Gizmo therapy for widget rash")
    both = row_of(branched, looser, "age")
    assert (both.eligibility.verdict, both.eligibility.policies) == ("stricter", (0,))


def test_examples_compare_only_with_examples():
    example = policy(ANY.format(a="Poor control (e.g., a symptom score of 20 or more)"))
    required = policy(ALL.format(a="A symptom score of 25 or more"))
    c = compare([example, required])
    rows = [m for r in c.rows for m in r.thresholds if m.measure == "symptom_score"]
    assert len(rows) == 2  # never side by side
    firm = next(m for m in rows if m.values[1] is not None)
    assert firm.values[0] is None and (firm.eligibility.verdict, firm.eligibility.policies) == ("stricter", (1,))
    assert "#1's ≥ 20 is given only as an example" in firm.eligibility.reason
    shown = next(m for m in rows if m.values[0] is not None)
    assert shown.values[1] is None and shown.roles[0] == "an example (e.g.)"
    assert shown.eligibility.verdict == "not comparable"


def test_rule_5_a_requirement_and_an_alternative_that_part_only_at_the_boundary():
    # "<= 80%" required against "< 80%" as one way in: they differ at 80% alone, the alternative's other ways in
    # admit far more, so the requirement is stricter (not "depends")
    m = row_of(policy(ALL.format(a="FEV1 of 80% or less")), policy(ANY.format(a="FEV1 less than 80%")), "fev1")
    assert m.strictest == (1,)
    assert (m.eligibility.verdict, m.eligibility.policies) == ("stricter", (0,))


# -- pairing: population, continuation -----------------------------------------------------------------------

def surgery(name: str, adult: str, adolescent: str, order: str = "adult first"):
    adult_block = (f"{adult} is medically necessary when all of the following are met:\n"
                   "1. Age 18 years or older; and\n2. BMI of 40 kg/m2 or more.\n\n")
    teen_block = (f"{adolescent} is medically necessary when all of the following are met:\n"
                  "1. Age 13 to 17 years; and\n2. BMI of 40 kg/m2 or more.\n\n")
    blocks = adult_block + teen_block if order == "adult first" else teen_block + adult_block
    return extract_bytes(f"COVERAGE CRITERIA\n\n{blocks}".encode(), name)


def test_population_pairs_adult_with_adult_before_wording():
    # the adult block of #2 reads more like #1's adolescent label ("weight-loss surgery") than its adult one,
    # but only the adult blocks share a population
    a = surgery("a.txt", "Gizmo gastric procedure in adults", "Weight-loss surgery in adolescents")
    b = surgery("b.txt", "Weight-loss surgery with a gizmo band", "Gizmo gastric procedure for teenagers",
                order="adolescent first")
    c = compare([a, b])
    pairs = {tuple(r.labels) for r in c.rows}
    assert ("Gizmo gastric procedure in adults", "Weight-loss surgery with a gizmo band") in pairs
    assert ("Weight-loss surgery in adolescents", "Gizmo gastric procedure for teenagers") in pairs
    assert len(c.rows) == 2


def test_three_payers_adult_indications_share_one_row():
    a = surgery("a.txt", "Gizmo gastric procedure in adults", "Weight-loss surgery in adolescents")
    b = surgery("b.txt", "Weight-loss surgery with a gizmo band", "Gizmo gastric procedure for teenagers")
    c = surgery("c.txt", "Surgery for severe obesity (adults)", "Surgery for severe obesity (adolescents)")
    rows = compare([a, b, c]).rows
    assert len(rows) == 2 and all(None not in r.labels for r in rows)
    adult = next(r for r in rows if r.labels[0].endswith("adults"))
    assert adult.labels[2] == "Surgery for severe obesity (adults)"


def drug(name: str, blocks: list[tuple[str, str]]):
    """Initial and continuation blocks under one heading per condition; `short` is how the continuation
    names it."""
    text = "CRITERIA\n\n" + "".join(
        f"{label}\n\nInitial requests for widgetmab for {label.lower()} may be approved when all of the following "
        f"criteria are met:\n1. Age 18 years or older; and\n2. Failure of a topical steroid.\n\n"
        f"Continuation requests for widgetmab for {short} may be approved if the following criterion is met:\n"
        f"1. The patient responded to widgetmab.\n\n" for label, short in blocks)
    return extract_bytes(text.encode(), name)


def test_a_continuation_pairs_with_the_continuation_of_its_initial_rows_partner():
    a = drug("a.txt", [("Bullous Gizmoid", "bullous gizmoid"), ("Widget Rash", "widget rash")])
    b = drug("b.txt", [("Widget Rash", "widget rash"), ("Bullous Gizmoid", "BG")])
    c = compare([a, b])
    labels = [r.labels for r in c.rows]
    assert len(labels) == 4 and all(None not in pair for pair in labels), labels
    follow = next(r for r in c.rows if r.labels[1] == "BG (continuation)")
    assert follow.labels[0].lower() == "bullous gizmoid (continuation)" and follow.methods[1] == "continuation"
    # rows keep the first document's order: each continuation row right after its initial row
    assert [r.labels[0].lower() for r in c.rows] == ["bullous gizmoid", "bullous gizmoid (continuation)",
                                                     "widget rash", "widget rash (continuation)"]


def test_the_readme_names_every_role_as_the_formats_print_it():
    from policydiff.diffs.limits import role_words

    from .conftest import ROOT
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### How verdicts are made"):readme.index("What changed between the two")]
    said = " ".join(section.split())
    for mode in ("required", "branch", "alternative", "at_least", "negated", "example"):
        words = role_words(mode, of=7, need=3, negated=mode == "negated")  # type: ignore[arg-type]
        assert f'"{words.replace("7", "N").replace("3", "K")}"' in said, words
