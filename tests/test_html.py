"""HTML input: a policy published as a web page is read through a real parser, with its structure kept.

The fixture (tests/fixtures/html/) is a fictional payer's page in the project's own words, with the
furniture real pages carry: a site banner, navigation, a search form, scripts, styles, a hidden icon, a
template, a broken tag and character references.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from policydiff.extractor import extract, extract_bytes
from policydiff.extractor.read import looks_like_html, read_bytes, read_document
from policydiff.extractor.sections import heading_call, split_sections
from policydiff.normalized.schema import iter_criteria, to_json

from .conftest import run_cli

PAGE = Path(__file__).parent / "fixtures" / "html" / "bayside__knee-arthroscopy__2025-04-01.html"
MARKERS = ("SCRIPT-MARKER", "STYLE-MARKER", "NOSCRIPT-MARKER", "NAV-MARKER", "CHROME-MARKER", "SEARCH-MARKER",
           "HIDDEN-MARKER", "TEMPLATE-MARKER", "FOOTER-MARKER", "trackPage", "font-family")
"""Words that stand only in the page's scripts, styles, chrome and hidden parts."""


@pytest.fixture(scope="module")
def page():
    return read_document(PAGE)


@pytest.fixture(scope="module")
def policy():
    return extract(PAGE)


def _texts(doc) -> list[str]:
    return [ln.text for ln in doc.lines]


def test_a_page_is_read_as_html_by_its_content(page):
    assert page.format == "html" and page.layout == "html"
    same = read_bytes(PAGE.read_bytes(), "saved-page.txt")  # the name does not decide
    assert same.format == "html" and _texts(same) == _texts(page)
    fragment = b"<h2>Coverage</h2>\n<p>Covered when <b>all</b> of these are met:</p>\n<ul><li>Age 18 or older</li>" \
               b"<li>BMI of 40 or more</li></ul>\n"
    assert read_bytes(fragment, "fragment.txt").format == "html"  # no <html>, but markup throughout


def test_a_text_capture_quoting_a_few_tags_stays_text():
    capture = ("Coverage Criteria The test is covered when the tumor is <i>EGFR</i> positive. " * 40).encode()
    assert read_bytes(capture, "capture.txt").format == "text"
    assert not looks_like_html("BMI <35 and age >18 are not <b>limits</b> of this plan's policy, in prose.")


def test_scripts_styles_and_page_chrome_never_appear(page, policy):
    everything = "\n".join(_texts(page)) + to_json(policy)
    for marker in MARKERS:
        assert marker not in everything, marker
    assert "Bayside home" not in everything and "Find a doctor" not in everything


def test_headings_are_markup_headings_and_become_sections_with_roles(page, policy):
    headings = [ln for ln in page.lines if ln.heading]
    assert [ln.text for ln in headings] == ["Knee Arthroscopy & Meniscal Repair", "Purpose", "Coverage Criteria",
                                            "Indications Table", "Exclusions", "Coding", "References"]
    assert {heading_call(ln, None, page.layout).rule for ln in headings} == {"markup_heading"}
    roles = {s.heading: s.role for s in policy.sections}
    assert roles["Coverage Criteria"] == "coverage"
    assert roles["Exclusions"] == "not_covered"
    assert roles["Coding"] == "coding"
    assert roles["References"] == "references"
    # a heading the vocabulary does not know is still a heading: a sub-heading inside the coverage section
    coverage = next(s for s in split_sections(list(page.lines), page.layout) if s.heading == "Coverage Criteria")
    assert [ln.text for ln in coverage.lines if ln.heading] == ["Indications Table"]


def test_the_title_is_the_pages_first_heading_and_the_fields_are_read(policy):
    assert policy.title == "Knee Arthroscopy & Meniscal Repair"
    assert policy.policy_id == "BHA-ORTHO-0112"
    assert policy.dates.effective == "2025-04-01" and policy.dates.reviewed == "2025-02-14"
    assert policy.payer == "Bayside Health Plan"
    assert policy.document.format == "html"


def test_lists_keep_their_markers_and_nest(page, policy):
    by_text = {ln.text: ln for ln in page.lines}
    outer = by_text["2. One of the following:"]
    inner = by_text["a. Knee pain for at least 3 months despite treatment"]
    assert by_text["b. Locking episodes more than 2 per week"].indent == inner.indent > outer.indent
    assert "• Symptoms have lasted 6 months or longer;" in by_text
    repair = next(i for i in policy.indications if i.label == "Arthroscopic meniscal repair")
    assert repair.criteria.logic == "all"
    nested = [c for c in repair.criteria.items if getattr(c, "logic", None) == "any"]
    assert len(nested) == 1 and len(nested[0].items) == 2
    assert {t.measure for c in nested[0].items for t in c.thresholds} == {"symptom_duration", "locking_episodes"}


def test_table_cells_keep_their_row_and_column_and_the_header_row_is_marked(page):
    by_text = {ln.text: ln for ln in page.lines}
    assert by_text["Code    Description"].bold  # the header row: all <th>
    assert by_text["Indication    Criteria"].bold  # the header row: <thead>
    # under a header row, each cell is read on its own with its row and column, as a ruled PDF table's are
    code, description = by_text["29880"], by_text["Arthroscopy, knee, with meniscectomy"]
    assert code.cell is not None and description.cell == (*code.cell[:2], 1) and code.bold is None
    assert by_text["Indication    Criteria"].table_header
    # a row whose cell holds a list is read cell by cell, so the list keeps its structure
    texts = _texts(page)
    start = texts.index("Synovectomy")
    assert texts[start + 1:start + 4] == ["All of the following:", "• Synovitis for at least 3 months; and",
                                          "• No response to at least 2 joint injections."]


