"""One stage test per kind of layout or phrasing, on fictional policies in the project's own words.

The kinds are the project's issue list: indication tables, per-block indications, one-name-per-line
lists, threshold phrasings, logic words, metadata and HTML input. Each test states the rule as an
analyst would, without naming a payer, and runs the whole extractor on a short fictional document.
"""
from __future__ import annotations

import pytest
from fpdf import FPDF

from policydiff.errors import ExtractionError
from policydiff.extractor import extract_bytes
from policydiff.extractor.read import read_bytes
from policydiff.normalized.schema import Criterion, Group, iter_thresholds


def text_policy(body: str, name: str = "policy.txt"):
    return extract_bytes(body.encode("utf-8"), name)


def labels(policy) -> list[str]:
    return [i.label for i in policy.indications]


def limits(indication) -> set[tuple]:
    """Every limit of an indication as (measure, op, value, unit)."""
    return {(t.measure, t.op, t.value, t.unit) for t, _, _ in iter_thresholds(indication.criteria)}


def leaves(node) -> list[str]:
    """The texts of an indication's criteria, in order."""
    if isinstance(node, Criterion):
        return [node.text]
    return [text for item in node.items for text in leaves(item)]


def by_label(policy, label: str):
    return next(i for i in policy.indications if i.label == label)


# -- 1. indication tables --------------------------------------------------------------------------------------------

