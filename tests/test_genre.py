"""The genre, stage by stage, on fictional policies in the project's own words.

Each test states one rule an analyst could state without naming a payer: how
sections get their roles, where indications start in the layouts payers use,
how nesting is read when a PDF has lost its bullets, and how lead-ins combine
criteria. Threshold phrasings are in test_thresholds.py, metadata in
test_codes_dates.py.
"""
from __future__ import annotations

import json
from pathlib import Path

from fpdf import FPDF

from policydiff.extractor import extract, extract_bytes
from policydiff.normalized.schema import Group, iter_thresholds, to_json

from .conftest import run_cli


def text_policy(body: str, name: str = "policy.txt"):
    return extract_bytes(body.encode("utf-8"), name)


def labels(policy) -> list[str]:
    return [i.label for i in policy.indications]


def limits(indication) -> set[tuple]:
    return {(t.measure, t.op, t.value) for t, _, _ in iter_thresholds(indication.criteria)}


# -- 1. section roles ------------------------------------------------------------------------------------------------

ROLES = """\
Harbor Point Health Plan
Policy Number: HP-220
Title: Gadget Therapy

COVERAGE RATIONALE

Gadget therapy is proven and medically necessary when all of the following criteria are met:
1. The member is 21 years of age or older; and
2. Symptoms have lasted at least 6 months.

UNPROVEN

Gadget therapy is unproven and not medically necessary for children.

CLINICAL EVIDENCE

In a trial, gadget therapy was considered medically necessary when patients were 40 years of age or older.

REFERENCES

1. Doe J. Gadgets in practice. 2021;12:34-56.
"""


def test_sections_get_roles_from_heading_words_and_only_coverage_yields_indications():
    policy = text_policy(ROLES)
    roles = {s.heading: s.role for s in policy.sections}
    assert roles["COVERAGE RATIONALE"] == "coverage" and roles["UNPROVEN"] == "not_covered"
    assert roles["CLINICAL EVIDENCE"] == "evidence" and roles["REFERENCES"] == "references"
    assert len(policy.indications) == 1
    assert limits(policy.indications[0]) == {("age", ">=", 21), ("symptom_duration", ">=", 6)}
    assert [e.status for e in policy.exclusions] == ["investigational"]  # "unproven" is the document's word
    assert all(policy.sections[i.section].role == "coverage" for i in policy.indications)


def test_section_roles_are_shown_in_json_and_markdown(tmp_path: Path):
    path = tmp_path / "harbor.txt"
    path.write_text(ROLES)
    data = json.loads(run_cli("extract", str(path), "--format", "json").stdout)
    assert {"heading": "UNPROVEN", "role": "not_covered", "pages": None} in data["sections"]
    markdown = run_cli("extract", str(path), "--format", "md").stdout
    assert "CLINICAL EVIDENCE" in markdown and "evidence" in markdown


def test_a_heading_whose_meaning_depends_on_its_text_reads_the_text():
    background = text_policy("POLICY\n\nThis policy explains how benefits are administered.\n\n"
                             "CRITERIA\n\nGadget therapy is covered when the member is 30 years of age or older.\n")
    assert [s.role for s in background.sections] == ["background", "coverage"]
    assert labels(background) == ["Gadget therapy"]


# -- 2. where indications start --------------------------------------------------------------------------------------

def test_a_sentence_lead_in_names_its_population():
    policy = text_policy(
        "COVERAGE CRITERIA\n\n"
        "In adults age 18 years or older, gadget therapy is proven and medically necessary when all of the "
        "following criteria are met:\n"
        "1. Body mass index of 35 kg/m2 or greater; and\n"
        "2. Failure of supervised exercise for at least 6 months.\n\n"
        "In adolescents age 12 to 17 years, gadget therapy is proven and medically necessary when all of the "
        "following criteria are met:\n"
        "1. Body mass index of 40 kg/m2 or greater; and\n"
        "2. Completion of a family consultation.\n")
    assert labels(policy) == ["Gadget therapy in adults", "Gadget therapy in adolescents"]
    adults, adolescents = policy.indications
    assert ("bmi", ">=", 35) in limits(adults) and ("age", ">=", 18) in limits(adults)
    assert ("age", "between", (12, 17)) in limits(adolescents)


def test_lettered_conditions_with_initial_and_renewal_blocks():
    policy = text_policy(
        "CRITERIA\n\n"
        "A. Chronic Widget Syndrome\n"
        "1. Initial Authorization\n"
        "a. Approval is based on all of the following criteria:\n"
        "(1) Patient is 12 years of age or older; and\n"
        "(2) At least two flares in the previous 12 months.\n"
        "Authorization will be issued for 6 months.\n"
        "2. Reauthorization\n"
        "a. Documentation of a positive clinical response.\n"
        "Authorization will be issued for 12 months.\n")
    assert labels(policy) == ["Chronic Widget Syndrome", "Chronic Widget Syndrome (continuation)"]
    initial, renewal = policy.indications
    assert ("approval_duration", "=", 6) in limits(initial) and ("exacerbations", ">=", 2) in limits(initial)
    assert ("approval_duration", "=", 12) in limits(renewal)


