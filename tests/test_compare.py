"""Cross-payer comparison: alignment, limits and roles, renderers, exit codes."""
import csv
import io
import json

import pytest

from policydiff.diffs.align import align
from policydiff.diffs.compare import compare
from policydiff.diffs.limits import stricter
from policydiff.extractor import extract
from policydiff.normalized.schema import Threshold, threshold_from_dict
from policydiff.render import compare as render_compare

from .browser import render_dom, screenshot
from .conftest import EXAMPLES, GOLDEN, check_golden, need_shared, run_cli

NW = EXAMPLES / "northwind__bariatric-surgery__2025-03-01.txt"
LAKE = EXAMPLES / "lakeshore-mutual__obesity-surgery__2025-06-15.md"


def T(op, value, unit="cm", measure="lesion_size"):
    return Threshold(measure, op, value, unit)


@pytest.mark.parametrize("a,b,expected", [
    (T("<=", 4), T("<=", 5), -1),
    (T("<=", 5), T("<=", 4), 1),
    (T("<", 8, "ng/mL", "psa"), T("<", 10, "ng/mL", "psa"), -1),
    (T(">=", 40, "kg/m2", "bmi"), T(">=", 35, "kg/m2", "bmi"), -1),
    (T("<", 8), T("<=", 8), -1),
    (T("<=", 4), T("<=", 4), 0),
    (T("<=", 4, "cm"), T("<=", 4, "%"), None),
    (T("<=", 4), T(">=", 2), None),
    (T("between", (13, 17), "years", "age"), T("between", (15, 17), "years", "age"), 1),
    (T("between", (13, 17), "years", "age"), T("between", (15, 19), "years", "age"), None),
    (T("<=", "T2b", None, "t_stage"), T("<=", "T3", None, "t_stage"), -1),
    (T("=", "IV", None, "stage"), T("=", "IV", None, "stage"), 0),
])
def test_stricter(a, b, expected):
    assert stricter(a, b) == expected


@pytest.fixture(scope="module")
def seeds():
    shared = need_shared()
    return [extract(shared / "seeds" / "medical-mutual__cryoablation__2024-07-12.txt"),
            extract(shared / "seeds" / "aspirus__cryoablation.txt")]


def test_seed_alignment_pairs_and_singletons(seeds):
    c = compare(seeds)
    pairs = {tuple(r.labels) for r in c.rows}
    assert ("Hepatocellular carcinoma (HCC)", "Hepatic lesions") in pairs
    assert ("Neuroendocrine tumors", "Hepatic metastases from neuroendocrine tumors") in pairs
    assert ("Renal cell carcinoma", "Renal mass or renal cell carcinoma") in pairs
    right_only = {r.labels[1] for r in c.rows if r.labels[0] is None}
    assert right_only == {"Endobronchial obstruction of malignant origin with central airway occlusion",
                          "Bone metastases from renal cell carcinoma", "Desmoid tumors (aggressive fibromatosis)"}
    hcc = next(r for r in c.rows if r.key == "hepatocellular-carcinoma")
    assert hcc.methods[1] == "synonym" and hcc.scores[1] == 0.9


def test_seed_psa_roles_say_more_than_8_vs_10(seeds):
    c = compare(seeds)
    prostate = next(r for r in c.rows if r.key == "prostate-cancer")
    psa = next(m for m in prostate.thresholds if m.measure == "psa")
    assert [v.value for v in psa.values] == [8, 10] and psa.strictest == (0,)
    assert psa.roles[0] == "one of 3 alternatives"
    assert psa.roles[1].startswith("required in one of 3 alternatives, together with life_expectancy > 10 years")
    life = next(m for m in prostate.thresholds if m.measure == "life_expectancy")
    assert life.values[0] is None and life.strictest == () and "not specified by #1" in life.verdict


