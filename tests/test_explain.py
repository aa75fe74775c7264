"""`extract --explain` answers an analyst's three questions about any line, on a fictional policy, through
the command line: why was this line a heading, why did "28 days" become a threshold, and why is this line
not an indication."""
from __future__ import annotations

import json

from .conftest import run_cli

POLICY = """Bayside Community Health Plan
Policy Number: BCH-310
Title: Outpatient Wound Therapy

PURPOSE
This policy says when Bayside pays for negative pressure wound therapy.

COVERAGE CRITERIA
Negative pressure wound therapy is medically necessary when all of the following are met:
1. The wound has not healed after at least 28 days of standard care; and
2. The member is 18 years of age or older.

The wound clinic keeps a log of every dressing change.

REFERENCES
1. Wound Care Society. Guideline. 2024.
"""


def explained(tmp_path) -> dict:
    path = tmp_path / "bayside__wound-therapy__2025-01-01.txt"
    path.write_text(POLICY, encoding="utf-8")
    proc = run_cli("extract", str(path), "--explain", "--format", "json", check_codes=(0,))
    return {line["text"]: line["decisions"] for line in json.loads(proc.stdout)["lines"]}


def test_why_this_line_is_a_heading(tmp_path):
    lines = explained(tmp_path)
    layout = [d for d in lines["COVERAGE CRITERIA"] if d["stage"] == "layout"]
    section = [d for d in lines["COVERAGE CRITERIA"] if d["stage"] == "section"]
    assert layout == [{"stage": "layout", "decision": "heading", "rule": "known_heading_words"}]
    assert section[0]["decision"].endswith(": coverage") and section[0]["rule"] == "heading_words"


def test_why_28_days_became_a_threshold(tmp_path):
    lines = explained(tmp_path)
    [limit] = [d for d in lines["1. The wound has not healed after at least 28 days of standard care; and"]
               if d["stage"] == "threshold"]
    assert "28 days" in limit["decision"] and limit["rule"].startswith("grammar ") and "naming " in limit["rule"]


def test_why_this_line_is_not_an_indication(tmp_path):
    lines = explained(tmp_path)
    bucket = [d for d in lines["The wound clinic keeps a log of every dressing change."] if d["stage"] == "bucket"]
    assert bucket == [{"stage": "bucket", "decision": "unread", "rule": "outside every indication's criteria"}]
    purpose = lines["This policy says when Bayside pays for negative pressure wound therapy."]
    assert purpose == []  # a background section is never read for criteria: its heading's decision says so
    assert any(d["decision"].endswith(": background") for d in lines["PURPOSE"])


def test_explain_as_text_names_the_strategy_and_the_logic(tmp_path):
    path = tmp_path / "bayside__wound-therapy__2025-01-01.txt"
    path.write_text(POLICY, encoding="utf-8")
    text = run_cli("extract", str(path), "--explain", check_codes=(0,)).stdout
    assert "[strategy " in text and "all of 2 item(s)  [lead_in_cue]" in text
    assert text.splitlines()[0].endswith("read 4 of 5 coverage lines; 1 unread: l13")  # named in the first line
