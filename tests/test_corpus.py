"""Every real document in ../shared/corpus, read once per session: valid output, no silent losses, and the
corpus figures of `policydiff check` as a ratchet (tests/corpus.py)."""
from __future__ import annotations

import json

import jsonschema
import pytest

from policydiff.normalized.schema import iter_thresholds, json_schema, to_json

from . import corpus
from .conftest import need_shared


@pytest.fixture(scope="module")
def policies():
    return corpus.policies(need_shared())


def test_corpus_is_present_in_ci(policies):
    assert len(policies) >= 110
    assert sum(p.document.format == "pdf" for p in policies.values()) >= 50


def test_no_corpus_figure_falls_below_its_floor(policies):
    floors = json.loads(corpus.FLOORS.read_text())
    current = {name: corpus.figures(p) for name, p in policies.items()}
    problems = corpus.shortfalls(current, floors)
    assert not problems, "\n".join(problems)


def test_every_corpus_document_has_a_floor(policies):
    floors = json.loads(corpus.FLOORS.read_text())
    assert set(policies) <= set(floors), sorted(set(policies) - set(floors))


def test_the_corpus_ratchet_only_moves_the_good_way():
    floors = {"a": {"share_read": 0.8, "unread_numbers": 5, "criteria_without_indication": False},
              "b": {"share_read": 0.5, "unread_numbers": 2, "criteria_without_indication": True}}
    now = {"a": {"share_read": 0.7, "unread_numbers": 3, "criteria_without_indication": True},
           "b": {"share_read": 0.9, "unread_numbers": 4, "criteria_without_indication": False}}
    up = corpus.raised(now, floors)
    assert up["a"] == {"share_read": 0.8, "unread_numbers": 3, "criteria_without_indication": False}
    assert up["b"] == {"share_read": 0.9, "unread_numbers": 2, "criteria_without_indication": False}
    assert corpus.shortfalls(now, floors) == [
        "a: read 0.700 of its coverage lines < floor 0.800",
        "a: reads like criteria but now yields no indication",
        "b: 4 unread numbers > ceiling 2"]


def test_every_corpus_document_validates_and_reads_indications_only_from_coverage(policies):
    schema = json_schema()
    for name, policy in policies.items():
        jsonschema.validate(json.loads(to_json(policy)), schema)
        roles = [s.role for s in policy.sections]
        for ind in policy.indications:
            assert ind.section is not None and roles[ind.section] == "coverage", (name, ind.label)
        for ind in policy.exclusions:
            assert ind.section is None or roles[ind.section] in ("coverage", "not_covered"), (name, ind.label)


def test_every_line_of_coverage_text_is_in_one_bucket(policies):
    for name, policy in policies.items():
        a = policy.accounting
        buckets = dict(a.buckets)
        assert sum(buckets.values()) == a.coverage_lines, name
        assert buckets.get("unread", 0) == len(a.unread) == a.coverage_lines - a.read_lines, name


def test_a_document_without_indications_states_its_kind_and_why(policies):
    """Payment policies, billing articles, drug lists and all-investigational statements rightly yield no
    indication; none may do so silently."""
    for name, policy in policies.items():
        if policy.indications:
            assert policy.kind == "medical_policy", name
            continue
        assert policy.kind != "medical_policy", name
        assert any(w.startswith("no indications found") or "yields no indication" in w for w in policy.warnings), \
            (name, policy.warnings)


def test_a_coverage_section_that_yields_nothing_or_leaves_much_unread_is_named_in_a_warning(policies):
    """If every coverage section left at most UNREAD_SHARE of its lines unread, so would the document: a
    document below that share has at least one section a warning names."""
    from policydiff.extractor.accounting import UNREAD_SHARE

    for name, policy in policies.items():
        a = policy.accounting
        if a.coverage_lines and a.share_read < 1 - UNREAD_SHARE:
            assert any("unread" in w for w in policy.warnings), (name, policy.warnings)
        if a.coverage_lines and not policy.indications:
            assert any("yields no indication" in w for w in policy.warnings), (name, policy.warnings)


@pytest.mark.parametrize("name", [
    "uhc__molecular-oncology-testing-solid-tumor__2026-01-01.txt",
    "molina__genetic-testing-051__2025-02-12.txt",
    "florida-blue__bevacizumab-09-j0000-66__2026-01-01.pdf",
    "bcbs-north-carolina__liquid-biopsy__captured-2026-02-05.txt",
    "bcbs-north-carolina__liquid-biopsy__captured-2026-03-22.txt",
    "medicare-lcd-noridian__peripheral-nerve-stimulation-l37360__2019-12-01.pdf",
])
def test_the_documents_once_read_silently_are_read_or_reported(policies, name):
    """The redesign issue's examples: every line is read, or reported unread with its page and line."""
    policy = policies[name]
    a = policy.accounting
    assert a.coverage_lines or a.criteria_like, name
    assert a.share_read == 1.0 or (a.unread and all(u.source.line for u in a.unread)), name
    assert a.complete or any("unread" in w or "no indication" in w for w in policy.warnings), policy.warnings


def test_the_stimulation_trial_limits_are_read_or_reported(policies):
    """L37360: "chronic and severe pain for at least 3 months" and "greater than or equal to 50% reduction"."""
    policy = policies["medicare-lcd-noridian__peripheral-nerve-stimulation-l37360__2019-12-01.pdf"]
    read = {(t.op, t.value) for i in policy.indications for t, _, _ in iter_thresholds(i.criteria)}
    reported = " ".join(u.text for u in (*policy.accounting.unread, *policy.accounting.unread_numbers))
    assert (">=", 3) in read or "at least 3 months" in reported
    assert (">=", 50) in read or "50% reduction" in reported