def test_a_test_catalogue_names_each_condition_with_its_test():
    policy = text_policy(
        "DESCRIPTION:\nThese assays measure tumor DNA in blood.\n\n"
        "Clearview Panel  0901U  The Clearview Panel is a tumor-informed assay.\n\n"
        "INDICATIONS:\n\n"
        "Lung Cancer:\n"
        "• Stage II-III lung cancer after surgery\n\n"
        "Bladder Cancer\n"
        "• Stage III bladder cancer in the adjuvant setting\n\n"
        "Brightline Assay  0902U\n\n"
        "INDICATIONS:\n"
        "The Brightline Assay is considered medically necessary for members with:\n\n"
        "Colon Cancer:\n"
        "• Stage IV colon cancer\n\n"
        "EXCLUSIONS:\nAll other assays are considered unproven.\n")
    assert labels(policy) == ["Lung Cancer (Clearview Panel)", "Bladder Cancer (Clearview Panel)",
                              "Colon Cancer (Brightline Assay)"]
    assert limits(policy.indications[0]) == {("stage", "between", ("II", "III"))}
    assert policy.indications[0].codes == ("0901U",)


def test_drug_form_diagnosis_blocks_split_when_each_diagnosis_has_its_own_criteria():
    policy = text_policy(
        "PRIOR-APPROVAL REQUIREMENTS\n\n"
        "Age 18 years of age or older\n\n"
        "Diagnosis\n"
        "Patient must have ONE of the following:\n"
        "1. Relapsed widget lymphoma\n"
        "a. Received at least 2 prior lines of therapy\n"
        "2. Refractory gizmo leukemia\n"
        "a. Received at least 3 prior lines of therapy\n"
        "AND ALL of the following for ALL diagnoses:\n"
        "a. No active infection\n")
    assert labels(policy) == ["Relapsed widget lymphoma", "Refractory gizmo leukemia"]
    lymphoma, leukemia = policy.indications
    assert ("prior_therapy_lines", ">=", 2) in limits(lymphoma) and ("age", ">=", 18) in limits(lymphoma)
    assert ("prior_therapy_lines", ">=", 3) in limits(leukemia)


def test_markdown_headings_name_indications():
    policy = extract_bytes(
        b"# Brightwater Health: Gizmo Implants\n\nPolicy ID: BW-77\n\n## Coverage Criteria\n\n"
        b"### Severe Widget Apnea\n\nGizmo implants are covered when all of the following are met:\n\n"
        b"1. AHI of 15 to 65 events per hour\n2. BMI below 35 kg/m2\n", "gizmo.md")
    assert policy.title == "Gizmo Implants" and policy.payer == "Brightwater Health"
    assert labels(policy) == ["Severe Widget Apnea"]
    assert limits(policy.indications[0]) == {("ahi", "between", (15, 65)), ("bmi", "<", 35)}


# -- 3. nesting and logic --------------------------------------------------------------------------------------------

def _pdf(rows: list[tuple[float, str, bool]]) -> bytes:
    """A one-page PDF whose list items carry no glyphs at all: only their x positions say how they nest."""
    pdf = FPDF(format="letter")
    pdf.add_page()
    pdf.set_margins(20, 20, 20)
    for indent, text, bold in rows:
        pdf.set_font("helvetica", "B" if bold else "", 12 if bold else 10)
        pdf.set_x(20 + indent)
        pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


def test_pdf_nesting_comes_from_x_positions_when_bullets_are_lost():
    policy = extract_bytes(_pdf([
        (0, "Coverage Criteria", True),
        (0, "Gadget therapy is medically necessary when all of the following are met:", False),
        (8, "Patient is 18 years of age or older", False),
        (8, "One of the following:", False),
        (16, "Pain score of 7 or more", False),
        (16, "Failure of at least 2 prior treatments", False),
        (8, "Prescribed by a specialist", False),
    ]), "lost-bullets.pdf")
    group = policy.indications[0].criteria
    assert group.logic == "all" and len(group.items) == 3
    inner = group.items[1]
    assert isinstance(inner, Group) and inner.logic == "any" and len(inner.items) == 2


def test_logic_words():
    policy = text_policy(
        "CRITERIA\n\n"
        "Gadget therapy is medically necessary when all of the following are met:\n"
        "1. Either a pain score of 7 or more or a disability index of 40 or more;\n"
        "2. Two of the following:\n"
        "a. Night pain\n"
        "b. Morning stiffness\n"
        "c. Swelling\n"
        "3. Patient is not receiving gizmo therapy in combination with either of the following:\n"
        "a. Widgetol\n"
        "b. Gadgetmab\n"
        "4. At least 6 months of physical therapy\n")
    group = policy.indications[0].criteria
    assert group.logic == "all"
    two_of = next(i for i in group.items if isinstance(i, Group) and i.min)
    assert two_of.logic == "any" and two_of.min == 2
    negated = next(i for i in group.items if isinstance(i, Group) and "combination" in i.text)
    assert negated.logic == "all" and all(c.negated for c in negated.items)  # none of them
    assert ("treatment_duration", ">=", 6) in limits(policy.indications[0])  # a duration, never "any of 6"
    assert not any(isinstance(i, Group) and i.min == 6 for i in group.items)


def test_connector_lines_between_items():
    policy = text_policy(
        "CRITERIA\n\nGadget therapy is medically necessary for the following:\n"
        "1. Pain score of 8 or more\n-OR-\n2. Disability index of 50 or more\n")
    assert policy.indications[0].criteria.logic == "any"


def test_every_output_validates_and_repeats_byte_for_byte():
    policy = text_policy(ROLES)
    assert to_json(policy) == to_json(text_policy(ROLES))
