"""The extractor's stages are pure: each returns new objects and never rewrites what an earlier stage made.

These are the review's checks (../shared/EXTRACTOR-DESIGN.md): frozen stage types, and the bugs that
rewriting caused.
"""
from __future__ import annotations

import dataclasses

import pytest

from policydiff.extractor import extract_bytes
from policydiff.extractor.types import Document, Line
from policydiff.extractor.read import read_bytes

LONG_TITLE = ("Harborview Community Health Plan Coverage of Percutaneous Tibial Nerve Stimulation for Overactive "
              "Bladder in Adults")


def test_a_long_markdown_title_survives_the_sections_stage():
    """A '#' title of more than 14 words is too long to be a section heading, so the sections stage reads it
    as text; the title reader must still see the layout's heading (it once saw the rewritten flag: null)."""
    body = (f"# {LONG_TITLE}\n\nPolicy Number: HV-204\n\n## Coverage\n\nPercutaneous tibial nerve stimulation is "
            "medically necessary when all of the following are met:\n\n- The member is 18 years of age or older;\n"
            "- Symptoms have persisted for at least 6 months.\n\n## References\n\n1. Someone et al.\n")
    policy = extract_bytes(body.encode(), "harborview.md")
    assert policy.title == LONG_TITLE
    assert policy.indications, policy.warnings


@pytest.mark.parametrize("kind", [Line, Document])
def test_reader_types_are_frozen(kind):
    assert dataclasses.is_dataclass(kind) and kind.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_extraction_leaves_the_read_document_as_it_was():
    body = b"Coverage\n\nThe service is medically necessary when all of the following are met:\n" \
           b"1. Age 18 years or older; and\n2. BMI of 40 or more.\n"
    doc = read_bytes(body, "policy.txt")
    before = [dataclasses.astuple(line) for line in doc.lines]
    from policydiff.extractor import extract_document

    extract_document(doc)
    assert [dataclasses.astuple(line) for line in doc.lines] == before


def test_list_markers_bullets_notes_and_connectors_are_defined_once():
    """The review found the list-marker pattern six times with different glyph sets: every stage now asks
    `extractor/markers.py`. No other extractor module compiles a pattern of bullets, roman numerals, note
    words or connector lines."""
    import ast
    from pathlib import Path

    import policydiff.extractor as package

    root = Path(package.__file__).parent
    signs = ("•", "note|notes", "ivxlc", "and|or|and/or", "\\uf0b7")
    for path in sorted(root.rglob("*.py")):
        if path.name == "markers.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "compile" and node.args:
                literal = " ".join(c.value for c in ast.walk(node.args[0])
                                   if isinstance(c, ast.Constant) and isinstance(c.value, str))
                assert not any(sign in literal for sign in signs), f"{path.name}:{node.lineno} defines a marker"
