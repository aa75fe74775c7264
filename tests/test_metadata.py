"""The fields a policy prints about itself: number, title, payer, dates, on fictional front matter.

Each test is one rule an analyst could state without naming a payer (issue 17, item 6).
"""
from __future__ import annotations

from policydiff.extractor import extract_bytes
from policydiff.extractor.metadata import is_citation, read_dates, read_payer, read_policy_id, read_title

BODY = ["Coverage Criteria", "The service is medically necessary when all of the following are met:",
        "1. Age 18 years or older; and", "2. BMI of 40 or more."]


def test_a_publish_date_is_the_effective_date_where_none_is_labelled():
    dates = read_dates(["Knee Surgery", "Document #: KS-100 Publish Date: 09/10/2025",
                        "Status: Revised Last Review Date: 08/15/2025", *BODY])
    assert (dates.effective, dates.revised, dates.reviewed) == ("2025-09-10", "2025-08-15", "2025-08-15")
    labelled = read_dates(["Effective Date: 10/01/2025", "Publish Date: 09/10/2025", *BODY])
    assert labelled.effective == "2025-10-01"  # a labelled effective date is never displaced


def test_a_reviewed_revised_history_line_at_the_end_fills_both_slots():
    lines = ["Harbor Clinical Guideline: Knee Surgery (HC-114, Ver. 3)", *BODY, *["Background text."] * 120,
             "Guideline Revision History", "Original Date: 5/2/2017",
             "Reviewed/Revised: 1/18/2018, 4/13/2019, 07/21/2020,", "05/2/2023, 04/16/2024"]
    dates = read_dates(lines)
    assert (dates.revised, dates.reviewed, dates.effective) == ("2024-04-16", "2024-04-16", None)


def test_a_policy_number_printed_with_the_title():
    assert read_policy_id(["Clinical Guideline", "Harbor Clinical Guideline: Knee Surgery (Adults) (HC-114, Ver. 3)",
                           *BODY]) == "HC-114"
    assert read_policy_id(["Medical Policy Manual", "Surgery, Policy No. 46", "Knee Arthroscopy", *BODY]) == "46"
    assert read_policy_id(["HC_SURG_2.05 Knee Arthroscopy in Adults", "Effective Date: May 1, 2025", *BODY]) \
        == "HC_SURG_2.05"
    # a list of related policies is not a title with its number
    assert read_policy_id(["Related Policies:", "HC-201 Hip Surgery HC-202 Shoulder Surgery", *BODY]) is None
    assert read_policy_id(["Knee Surgery (Adults)", *BODY]) is None  # a parenthesis without a number
    assert read_policy_id(["Number: 7", *BODY]) is None  # a bare "Number" before a short number says nothing


def test_a_date_in_a_citation_is_never_the_policys_own():
    lines = ["Review Date: 02/07/2024", *BODY, *["Background text."] * 120, "References",
             "1. Knee Society. Page last updated: November 28, 2023. Available at: https://example.org/knee.",
             "Accessed on", "February 5, 2024."]
    dates = read_dates(lines)
    assert (dates.reviewed, dates.revised) == ("2024-02-07", None)
    assert is_citation("Available at: https://example.org. Accessed on February 5, 2024.")
    assert not is_citation("Last Review Date: 02/07/2024")


def test_a_dot_leader_ends_a_label():
    lines = ["Drug Coverage Policy", "Effective Date ..................02/01/2026",
             "Coverage Policy Number..........HX0319", *BODY]
    assert read_dates(lines).effective == "2026-02-01"
    assert read_policy_id(lines) == "HX0319"


def test_a_label_ending_its_line_takes_the_next_line_up_to_its_own_label():
    lines = ["HX.00015 Knee Surgery Medical Policy Subject:", "Knee Surgery Document #: HX.00015 Publish Date: "
             "04/16/2025 Status:", "Reviewed Last Review Date: 02/20/2025", *BODY]
    assert read_title(lines) == "Knee Surgery"
    assert read_policy_id(lines) == "HX.00015"


def test_a_payer_is_never_read_out_of_a_sentence():
    prose = ["Glucose Monitors", "Supplies are covered if criteria (a) - (c) below are met.",
             "(c) below are met.", "Copyrighted 2025 material is used with permission."]
    assert read_payer(prose) is None
    notice = ["Knee Surgery", *BODY, "It is the policy of health plans affiliated with Harbor Pharmacy SolutionsTM "
              "that knee surgery is medically necessary."]
    assert read_payer(notice) == "Harbor Pharmacy Solutions"
    assert read_payer(["Knee Surgery", *BODY, "© 2025 Harbor Health Plan, Inc. All rights reserved."]) \
        == "Harbor Health Plan"
    assert read_payer(["Knee Surgery", *BODY, "© CPT Only – American Medical Association"]) is None


def test_a_payer_named_in_the_documents_own_approval_notice():
    lines = ["Knee Surgery", *BODY, *["Background text."] * 50,
             "This Medical Coverage Guideline (MCG) was approved by the Aetna Clinical Policy Council."]
    assert read_payer(lines) == "Aetna"
    # an approval by someone else is not the payer's
    assert read_payer(["Knee Surgery", *BODY, "The device was approved by the FDA in 2019."]) is None