def test_character_references_are_unescaped_exactly_once(page, policy):
    texts = _texts(page)
    assert "Knee Arthroscopy & Meniscal Repair" in texts  # "&amp;" is "&"
    assert any("about the &amp; sign" in t for t in texts)  # "&amp;amp;" is "&amp;", not "&"
    assert any("“mechanical symptoms”" in t for t in texts)
    assert any("physical therapy & activity change" in c.text for i in policy.indications for c in _leaves(i.criteria))


def test_a_broken_tag_loses_no_text(page):
    assert "Unclosed paragraph with bold and italic words about the &amp; sign." in _texts(page)


def _leaves(node):
    children = getattr(node, "items", ())
    if not children:
        yield node
    for child in children:
        yield from _leaves(child)


def _source_words(raw: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]*>", " ", raw)))


def test_every_line_points_at_its_source_line(page, policy):
    source = PAGE.read_text(encoding="utf-8").splitlines()
    for ln in page.lines:
        words = re.sub(r"^(?:•|[0-9a-z]+\.)\s+", "", ln.text).split()
        assert words[0] in _source_words(source[ln.line - 1]), (ln.line, ln.text)
    for indication in policy.indications:
        for leaf in _leaves(indication.criteria):
            if leaf.source is not None:
                first = leaf.text.split()[0]
                assert first in _source_words(source[leaf.source.line - 1]), (leaf.source, leaf.text)


def test_a_hidden_part_of_the_page_with_text_is_left_out_with_a_warning():
    body = ("<html><body><h1>Sample Policy</h1><p>Shown text.</p>\n<div hidden><p>" + "collapsed words " * 15
            + "</p></div></body></html>").encode()
    doc = read_bytes(body, "hidden.html")
    assert "collapsed" not in " ".join(_texts(doc))
    assert len(doc.warnings) == 1 and "hidden part(s) of the page were left out (30 words, at line(s) 2)" \
        in doc.warnings[0]
    assert not read_bytes(b"<html><body><p>x</p><i aria-hidden='true'>icon</i></body></html>", "i.html").warnings


def test_ordered_list_types_and_starts_give_the_markers():
    body = b"""<html><body><p>Lead-in of the following:</p>
<ol type="A" start="3"><li>third</li><li>fourth<ol style="list-style-type: lower-roman"><li>one</li><li>two</li>
<li value="9">nine</li></ol></li></ol></body></html>"""
    assert _texts(read_bytes(body, "x.html"))[1:] == ["C. third", "D. fourth", "i. one", "ii. two", "ix. nine"]


def test_line_breaks_and_paragraphs():
    doc = read_bytes(b"<html><body><p>one<br>two<br><br>three</p><p>four</p></body></html>", "x.html")
    assert [(ln.text, ln.blank_before) for ln in doc.lines] == [("one", True), ("two", False), ("three", True),
                                                               ("four", True)]


def test_an_html_policy_extracts_like_its_markdown_twin():
    md = b"# Sample Plan Policy\n\n## Coverage\n\nThe service is medically necessary when all of the following " \
         b"are met:\n\n- Age 18 years or older;\n- BMI of 40 or more.\n"
    page = b"<!doctype html><html><body><h1>Sample Plan Policy</h1><h2>Coverage</h2><p>The service is medically " \
           b"necessary when all of the following are met:</p><ul><li>Age 18 years or older;</li>" \
           b"<li>BMI of 40 or more.</li></ul></body></html>"
    a, b = extract_bytes(md, "twin.md"), extract_bytes(page, "twin.html")
    assert a.title == b.title == "Sample Plan Policy"
    assert [s.role for s in a.sections] == [s.role for s in b.sections]
    assert [(i.label, [t.measure for c in _leaves(i.criteria) for t in c.thresholds]) for i in a.indications] == \
        [(i.label, [t.measure for c in _leaves(i.criteria) for t in c.thresholds]) for i in b.indications]
    assert b.indications


def _bad(path: Path) -> str:
    proc = run_cli("extract", str(path), check_codes=(2,))
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


def test_what_cannot_be_read_is_one_line_and_exit_2(tmp_path):
    cases = {
        "words.html": (b"Just a paragraph of policy words, saved with the wrong name.\n", "holds no HTML markup"),
        "chrome.html": (b"<html><head><script>var a = 1;</script></head><body><nav><a href='/'>Home</a></nav>"
                        b"</body></html>", "no text in the HTML page"),
        "empty.html": (b"  \n", "file is empty"),
        "noise.html": (bytes(range(256)) * 40, "binary data"),
        "deep.html": (b"<html><body>" + b"<div>" * 300 + b"text", "the HTML parser stopped at line 1"),
    }
    for name, (data, reason) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        message = _bad(path)
        assert message.startswith(f"{path}: ") or message.startswith(f"{name}: ") or name in message, message
        assert reason in message, message


def test_an_indication_table_on_a_page_names_one_indication_per_row(policy):
    """"Indication | Criteria" under named columns: each row's first cell names an indication, and the
    other cells are its criteria; the header row names none."""
    names = [i.label for i in policy.indications]
    assert "Loose body removal" in names and "Synovectomy" in names and "Indication" not in names
    synovectomy = next(i for i in policy.indications if i.label == "Synovectomy")
    texts = [getattr(c, "text", "") for c, _ in iter_criteria(synovectomy.criteria)]
    assert "Synovitis for at least 3 months" in " ".join(texts)
    assert policy.accounting.read_lines == policy.accounting.coverage_lines
