import pytest

from policydiff.extractor.codes import read_codes
from policydiff.extractor.metadata import read_dates, read_payer, read_policy_id, read_title
from policydiff.normalized.dates import parse_date


@pytest.mark.parametrize("text,expected", [
    ("07/12/2024", "2024-07-12"), ("7/1/24", "2024-07-01"), ("July 12, 2024", "2024-07-12"),
    ("Jul 12 2024", "2024-07-12"), ("12 July 2024", "2024-07-12"), ("2024-07-12", "2024-07-12"),
    ("Sept. 3, 2025", "2025-09-03"), ("02/30/2024", None),
])
def test_dates_in_common_formats(text, expected):
    assert parse_date(text) == expected


def test_labelled_dates():
    dates = read_dates(["Initial Effective Date: 09/23/2008", "Annual Review Date: 07/12/2024",
                        "Last Revised Date: 07/12/2024"])
    assert (dates.effective, dates.reviewed, dates.revised) == ("2008-09-23", "2024-07-12", "2024-07-12")


def test_current_effective_date_wins_over_original():
    dates = read_dates(["Section: Drugs Effective Date: July 1, 2024",
                        "Subsection: X Original Policy Date: February 20, 2015", "Last Review Date: June 13, 2024"])
    assert (dates.effective, dates.original, dates.reviewed) == ("2024-07-01", "2015-02-20", "2024-06-13")


def test_next_review_date_is_not_the_review_date():
    assert read_dates(["Next Review Date: 01/01/2027"]).reviewed is None


@pytest.mark.parametrize("lines,expected", [
    (["Policy: 200802"], "200802"), (["Policy Number: NW-SURG-114"], "NW-SURG-114"),
    (["5.21.054", "Section: Prescription Drugs"], "5.21.054"), (["Clinical Policy ID: CP.MP.239"], "CP.MP.239"),
    (["POLICY:", "Benefits must be available"], None),
])
def test_policy_ids(lines, expected):
    assert read_policy_id(lines) == expected


def test_title_and_payer():
    assert read_title(["SUBJECT: Cryoablation"]) == "Cryoablation"
    assert read_title(["Subject: Ibrance Page: 1 of 5"]) == "Ibrance"
    assert read_payer(["Acme Health Plan, Inc. complies with applicable Federal civil rights laws"]) == "Acme Health Plan"
    assert read_payer(["CPT codes copyright 2023 American Medical Association."]) is None


def test_fields_share_lines_and_spill_onto_the_next():
    lines = ["Document #: ZX-0042 Publish Date: 03/02/2026", "Status: Revised Last Review Date:", "02/14/2026",
             "REVIEW DATE: 01/05/2026; selected revision 01/20/2026, 02/03/2026,", "02/27/2026"]
    assert read_policy_id(lines) == "ZX-0042"
    dates = read_dates(lines)
    assert (dates.reviewed, dates.revised) == ("2026-02-14", "2026-02-27")  # a list of revisions: its latest


def test_value_on_the_line_below_its_label():
    lines = ["Local Determination", "Determination ID", "L98765", "Original Effective Date",
             "For services performed on or after 04/01/2024", "Revision Ending Date", "N/A"]
    assert read_policy_id(lines) == "L98765"
    assert read_dates(lines).effective == "2024-04-01"


@pytest.mark.parametrize("line,expected", [
    ("Program Number 2026 R 3301-07", "2026 R 3301-07"), ("Reference Number: QP.MP.77 Coding Implications", "QP.MP.77"),
    ("Phone Number: 1-800-555-0100", None), ("Subject: Widgets Page: 1 of 7", None),
])
def test_policy_numbers_by_shape(line, expected):
    assert read_policy_id([line]) == expected


def test_titles_run_on_over_lines_that_cannot_stand_alone():
    assert read_title(["Subject: Gene Panels for Solid Tumors (Liquid", "Biopsy)", "Policy Number: GP-9"]) \
        == "Gene Panels for Solid Tumors (Liquid Biopsy)"
    assert read_title(["Subject: Gadget Therapy and", "Related Devices", "", "Description"]) == "Gadget Therapy and Related Devices"
    assert read_title(["POLICY:", "Benefits must be available for covered services."]) is None


def test_one_name_per_payer():
    assert read_payer(["United HealthCare Services, Inc. complies with applicable civil rights laws"]) == "UnitedHealthcare"
    assert read_payer(["UnitedHealthcare Commercial Medical Policy"]) == "UnitedHealthcare"
    # a Blue plan's notice names the association it is licensed by; that is not the payer
    assert read_payer(["Medical Policy", "An independent licensee of the Blue Cross Blue Shield Association"]) is None


def test_codes_from_tables_sentences_and_prior_auth():
    coding = ["CPT®", "20983  Ablation therapy for bone tumors", "adjacent soft tissue", "47371 Laparoscopy, liver"]
    text = ["The Company considers cryoablation for HCC (CPT Codes 47371 and 47381) medically necessary",
            "Prior approval is required for CPT Codes 20983, 50250.", "Call 1-800-555-1212 or write to MN 55440"]
    codes = {c.code: c for c in read_codes(coding, text)}
    assert set(codes) == {"20983", "47371", "47381", "50250"}
    assert codes["20983"].description == "Ablation therapy for bone tumors adjacent soft tissue"
    assert codes["20983"].prior_auth and codes["50250"].prior_auth and not codes["47371"].prior_auth


def test_hcpcs_and_pla_codes():
    codes = {c.code: c.system for c in read_codes(["J0517 Injection, benralizumab", "0239U FoundationOne"], [])}
    assert codes == {"J0517": "HCPCS", "0239U": "CPT"}