def _ruled_table_pdf(rows: list[tuple[str, list[str], bool]], page_break_before: int, intro: str = "") -> bytes:
    """A policy whose coverage section is a ruled two-column table drawn with thin lines, the rows set one
    below the other; the row at `page_break_before` starts a new page (its first cell as given)."""
    pdf = FPDF(format="letter")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_margins(20, 20, 20)
    pdf.set_font("helvetica", "B", 16)
    pdf.cell(0, 10, "Cedar Valley Health: Widget Infusion Therapy", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "B", 12)
    pdf.cell(0, 8, "Coverage Criteria", new_x="LMARGIN", new_y="NEXT")
    if intro:
        pdf.set_font("helvetica", "", 10)
        pdf.cell(0, 8, intro, new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(200)  # the table starts low enough on page 1 that it runs onto page 2
    left, middle, right = 20, 70, 190
    pdf.set_line_width(0.2)
    for k, (first, second, bold) in enumerate(rows):
        if k == page_break_before:
            pdf.add_page()
            pdf.set_y(20)
        pdf.set_font("helvetica", "B" if bold else "", 10)
        top = pdf.get_y()
        height = 6 * len(second) + 2
        pdf.line(left, top, right, top)
        pdf.line(left, top + height, right, top + height)
        for x in (left, middle, right):
            pdf.line(x, top, x, top + height)
        pdf.set_xy(left + 1, top + 1)
        pdf.cell(middle - left - 2, 6, first)
        for n, line in enumerate(second):
            pdf.set_xy(middle + 1, top + 1 + 6 * n)
            pdf.cell(right - middle - 2, 6, line)
        pdf.set_xy(left, top + height)
    return bytes(pdf.output())


def test_a_ruled_table_row_names_its_indication_and_a_row_continued_on_the_next_page_goes_on_under_it():
    """In a table of conditions and criteria, each row's first cell names an indication and its second cell
    states that indication's criteria. A row split by a page break continues on the next page with an empty
    first cell: that text is still the same condition's. The header row names the columns, not an indication."""
    policy = extract_bytes(_ruled_table_pdf([
        ("Condition", ["Criteria"], True),
        ("Gizmo arthritis", ["All of the following:", "1. Member is 18 years of age or older; and",
                             "2. Failure of at least 2 prior therapies"], False),
        ("Widget colitis", ["All of the following:", "1. Member is 6 years of age or older; and"], False),
        ("", ["2. At least 3 flares in the past 12 months"], False),
        ("Sprocket uveitis", ["Member is 2 years of age or older"], False),
    ], page_break_before=3), "widget-table.pdf")
    assert labels(policy) == ["Gizmo arthritis", "Widget colitis", "Sprocket uveitis"]
    assert limits(by_label(policy, "Gizmo arthritis")) == {("age", ">=", 18, "years"),
                                                            ("prior_therapy_lines", ">=", 2, "count")}
    colitis = by_label(policy, "Widget colitis")
    assert colitis.criteria.items[0].logic == "all"
    assert limits(colitis) == {("age", ">=", 6, "years"), ("exacerbations", ">=", 3, "count"),
                               ("time_window", "<=", 12, "months")}  # the page-2 half of the row
    assert limits(by_label(policy, "Sprocket uveitis")) == {("age", ">=", 2, "years")}
    assert colitis.source.page == 1 and policy.accounting.complete


@pytest.mark.parametrize("intro", ["Widget infusion therapy is medically necessary for the conditions in the table below.",
                                   "Widget infusion therapy is medically necessary for the following conditions:"])
def test_a_sentence_introducing_the_table_heads_none_of_its_rows(intro):
    """The sentence above a table ("... for the conditions in the table below", "... for the following
    conditions:") introduces the rows; the first row is an indication like the others, never under it."""
    policy = extract_bytes(_ruled_table_pdf([
        ("Condition", ["Criteria"], True),
        ("Gizmo arthritis", ["All of the following:", "1. Member is 18 years of age or older; and",
                             "2. Failure of at least 2 prior therapies"], False),
        ("Widget colitis", ["Member is 6 years of age or older"], False),
        ("Sprocket uveitis", ["Member is 2 years of age or older"], False),
    ], page_break_before=2, intro=intro), "widget-table.pdf")
    assert labels(policy) == ["Gizmo arthritis", "Widget colitis", "Sprocket uveitis"]
    assert limits(by_label(policy, "Gizmo arthritis")) == {("age", ">=", 18, "years"),
                                                            ("prior_therapy_lines", ">=", 2, "count")}


# -- 2. per-block indications ----------------------------------------------------------------------------------------

BLOCKS = """\
Brightwater Health Plan
Medical Policy: Zentamab (Zentavo)

COVERAGE CRITERIA

General Requirements
Zentavo is medically necessary when all of the following are met:
1. The member has one of the indications listed below and meets all of the indication-specific criteria; and
2. Prescribed by a dermatologist or rheumatologist; and
3. Negative tuberculosis screening within the past 12 months.

Diagnosis-Specific Requirements

A. Plaque Psoriasis
1. Member is 18 years of age or older; and
2. Body surface area involvement of at least 10%.

B. Psoriatic Arthritis
1. Member is 18 years of age or older; and
2. At least 3 swollen joints.

Preferred Products:
Zentavo (zentamab)
Rilvex (rilvemab)
"""


def test_lettered_conditions_each_get_the_general_requirements_stated_once():
    """Each lettered condition is an indication with its own criteria, named without its list letter.
    Requirements stated once for every indication ("General Requirements", pointing at the indications
    listed below) are criteria of each indication, never an indication of their own; a product's name
    alone names no indication."""
    policy = text_policy(BLOCKS)
    assert labels(policy) == ["Plaque Psoriasis", "Psoriatic Arthritis"]
    psoriasis, arthritis = policy.indications
    for indication in (psoriasis, arthritis):
        texts = leaves(indication.criteria)
        assert any(t.startswith("Prescribed by a dermatologist") for t in texts)
        assert ("time_window", "<=", 12, "months") in limits(indication)
        assert not any("indications listed below" in t for t in texts)  # the pointer is not a criterion
    assert ("bsa_involvement", ">=", 10, "%") in limits(psoriasis)
    assert ("swollen_joints", ">=", 3, "count") in limits(arthritis)
    assert ("bsa_involvement", ">=", 10, "%") not in limits(arthritis)
    assert psoriasis.criteria.logic == "all"


# -- 3. one name per line --------------------------------------------------------------------------------------------

NAMES = ["Cranial gizmo stimulation", "Sprocket nerve pulsing", "Widget field therapy",
         "Percutaneous doohickey stimulation"]


def test_names_one_per_line_under_an_each_of_lead_in_are_each_an_exclusion():
    """Under a lead-in that declares what follows unproven, names set one per line with no bullets are
    each an exclusion of their own; the covered indication before them keeps only its own criteria."""
    policy = text_policy(
        "Cedar Valley Health\nMedical Policy: Nerve Stimulation Devices\n\nCOVERAGE RATIONALE\n\n"
        "Peripheral nerve stimulation is medically necessary when all of the following are met:\n"
        "1. Chronic pain for at least 6 months; and\n"
        "2. Failure of at least 2 conservative treatments.\n\n"
        "Each of the following is considered unproven:\n" + "\n".join(NAMES) + "\n\n"
        "CLINICAL EVIDENCE\n\nStudies were small.\n")
    assert [e.label for e in policy.exclusions] == NAMES
    assert {e.status for e in policy.exclusions} == {"investigational"}
    assert labels(policy) == ["Peripheral nerve stimulation"]
    assert len(policy.indications[0].criteria.items) == 2
    assert not policy.accounting.unread


def test_names_set_below_a_pdf_lead_in_are_each_an_exclusion():
    """In a PDF, names set one per line below "The following are considered unproven:", indented under
    it and without bullets, are each an exclusion."""
    pdf = FPDF(format="letter")
    pdf.add_page()
    pdf.set_margins(20, 20, 20)
    pdf.set_font("helvetica", "B", 16)
    pdf.cell(0, 10, "Cedar Valley Health: Nerve Stimulation Devices", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "B", 12)
    pdf.cell(0, 8, "Coverage Rationale", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 10)
    pdf.multi_cell(0, 6, "Peripheral nerve stimulation is medically necessary when all of the following are met:",
                   new_x="LMARGIN", new_y="NEXT")
    for line in ("Chronic pain for at least 6 months; and", "Failure of at least 2 conservative treatments."):
        pdf.set_x(28)
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.multi_cell(0, 6, "The following are considered unproven:", new_x="LMARGIN", new_y="NEXT")
    for name in NAMES:
        pdf.set_x(28)
        pdf.cell(0, 6, name)
        pdf.ln(6)
    pdf.ln(3)
    pdf.set_font("helvetica", "B", 12)
    pdf.cell(0, 8, "Clinical Evidence", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 10)
    pdf.multi_cell(0, 6, "Studies were small.")
    policy = extract_bytes(bytes(pdf.output()), "nerve.pdf")
    assert [e.label for e in policy.exclusions] == NAMES
    assert {e.status for e in policy.exclusions} == {"investigational"}
    assert limits(policy.indications[0]) == {("symptom_duration", ">=", 6, "months"),
                                             ("conservative_treatments", ">=", 2, "count")}


# -- 4. thresholds ---------------------------------------------------------------------------------------------------

def test_rates_intervals_angles_windows_doses_and_approval_terms():
    """A rate keeps its period ("per month", "per week"); "no more frequently than every 12 weeks" is a
    minimum interval; degrees are an angle; "in the previous year" and "in the past 12 months" are look-back
    windows; a dose that must not exceed "10 mg/kg every 2 weeks" is a cap on the dose plus its interval; an
    authorization "for no more than 12 months" is a cap on the approval's length."""
    policy = text_policy(
        "Brightwater Health Plan\nMedical Policy: Gizmotoxin Injections\n\nCOVERAGE CRITERIA\n\n"
        "Gizmotoxin is medically necessary for the prevention of chronic widget headache when all of the "
        "following are met:\n"
        "1. The member has 15 or more headache days per month; and\n"
        "2. The member has more than 2 episodes per week of severe pain; and\n"
        "3. Cervical rotation limited to 30 degrees or less; and\n"
        "4. At least 2 emergency visits in the previous year; and\n"
        "5. At least 1 hospital admission in the past 12 months; and\n"
        "6. Injections are given no more frequently than every 12 weeks; and\n"
        "7. The dose does not exceed 10 mg/kg every 2 weeks.\n"
        "Authorization will be issued for no more than 12 months.\n")
    assert labels(policy) == ["Chronic widget headache"]
    assert limits(policy.indications[0]) == {
        ("headache_days", ">=", 15, "days/month"),
        ("episodes", ">", 2, "episodes/week"),
        ("cervical_rotation_limited", "<=", 30, "degrees"),
        ("emergency_visits", ">=", 2, "count"), ("time_window", "<=", 1, "years"),
        ("hospitalizations", ">=", 1, "count"), ("time_window", "<=", 12, "months"),
        ("interval", ">=", 12, "weeks"),
        ("dose", "<=", 10, "mg/kg"), ("interval", "=", 2, "weeks"),
        ("approval_duration", "<=", 12, "months"),
    }


# -- 5. logic words --------------------------------------------------------------------------------------------------

def test_all_either_both_and_a_contraindication_list():
    """"When all of the following criteria are met" combines with all; "either of the following" with any;
    each "both of the following" alternative is an all-group of its own. A list the policy says is not
    covered ("not covered when any of the following") names exclusions: it never joins the covered
    indication's criteria."""
    policy = text_policy(
        "Cedar Valley Health\nMedical Policy: Widget Ablation\n\nCOVERAGE CRITERIA\n\n"
        "Widget ablation is medically necessary when all of the following criteria are met:\n"
        "1. The member is 18 years of age or older; and\n"
        "2. Either of the following:\n"
        "a. Both of the following:\n"
        "i. Ejection fraction of 35% or more; and\n"
        "ii. Failure of at least 1 antiarrhythmic drug;\n"
        "or\n"
        "b. Both of the following:\n"
        "i. Prior ablation more than 6 months ago; and\n"
        "ii. Recurrence documented on monitoring.\n\n"
        "Widget ablation is not covered when any of the following are present:\n"
        "1. Left atrial thrombus;\n2. Active infection;\n3. Pregnancy.\n")
    assert labels(policy) == ["Widget ablation"]
    group = policy.indications[0].criteria
    assert group.logic == "all" and len(group.items) == 2
    either = group.items[1]
    assert isinstance(either, Group) and either.logic == "any" and either.min is None
    assert [g.logic for g in either.items] == ["all", "all"]
    assert [len(g.items) for g in either.items] == [2, 2]
    assert [e.label for e in policy.exclusions] == ["Left atrial thrombus", "Active infection", "Pregnancy"]
    assert {e.status for e in policy.exclusions} == {"not_medically_necessary"}
    assert not any("thrombus" in t for t in leaves(group))


# -- 6. metadata -----------------------------------------------------------------------------------------------------

CRITERIA = """\
COVERAGE CRITERIA

Sprocket joint injections are medically necessary when all of the criteria below are met:
1. The member is 40 years of age or older; and
2. Joint pain for at least 3 months.
"""


def test_general_requirements_named_only_by_their_heading_apply_to_every_condition():
    """Under a "General Requirements" heading, requirements with nothing but "All of the following" to name
    them are not an indication (never one named after the policy's title): they are criteria of each
    condition that follows."""
    p = text_policy("Brightwater Health Plan\nMedical Policy: Zentamab (Zentavo)\n\nCOVERAGE CRITERIA\n\n"
                    "General Requirements\nAll of the following:\n1. Prescribed by a dermatologist; and\n"
                    "2. Negative tuberculosis screening within the past 12 months.\n\n"
                    "Diagnosis-Specific Requirements\n\nA. Plaque Psoriasis\n1. Member is 18 years of age or older; and\n"
                    "2. Body surface area involvement of at least 10%.\n\nB. Psoriatic Arthritis\n"
                    "1. Member is 18 years of age or older; and\n2. At least 3 swollen joints.\n")
    assert labels(p) == ["Plaque Psoriasis", "Psoriatic Arthritis"]
    for ind in p.indications:
        assert ("time_window", "<=", 12, "months") in limits(ind)
        assert any("dermatologist" in t for t in leaves(ind.criteria))
    assert not any("yields no indication" in w for w in p.warnings)


def test_either_a_or_b_over_lettered_items_is_any():
    """"... when the member meets either A or B:" over items A and B: one of them is enough."""
    p = text_policy("COVERAGE CRITERIA\n\nGizmo knee injections are considered medically necessary when the "
                    "member meets either A or B:\n\nA. Moderate knee pain for at least 3 months despite physical "
                    "therapy\nB. A prior gizmo injection relieved pain for 6 months\n")
    [ind] = p.indications
    assert ind.criteria.logic == "any" and len(ind.criteria.items) == 2
    assert not p.warnings


def test_a_connector_line_between_numbered_blocks_joins_the_blocks_not_their_last_items():
    """"1. Both of the following: a. ... b. ..." / "-OR-" / "2. Both of the following: ...": two alternatives,
    each a pair; the connector on its own line belongs to the blocks it stands between."""
    p = text_policy("COVERAGE CRITERIA\n\nSprocket nerve pulsing is considered medically necessary for chronic "
                    "widget pain when the member meets the criteria in 1 or 2:\n\n1. Both of the following:\n"
                    "   a. Pain for at least 6 months; and\n   b. Failure of two oral analgesics.\n-OR-\n"
                    "2. Both of the following:\n   a. Pain score of 7 or more; and\n"
                    "   b. A successful trial of sprocket pulsing.\n")
    [ind] = p.indications
    assert ind.criteria.logic == "any"
    assert [g.logic for g in ind.criteria.items] == ["all", "all"]
    assert [len(g.items) for g in ind.criteria.items] == [2, 2]


def test_names_flush_under_a_the_following_lead_in_are_each_an_exclusion():
    """"The following are considered unproven:" over names one per line, at its own margin: each name is
    excluded, never an exclusion called "Following"."""
    p = text_policy("COVERAGE CRITERIA\n\nWidget stimulation is considered medically necessary for chronic widget "
                    "pain after a successful trial.\n\nThe following are considered unproven:\n"
                    "Cranial gizmo stimulation\nSprocket nerve pulsing\nTransdermal widget patches\n")
    assert [(e.label, e.status) for e in p.exclusions] == [
        ("Cranial gizmo stimulation", "investigational"), ("Sprocket nerve pulsing", "investigational"),
        ("Transdermal widget patches", "investigational")]


def test_a_count_per_period_keeps_its_period_when_the_counted_thing_comes_first():
    """"Locking episodes more than 2 per week" counts episodes per week, as "more than 2 episodes per week"
    does: a rate, never a bare count."""
    p = text_policy("COVERAGE CRITERIA\n\nGizmo therapy is considered medically necessary for knee locking when "
                    "all of the following are met:\n1. Locking episodes more than 2 per week; and\n"
                    "2. Seizures no more than 4 per month.\n")
    [ind] = p.indications
    assert {(m, op, v, u) for m, op, v, u in limits(ind)} == {
        ("locking_episodes", ">", 2, "episodes/week"), ("seizures", "<=", 4, "seizures/month")}


def test_a_lettered_markdown_heading_names_its_condition_without_the_letter():
    p = text_policy("# Zentamab (Zentavo)\n\n## Coverage Criteria\n\n### A. Plaque Psoriasis\n\nZentamab is "
                    "medically necessary when all of the following are met:\n1. Age 18 years or older; and\n"
                    "2. Body surface area of at least 10%.\n\n### B. Widget Arthritis\n\nZentamab is medically "
                    "necessary when all of the following are met:\n1. Age 18 years or older; and\n"
                    "2. Failure of methotrexate.\n", "zentamab.md")
    assert labels(p) == ["Plaque Psoriasis", "Widget Arthritis"]


def test_a_publish_date_beside_the_last_review_date_and_a_number_in_the_titles_parenthesis():
    """A publish date set on the same line as the last review date is the effective date, and the review date
    stays the review date; a policy number printed in the title's parenthesis with its version is the
    policy's number; an original date stated apart from them stays the original date."""
    policy = text_policy(
        "Brightwater Health Plan Clinical Guideline: Sprocket Joint Injections (BW-12, Ver. 3)\n\n"
        "Publish Date: 03/04/2025    Last Review Date: 02/11/2025\n\n" + CRITERIA +
        "\nHISTORY\n\nOriginal Date: 6/5/2016\n")
    assert policy.policy_id == "BW-12"
    assert (policy.dates.effective, policy.dates.reviewed, policy.dates.original) == \
        ("2025-03-04", "2025-02-11", "2016-06-05")
    assert limits(policy.indications[0]) == {("age", ">=", 40, "years"), ("symptom_duration", ">=", 3, "months")}


def test_history_lines_at_the_end_date_the_policy_and_citation_dates_never_do():
    """A "Reviewed/Revised" history line at the end, its dates running onto the next line, gives the latest
    review and revision; a reference's "Accessed on" date is the citation's, never the policy's effective
    date; the payer is read from its name at the top, never out of a sentence."""
    policy = text_policy(
        "Brightwater Health Plan\nMedical Policy: Sprocket Joint Injections\nPolicy Number: BW-12\n\n" + CRITERIA +
        "\nREFERENCES\n\n"
        "1. Roe A. Sprocket joints today. Journal of Joints. 2022;4:10-20. Available at: https://example.org/s. "
        "Accessed on January 9, 2025.\n"
        "2. Sprocket Society. Position statement. Accessed on\nMarch 3, 2025.\n\n"
        "HISTORY\n\nReviewed/Revised: 2/1/2019, 3/15/2021, 04/02/2023,\n02/11/2025\n")
    assert (policy.payer, policy.policy_id, policy.title) == \
        ("Brightwater Health Plan", "BW-12", "Sprocket Joint Injections")
    assert (policy.dates.revised, policy.dates.reviewed, policy.dates.effective) == ("2025-02-11", "2025-02-11", None)
    assert {"2025-01-09", "2025-03-03"}.isdisjoint(vars(policy.dates).values())


def test_no_payer_is_read_out_of_ordinary_prose():
    """A sentence that merely mentions "the Plan" or says "when all of the criteria below are met" names
    no payer: a document that never names its payer has none."""
    policy = text_policy(
        "Medical Policy: Sprocket Joint Injections\nPolicy Number: BW-12\n\nCOVERAGE CRITERIA\n\n"
        "Sprocket Joint Injections are covered by the Plan when all of the criteria below are met:\n"
        "1. The member is 40 years of age or older; and\n2. Joint pain for at least 3 months.\n\n"
        "Members of the Health Plan may appeal a denial. Requests are reviewed when all of the criteria below "
        "are met.\n")
    assert policy.payer is None
    assert (policy.policy_id, policy.title) == ("BW-12", "Sprocket Joint Injections")
    assert labels(policy) == ["Sprocket Joint Injections"]


# -- 7. HTML input ---------------------------------------------------------------------------------------------------

PAGE = """\
<!DOCTYPE html>
<html><head><title>Cedar Valley Health - Widget Scans</title>
<style>body { font-family: serif; } .zzstyle { color: red; }</style>
<script>var zzscript = "coverage criteria 99 years of age or older"; function track() {}</script>
</head>
<body>
<h1>Widget Scans</h1>
<p>Cedar Valley Health</p>
<p>Policy Number: CV-310</p>
<p>Effective Date: 05/01/2025</p>
<h2>Coverage Criteria</h2>
<h3>Chronic Gizmo Pain</h3>
<p>Widget scans are medically necessary when all of the following are met:</p>
<ul>
<li>The member is 18 years of age or older</li>
<li>Pain for at least 6 weeks</li>
<li>One of the following:
  <ul><li>Failure of physical therapy</li><li>Failure of at least 2 medications</li></ul>
</li>
</ul>
<h2>Exclusions</h2>
<p>Widget scans are considered investigational for screening of members without symptoms.</p>
<h2>Coding</h2>
<table>
<tr><th>Code</th><th>Description</th></tr>
<tr><td>70999</td><td>Widget scan, single region</td></tr>
</table>
<h2>References</h2>
<ol><li>Roe A. Widget imaging. 2021.</li></ol>
</body></html>
"""


def test_an_html_page_keeps_headings_lists_and_tables_as_structure_without_scripts_or_styles():
    """A policy published as a web page is read by its markup: headings open sections with roles, nested
    lists nest criteria, a table's cells keep their row and column (the header row marked), and the words of
    scripts and styles never appear."""
    policy = extract_bytes(PAGE.encode(), "x.html")
    assert policy.document.format == "html"
    assert (policy.payer, policy.policy_id, policy.title, policy.dates.effective) == \
        ("Cedar Valley Health", "CV-310", "Widget Scans", "2025-05-01")
    roles = {s.heading: s.role for s in policy.sections}
    assert (roles["Coverage Criteria"], roles["Exclusions"], roles["Coding"], roles["References"]) == \
        ("coverage", "not_covered", "coding", "references")
    assert labels(policy) == ["Chronic Gizmo Pain"]
    group = policy.indications[0].criteria
    assert group.logic == "all" and len(group.items) == 3
    nested = group.items[2]
    assert isinstance(nested, Group) and nested.logic == "any" and len(nested.items) == 2
    assert ("age", ">=", 18, "years") in limits(policy.indications[0])
    assert ("age", ">=", 99, "years") not in limits(policy.indications[0])
    assert [e.status for e in policy.exclusions] == ["investigational"]
    texts = [ln.text for ln in read_bytes(PAGE.encode(), "x.html").lines]
    assert not any("zz" in t or "font-family" in t for t in texts)
    lines = read_bytes(PAGE.encode(), "x.html").lines
    header = next(ln for ln in lines if "Code" in ln.text)
    assert header.text.split() == ["Code", "Description"] and header.bold and header.table_header
    code = next(ln for ln in lines if ln.text == "70999")  # under named columns, each cell on its own
    description = next(ln for ln in lines if ln.text == "Widget scan, single region")
    assert code.cell is not None and description.cell == (*code.cell[:2], 1) and not code.bold


def test_an_html_file_without_markup_is_a_one_line_error():
    """A file named .html that holds no markup is not silently read as a web page: extraction stops with a
    one-line error that says what to do."""
    with pytest.raises(ExtractionError) as caught:
        extract_bytes(b"Widget scans are covered when the member is 18 years of age or older.\n", "x.html")
    message = str(caught.value)
    assert "\n" not in message and "no HTML markup" in message
