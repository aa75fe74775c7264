"""Outline building: enumeration styles, depth, wrapped lines, blank lines inside items."""
from policydiff.extractor import furniture
from policydiff.extractor.outline import build_outline, parse_marker
from policydiff.extractor.read.text import text_lines
from policydiff.extractor.sections import split_sections
from policydiff.extractor.types import Document


def build_sections(lines):
    """Sections with their outlines, as the extractor builds them from text."""
    lines = list(furniture.clean(Document("t.txt", "text", "", tuple(lines))).kept)
    sections = split_sections(lines, "plain")
    return [(s, build_outline(s.lines, "plain", lines)) for s in sections]


def tree(text):
    sections = build_sections(text_lines(text))
    crit = [nodes for s, nodes in sections if s.role == "coverage"]
    assert crit, [s.role for s, _ in sections]

    def walk(nodes):
        return [(n.marker, n.text, walk(n.children)) if n.children else (n.marker, n.text) for n in nodes]
    return walk(crit[0])


def test_styles_nest_and_close():
    text = """Policy:
I. First indication: all of the following:
A. Alpha; and
B. Beta:
1. One; or
2. Two
II. Second indication
A. Gamma
"""
    assert tree(text) == [
        ("I", "First indication: all of the following:", [
            ("A", "Alpha;"), ("B", "Beta:", [("1", "One;"), ("2", "Two")])]),
        ("II", "Second indication", [("A", "Gamma")]),
    ]


def test_hard_wraps_and_blank_lines_inside_items_are_joined():
    text = """CRITERIA:
A. Presence of isolated liver disease (members with nodal disease are

not considered candidates); and

B. Preoperative imaging indicates all tumors will be destroyed by cryosurgery or
cryoablation; and
"""
    nodes = tree(text)
    assert nodes[0][1] == "Presence of isolated liver disease (members with nodal disease are not considered candidates);"
    assert nodes[1][1] == "Preoperative imaging indicates all tumors will be destroyed by cryosurgery or cryoablation;"


def test_markdown_artefacts_and_dash_roman_markers():
    text = """Medical Necessity:
- I. Hepatocellular carcinoma (HCC):** The Company considers it **medically necessary**:
 - Each lesion ≤ 5 cm; and
 - Tumors accessible
- II. Neuroendocrine tumors:
 - Unresectable
"""
    nodes = tree(text)
    assert [n[0] for n in nodes] == ["I", "II"]
    assert nodes[0][1].startswith("Hepatocellular carcinoma (HCC): The Company")
    assert [c[1] for c in nodes[0][2]] == ["Each lesion ≤ 5 cm;", "Tumors accessible"]


def test_parenthesised_and_lower_roman_markers():
    text = """Criteria
(a) first:
(i) one
(ii) two
(b) second
"""
    nodes = tree(text)
    assert [n[0] for n in nodes] == ["a", "b"]
    assert [c[0] for c in nodes[0][2]] == ["i", "ii"]


def test_letter_i_after_h_is_a_letter_not_a_roman_numeral():
    stack = [("alpha-upper.", "H")]
    assert parse_marker("I. Ninth item", stack)[0] == "alpha-upper."
    assert parse_marker("I. First roman", [])[0] == "roman-upper."


def test_connector_on_its_own_line_joins_blocks():
    text = """Criteria:
A. First block
or
B. Second block
"""
    sections = build_sections(text_lines(text))
    crit = next(nodes for s, nodes in sections if s.role == "coverage")
    assert crit[0].connector == "or"


def test_running_headers_and_page_numbers_are_dropped():
    body = "\n".join(f"Policy:\nA. Item {i}\nPage {i} of 4\nAcme Health Medical Policy\n" for i in range(1, 5))
    lines = [ln.text for s, _ in build_sections(text_lines(body)) for ln in s.lines]
    assert not any("Acme Health Medical Policy" in t or t.startswith("Page") for t in lines)


def test_repeated_criteria_are_not_mistaken_for_headers():
    body = "\n".join("Criteria:\nAge 18 years of age or older\nA. Diagnosis X\n" for _ in range(4))
    lines = [ln.text for s, _ in build_sections(text_lines(body)) for ln in s.lines]
    assert lines.count("Age 18 years of age or older") == 4


def test_sections_are_classified():
    text = ("Acme Plan\nPURPOSE:\nWhy.\nCRITERIA:\nA. x\nEXCLUSIONS:\nB. y\nDEFINITIONS:\nZ\nCODING:\n47371 desc\n"
            "References\n1. ref\n")
    roles = [s.role for s, _ in build_sections(text_lines(text))]
    assert roles == ["other", "background", "coverage", "not_covered", "definitions", "coding", "references"]