def test_seed_compare_gold_scores_perfectly():
    import subprocess
    import sys
    shared = need_shared()
    from .conftest import policydiff_cmd
    proc = subprocess.run([sys.executable, str(shared / "tools" / "score.py"), "compare",
                           str(shared / "gold" / "compare__medical-mutual__vs__aspirus.json"), "--cmd",
                           " ".join(policydiff_cmd()), "--min", "1.0"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout


def test_seed_markdown_golden(seeds, update_golden):
    md = render_compare.render_markdown(compare(seeds, ["medical-mutual.txt", "aspirus.txt"]))
    assert "| lesion_size | ≤ 5 cm (required, together with lesion_count ≤ 3) | **≤ 4 cm" in md
    assert "| psa | **\\< 8 ng/mL (one of 3 alternatives)** | \\< 10 ng/mL (required in one of 3 alternatives, together with life_expectancy" in md
    check_golden(GOLDEN / "compare-cryoablation.md", md, update_golden)


@pytest.fixture(scope="module")
def examples():
    return compare([extract(NW), extract(LAKE)], [NW.name, LAKE.name])


def test_example_alignment_uses_the_vocabulary(examples):
    assert [tuple(r.labels) for r in examples.rows][:3] == [
        ("Clinically severe obesity in adults", "Morbid obesity"),
        ("Severe obesity in adolescents", "Adolescent obesity"),
        ("Revision of a prior bariatric procedure", "Revision surgery")]


def test_example_limits(examples):
    adult = examples.rows[0]
    age = next(m for m in adult.thresholds if m.measure == "age")
    assert [v.value for v in age.values] == [18, 21] and age.strictest == (1,)
    duration = next(m for m in adult.thresholds if m.measure == "treatment_duration")
    assert [v.value for v in duration.values] == [6, 3] and duration.strictest == (0,)


@pytest.mark.parametrize("fmt,name", [("md", "compare-examples.md"), ("csv", "compare-examples.csv"),
                                      ("json", "compare-examples.json")])
def test_example_goldens(examples, fmt, name, update_golden):
    render = {"md": render_compare.render_markdown, "csv": render_compare.render_csv, "json": render_compare.to_json}
    check_golden(GOLDEN / name, render[fmt](examples), update_golden)


def test_csv_is_one_row_per_indication_and_measure(examples):
    rows = list(csv.DictReader(io.StringIO(render_compare.render_csv(examples))))
    age = [r for r in rows if r["indication_key"] == "morbid-obesity" and r["measure"] == "age"]
    lake = "Lakeshore Mutual (LM-0457) #2"
    assert len(age) == 1 and (age[0][f"{lake} op"], age[0][f"{lake} value"], age[0][f"{lake} unit"]) == \
        ("≥", "21", "years")
    assert age[0]["strictest"] == lake


def test_csv_limits_are_op_value_and_unit_so_no_cell_of_ours_is_guarded():
    from policydiff.extractor import extract_bytes

    def term(months: int, name: str):
        return extract_bytes(f"COVERAGE CRITERIA\n\nGizmo therapy is medically necessary when all of the following "
                             f"are met:\n1. Age 18 years or older; and\n2. Failure of a widget.\n\nAuthorization "
                             f"will be issued for {months} months.\n".encode(), name)
    text = render_compare.render_csv(compare([term(12, "a.txt"), term(6, "b.txt")]))
    assert "'" not in text  # the formula guard is for document text only, and this one has none to guard
    rows = list(csv.DictReader(io.StringIO(text)))
    approval = next(r for r in rows if r["measure"] == "approval_duration")
    assert (approval["a.txt #1 op"], approval["a.txt #1 value"], approval["a.txt #1 unit"]) == ("=", "12", "months")


def test_compare_csv_of_one_payers_two_policies_names_each_policy(tmp_path):
    older = extract(NW)
    newer = extract(EXAMPLES / "northwind__bariatric-surgery__2026-03-01.txt")
    text = render_compare.render_csv(compare([older, newer]))
    header = next(csv.reader(io.StringIO(text)))
    assert len(header) == len(set(header)), [h for h in header if header.count(h) > 1]
    rows = list(csv.DictReader(io.StringIO(text)))
    duration = next(r for r in rows if r["measure"] == "treatment_duration")
    # both are Northwind's: the cell names the policy and its place, not the payer alone
    assert duration["strictest"] == "Northwind Health Plan (NW-SURG-114) #1"


def test_json_follows_the_contract(examples):
    data = json.loads(render_compare.to_json(examples))
    assert [p["payer"] for p in data["policies"]] == ["Northwind Health Plan", "Lakeshore Mutual"]
    row = data["rows"][0]
    assert set(row) >= {"key", "labels", "thresholds"}
    t = row["thresholds"][0]
    assert set(t) >= {"measure", "values", "strictest"} and len(t["values"]) == 2


def _hostile(tmp_path):
    text = NW.read_text().replace("Clinically severe obesity in adults",
                                  "Obesity <script>alert(1)</script> & <b>bold</b> =cmd|'/c calc'!A1")
    path = tmp_path / "hostile.txt"
    path.write_text(text)
    return path


def test_hostile_text_is_escaped_everywhere(tmp_path):
    c = compare([extract(_hostile(tmp_path)), extract(LAKE)])
    html = render_compare.render_html(c)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    md = render_compare.render_markdown(c)
    assert "<script>" not in md and "<b>" not in md
    from markdown_it import MarkdownIt
    assert "<script>" not in MarkdownIt("commonmark", {"html": False}).enable("table").render(md)
    for row in csv.reader(io.StringIO(render_compare.render_csv(c))):
        assert not any(cell.startswith("=") for cell in row)


@pytest.mark.chromium
def test_html_renders_in_chromium_with_highlighted_cells(tmp_path, examples):
    page = tmp_path / "compare.html"
    page.write_text(render_compare.render_html(examples), encoding="utf-8")
    dom = render_dom(page, tmp_path)
    assert '<table id="indications">' in dom and "Clinically severe obesity in adults" in dom
    assert dom.count('class="stricter"') >= 2
    png = screenshot(page, tmp_path)
    assert png.stat().st_size > 10_000


@pytest.mark.chromium
def test_hostile_html_does_not_run_script_in_chromium(tmp_path):
    page = tmp_path / "hostile.html"
    page.write_text(render_compare.render_html(compare([extract(_hostile(tmp_path)), extract(LAKE)])))
    dom = render_dom(page, tmp_path)
    assert "<script>" not in dom and "&lt;script&gt;" in dom


def test_cli_exit_codes_and_indication_filter(tmp_path):
    same = run_cli("compare", str(NW), str(NW), "--format", "json")
    assert same.returncode == 0
    differ = run_cli("compare", str(NW), str(LAKE), "--format", "json", "--indication", "adolescent")
    assert differ.returncode == 1
    rows = json.loads(differ.stdout)["rows"]
    assert [r["key"] for r in rows] == ["adolescent-obesity"]
    bad = run_cli("compare", str(NW), str(tmp_path / "missing.txt"), check_codes=(2,))
    assert "missing.txt: no such file" in bad.stderr
    usage = run_cli("compare", str(NW), check_codes=(2,))
    assert "at least two" in usage.stderr


def test_three_policies_and_stored_refs(tmp_path):
    store = str(tmp_path / "store")
    run_cli("--store", store, "add", str(NW), str(EXAMPLES / "northwind__bariatric-surgery__2026-03-01.txt"))
    out = run_cli("--store", store, "compare", "northwind-health-plan/nw-surg-114@~1",
                  "northwind-health-plan/nw-surg-114", str(LAKE), "--format", "json").stdout
    data = json.loads(out)
    assert len(data["policies"]) == 3
    adult = data["rows"][0]
    duration = next(t for t in adult["thresholds"] if t["measure"] == "treatment_duration")
    assert [v["value"] for v in duration["values"]] == [6, 3, 3] and duration["strictest"] == [0]


def test_low_confidence_matches_are_marked():
    a, b = extract(NW), extract(LAKE)
    matches = align(list(a.indications), list(b.indications), cutoff=0.0)
    assert all(m.method for m in matches if m.left is not None and m.right is not None)


# -- real documents: pairing by population and phase, roles and verdicts (issue 18) ------------------------------

@pytest.fixture(scope="module")
def bariatric_trio():
    corpus = need_shared() / "corpus"
    names = ["uhc__bariatric-surgery__2025-05-01.pdf", "anthem__bariatric-surgery-cg-surg-83__2025-07-25.pdf",
             "oscar__bariatric-surgery-adults-cg008-v10__2024-04-16.pdf"]
    policies = [extract(corpus / n) for n in names]
    return policies, compare(policies)


def _adult(ind) -> bool:
    """An indication for adults that sets a BMI floor: a primary bariatric block."""
    from policydiff.diffs.limits import placed_thresholds
    placed = placed_thresholds(ind)
    return any(p.threshold.measure == "bmi" for p in placed) and any(
        p.threshold.measure == "age" and p.mode == "required" and p.threshold.op == ">=" and p.threshold.value == 18
        for p in placed)


def test_bariatric_trio_one_adult_row_one_adolescent_row_and_the_reoperation_rows(bariatric_trio):
    policies, c = bariatric_trio
    adults = [[i.label for i in p.indications if _adult(i)] for p in policies]
    assert all(len(a) == 1 for a in adults), adults  # each payer has one primary adult block
    rows = [r for r in c.rows if any(r.labels[k] == adults[k][0] for k in range(3))]
    assert len(rows) == 1 and list(rows[0].labels) == [a[0] for a in adults]
    teen = [r for r in c.rows if r.labels[0] and "adolescent" in r.labels[0].lower()]
    assert len(teen) == 1 and teen[0].labels[1:] == (None, None)  # Anthem and Oscar have no adolescent block
    repair = [r for r in c.rows if r.labels[1] and "repair" in r.labels[1].lower()]
    assert len(repair) == 1 and repair[0].labels[2] and "repair" in repair[0].labels[2].lower(), \
        [r.labels for r in c.rows]  # waits on extraction: Anthem's repair and revision blocks are one today
    revision = [r for r in c.rows if r.labels[1] and "revision" in r.labels[1].lower()]
    assert len(revision) == 1 and revision[0].labels[0] and "revision" in revision[0].labels[0].lower()


def test_uhc_anthem_bariatric_adult_rows_pair_and_the_adolescent_block_stands_alone():
    corpus = need_shared() / "corpus"
    c = compare([extract(corpus / "uhc__bariatric-surgery__2025-05-01.pdf"),
                 extract(corpus / "anthem__bariatric-surgery-cg-surg-83__2025-07-25.pdf")])
    adult = next(r for r in c.rows if r.labels[1] == "Gastric bypass and gastric restrictive procedures")
    assert adult.labels[0] and "adults" in adult.labels[0]
    assert adult.methods[1] == "population"
    teen = next(r for r in c.rows if r.labels[0] and "adolescents" in r.labels[0])
    assert teen.labels[1] is None  # never "#2's >= 18 years is tighter than #1's >= 12 years"


@pytest.fixture(scope="module")
def dupixent_trio():
    corpus = need_shared() / "corpus"
    return compare([extract(corpus / "cigna__dupixent-dupilumab-pa__2025-11-05.pdf"),
                    extract(corpus / "anthem__dupixent-dupilumab-cc-0029__2025-09-10.pdf"),
                    extract(corpus / "uhc__dupixent-dupilumab-pa__2025-11-01.pdf")])


def test_dupixent_continuations_follow_their_initial_rows(dupixent_trio):
    rows = [r for r in dupixent_trio.rows if any(label and "(continuation)" in label for label in r.labels)]
    assert len(rows) == 8 and all(None not in r.labels for r in rows), [r.labels for r in rows]
    bp = next(r for r in rows if r.labels[1] == "BP (continuation)")
    assert "Bullous Pemphigoid" in bp.labels[0] and "Bullous Pemphigoid" in bp.labels[2]


def _limit(c, key, measure, where):
    row = next(r for r in c.rows if r.key == key)
    return next(m for m in row.thresholds if m.measure == measure and where(m))


def test_dupixent_rule_5_required_beats_an_equal_alternative(dupixent_trio):
    c = dupixent_trio  # #1 Cigna, #2 Anthem, #3 UHC
    exacerbations = _limit(c, "asthma", "exacerbations", lambda m: m.values[1] is not None)
    assert exacerbations.roles[1].startswith("required") and exacerbations.roles[0].startswith("one of")
    assert (exacerbations.eligibility.verdict, exacerbations.eligibility.policies) == ("stricter", (1,))
    eos = _limit(c, "chronic-obstructive-pulmonary-disease", "eosinophil_count",
                 lambda m: None not in m.values)
    assert (eos.eligibility.verdict, eos.eligibility.policies) == ("stricter", (1, 2))
    fev1 = _limit(c, "asthma", "fev1", lambda m: m.values[1] is not None)
    assert (fev1.eligibility.verdict, fev1.eligibility.policies) == ("stricter", (1,))


def test_dupixent_roles_come_from_the_tree_and_examples_stand_apart(dupixent_trio):
    c = dupixent_trio
    teen = _limit(c, "atopic-dermatitis", "age", lambda m: m.values[0] is not None and m.values[0].value == 12)
    assert teen.roles[0].startswith("required in one of 2 alternatives")  # the hand/foot branch only
    assert "required in one of 2 alternatives" in teen.eligibility.reason
    for row in c.rows:
        for m in row.thresholds:
            examples = [k for k, v in enumerate(m.values) if v is not None and v.example]
            # an example is never side by side with a limit that is not one
            assert not examples or all(v is None or v.example for v in m.values), (row.key, m.measure)
            assert "e_g" not in m.measure or m.eligibility.verdict == "not comparable"


def _md_cells(line: str) -> list[str]:
    """A Markdown table row's cells, unescaped: split on the pipes md_escape left unescaped."""
    import re
    cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    return [re.sub(r"\\(.)", r"\1", c.strip()).replace("&amp;", "&").strip("*") for c in cells]


class _LimitTables:
    """The limit tables of the comparison HTML: per row, per cell, (text, role span)."""

    def __init__(self, html: str) -> None:
        from html.parser import HTMLParser
        self.rows: list[list[tuple[str, str]]] = []
        outer = self

        class Parser(HTMLParser):
            table = False
            cell: list[str] | None = None
            span: list[str] | None = None

            def handle_starttag(self, tag, attrs):
                attrs = dict(attrs)
                if tag == "table":
                    self.table = attrs.get("class") == "limits"
                elif self.table and tag == "tr":
                    outer.rows.append([])
                elif self.table and tag == "td":
                    self.cell, self.span = [], None
                elif self.cell is not None and tag == "span":
                    self.span = []

            def handle_endtag(self, tag):
                if tag == "span" and self.span is not None and self.cell is not None:
                    self.cell.append("\0" + "".join(self.span))
                    self.span = None
                elif tag == "td" and self.cell is not None:
                    text = "".join(self.cell)
                    head, _, role = text.partition("\0")
                    outer.rows[-1].append((head.strip(), role.strip()))
                    self.cell = None

            def handle_data(self, data):
                if self.span is not None:
                    self.span.append(data)
                elif self.cell is not None:
                    self.cell.append(data)

        Parser().feed(html)
        self.rows = [r for r in self.rows if r]


def _text_items(text: str) -> list[str]:
    """The text view's items, each with its wrapped continuation lines joined back."""
    items: list[str] = []
    depth: list[int] = []
    for line in text.splitlines():
        indent = len(line) - len(line.lstrip())
        if items and line.strip() and depth and indent > depth[-1] + 2:
            items[-1] += " " + line.strip()
        else:
            items.append(line.strip())
            depth.append(indent)
    return items


def test_every_format_carries_the_json_role_and_verdict_of_every_limit(dupixent_trio, tmp_path):
    from openpyxl import load_workbook

    from policydiff.diffs.limits import format_limit
    from policydiff.render.xlsx import compare_xlsx

    c = dupixent_trio
    data = json.loads(render_compare.to_json(c))
    expected = []  # per limit row: (measure, [cell text per policy], [role per policy], verdict, reason)
    for row in data["rows"]:
        for t in row["thresholds"]:
            e = t["eligibility"]
            verdict = e["verdict"] + (": " + ", ".join(f"#{k + 1}" for k in e["policies"])
                                      if e["verdict"] == "stricter" and e["policies"] else "")
            limits = [format_limit(threshold_from_dict(v)) if v else None for v in t["values"]]
            expected.append((t["measure"], limits, t["roles"], verdict, e["reason"]))
    assert len(expected) > 50

    # CSV
    csv_rows = [r for r in csv.DictReader(io.StringIO(render_compare.render_csv(c))) if r["measure"]]
    names = [render_compare.column_name(c, k) for k in range(3)]
    assert len(csv_rows) == len(expected)
    for got, (measure, _, roles, verdict, reason) in zip(csv_rows, expected):
        assert got["measure"] == measure and got["eligibility"] == verdict and got["eligibility reason"] == reason
        assert [got[f"{n} role"] or None for n in names] == roles

    # xlsx: the verdict and the policies it names in cells of their own
    ws = load_workbook(io.BytesIO(compare_xlsx(c)))["Thresholds"]
    sheet = list(ws.iter_rows(values_only=True))
    head, body = list(sheet[0]), sheet[1:]
    assert len(body) == len(expected)
    heads = [f"#{k + 1} {p.heading}" for k, p in enumerate(c.policies)]
    for got, (measure, _, roles, verdict, reason) in zip(body, expected):
        assert got[head.index("measure")] == measure
        assert [got[head.index(f"{n} role")] for n in heads] == roles
        named = got[head.index("eligibility policies")]
        shown = got[head.index("eligibility verdict")] + (f": {named}" if named else "")
        assert (shown, got[head.index("eligibility reason")]) == (verdict, reason)

    # Markdown: every limit table row, in order
    md_rows = [_md_cells(line) for line in render_compare.render_markdown(c).splitlines()
               if line.startswith("| ") and not line.startswith(("| measure", "| indication", "| ---", "| `"))]
    assert len(md_rows) == len(expected)
    for got, (measure, limits, roles, verdict, reason) in zip(md_rows, expected):
        assert got[0] == measure
        assert got[1:4] == [f"{lim} ({role})" if lim else "not specified" for lim, role in zip(limits, roles)]
        assert got[5] == f"{verdict} ({reason})"

    # HTML: the value cells' role spans and the eligibility cell
    html_rows = _LimitTables(render_compare.render_html(c)).rows
    assert len(html_rows) == len(expected)
    for got, (measure, limits, roles, verdict, reason) in zip(html_rows, expected):
        assert got[0] == (measure, "")
        assert got[1:4] == [(lim, role) if lim else ("not specified", "") for lim, role in zip(limits, roles)]
        assert got[5] == (verdict, reason)

    # text: the same words, wrapped but never cut
    items = _text_items(render_compare.render_text(c))
    at = 0
    for measure, limits, roles, verdict, reason in expected:
        at = next(i for i in range(at, len(items)) if items[i].startswith(f"{measure} ("))
        values = [items[at + 1 + k].removesuffix(" *") for k in range(3)]
        assert values == [f"#{k + 1} {lim} ({role})" if lim else f"#{k + 1} not specified"
                          for k, (lim, role) in enumerate(zip(limits, roles))]
        assert items[at + 5] == f"eligibility: {verdict} ({reason})"
        at += 6


def test_text_compare_wraps_long_labels_and_measures_instead_of_cutting_them():
    from policydiff.extractor import extract_bytes

    label = ("Gizmo therapy for adults with widget pain of the left and right knee after two failed courses of "
             "physical therapy and a failed course of bracing of either knee")

    def doc(n: int, name: str):
        return extract_bytes(f"COVERAGE CRITERIA\n\n{label} is medically necessary when all of the following "
                             f"are met:\n1. A widget pain interference with daily living composite score of {n} or more; and\n"
                             f"2. Failure of a topical steroid.\n".encode(), name)
    text = render_compare.render_text(compare([doc(7, "a.txt"), doc(5, "b.txt")]))
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= render_compare.WIDTH
    items = _text_items(text)
    assert f"#1 {label}" in items and f"#2 {label}" in items  # whole, never "of bra"
    measure = next(i for i in items if i.endswith("(lower bound)") and "score" in i)
    assert len(measure.split(" (")[0]) > 18  # a long measure name, on its own line, not squeezed into a column