def test_a_payer_the_document_names_far_more_than_any_other():
    lines = ["Knee Surgery", *BODY, *["Background text."] * 50, "Related Aetna policies: hip surgery.",
             "See the Aetna site for forms.", "Members of Aetna Better Health plans may differ."]
    assert read_payer(lines) == "Aetna"
    cited = [*lines[:-2], "A vendor, Cigna Healthcare, reviews requests.", "Cigna Healthcare may ask for notes."]
    assert read_payer(cited) is None  # two payers named as often: neither is read


def test_publish_date_and_policy_number_reach_the_extracted_policy():
    text = "\n".join(["Harbor Clinical Guideline: Knee Surgery (Adults) (HC-114, Ver. 3)", "",
                      "Document #: HC-114 Publish Date: 09/10/2025", "", *BODY]) + "\n"
    policy = extract_bytes(text.encode(), "harbor.txt")
    assert policy.policy_id == "HC-114" and policy.dates.effective == "2025-09-10"


def _pdf_lines(rows):
    """Lines as the PDF reader gives them: (text, size, bold) on page 1."""
    from policydiff.extractor.types import Line

    return [Line(text, n, 1, size=size, bold=bold) for n, (text, size, bold) in enumerate(rows, start=1)]


def test_a_plain_text_title_stands_against_the_front_matter():
    from policydiff.extractor.metadata import title_from_layout
    from policydiff.extractor.types import Line

    def lines(*texts):
        return [Line(t, n) for n, t in enumerate(texts, start=1)]

    assert title_from_layout(lines("-->", "Knee Arthroscopy", "Clinical Policy Bulletins", "Print", "Number: 0715",
                                   "Policy", "Scope of Policy")) == "Knee Arthroscopy"
    assert title_from_layout(lines("Medical Policy", "Arthroscopic Surgery of the Knee for Adults and", "Adolescents",
                                   "Policy Number: HX-114", "Effective Date: May 1, 2025")) \
        == "Arthroscopic Surgery of the Knee for Adults and Adolescents"
    assert title_from_layout(lines("Harbor Clinical Policy", "Knee Surgery: Policy No. 051",
                                   "Last Approval: 02/12/2025")) == "Knee Surgery"
    # a sentence, a web address, a page header or the first line under a heading is never the title
    assert title_from_layout(lines("OVERVIEW", "Not applicable", "Effective Date: 01/01/2024")) is None
    assert title_from_layout(lines("(401) 555-0100   WWW.EXAMPLE.ORG", "Effective Date: 01/01/2024")) is None
    assert title_from_layout(lines("The Standard Documentation Article, located at the bottom of",
                                   "Medical Policy", "Coverage Indications")) is None
    assert title_from_layout(lines("Knee Surgery (Arthroscopic) Page 1 of 40", "Effective Date: 01/01/2024")) is None


def test_a_title_in_large_type_is_never_cut_short_nor_read_with_the_list_after_it():
    from policydiff.extractor.metadata import title_from_layout

    rows = _pdf_lines([("Drug Coverage Policy", 16, True), ("Effective Date ........03/15/2026", 10, True),
                       ("Joint Conditions – Kneeva", 20, True),
                       ("Intravenous Prior Authorization Policy • Kneeva® (kneevamab infusion)", 20, False),
                       ("INSTRUCTIONS FOR USE", 10, True), ("The following policy applies to plans.", 10, False)])
    assert title_from_layout(rows) == "Joint Conditions – Kneeva Intravenous Prior Authorization Policy"
    layered = _pdf_lines([("Local Coverage Determination (LCD)", 11, False),
                          ("Knee Care Knee Care Knee Care", 25, True), ("L99999", 12, False),
                          ("Links in PDF documents are not guaranteed.", 12, False)])
    assert title_from_layout(layered) == "Knee Care"
    numbered = _pdf_lines([("HX-SURG-83 Knee Surgery for Adults", 14, True), ("Clinical UM Guideline", 10, False),
                           ("Body text of the guideline here.", 10, False)])
    assert title_from_layout(numbered) == "Knee Surgery for Adults"


def test_a_labelled_title_stops_at_the_status_lines_of_a_determination():
    lines = ["LCD Information", "LCD ID", "L99999", "LCD Title", "Knee Nerve Stimulation for the Treatment of Pain",
             "Proposed LCD in Comment Period", "N/A", "Source Proposed LCD", "DL99999", *BODY]
    assert read_title(lines) == "Knee Nerve Stimulation for the Treatment of Pain"
    # a list item naming a "Title" of a law is not the policy's title
    assert read_title(["• Title XVIII of the Social Security Act, 1862(a)(1)(A) states that no payment", *BODY],
                      "Billing and Coding: Knee Care") == "Billing and Coding: Knee Care"


def test_a_table_of_contractors_names_no_payer():
    rows = ["Local Coverage Determination (LCD)", "Knee Braces", "Contractor Information",
            "Contractor Name    Type    Number    Jurisdiction", "CGS    DME    17013    J-B",
            "CGS    DME    18003    J-C",
            "Noridian    DME    16013    J-A", "Noridian    DME    19003    J-D", *BODY, "CGS and Noridian publish it.",
            "Contact CGS or Noridian."]
    assert read_payer(rows) is None  # each contractor publishes it: none is the document's payer
    assert read_payer(rows[:5] + BODY) == "CGS Administrators"  # one contractor alone is the payer
