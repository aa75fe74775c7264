"""Version diffs, reports and blame over a store built from three versions of an example policy."""
import io
import json
import subprocess
import sys

import pytest

from policydiff.diffs.versions import classify_rewording, diff_policies, redline
from policydiff.extractor import extract_bytes
from policydiff.ingest import add
from policydiff.render.diff import diff_markdown, diff_to_dict
from policydiff.store import Store

from .browser import render_dom
from .conftest import EXAMPLES, need_shared, policydiff_cmd, run_cli
from .test_store import FIXED

BASE = (EXAMPLES / "northwind__bariatric-surgery__2025-03-01.txt").read_text()
NAME = "northwind-health-plan/nw-surg-114"


def version_2(text: str = BASE) -> str:
    """Every kind of change an annual review can bring."""
    text = text.replace("Effective Date: 03/01/2025", "Effective Date: 03/01/2026")
    text = text.replace("Last Reviewed: February 12, 2025", "Last Reviewed: February 10, 2026")
    text = text.replace("1. BMI ≥ 40 kg/m2; or", "1. BMI ≥ 45 kg/m2; and")                    # stricter limit
    text = text.replace("B. One of the following:", "B. Both of the following:")             # OR -> AND
    text = text.replace("E. A psychological evaluation has been completed.",
                        "E. A psychological evaluation has been completed; and\n"
                        "   F. Nutrition counseling within the past 12 months.")            # criterion added
    text = text.replace("   D. No active substance use disorder in the past 12 months; and\n", "")  # removed
    text = text.replace("C. Evaluation by a multidisciplinary adolescent weight program.",
                        "C. Evaluation by the multidisciplinary adolescent weight program.")   # wording only
    text = text.replace("A. Age 13 to 17 years; and", "A. Age 14 to 17 years; and")          # stricter range
    text = text.replace("III. Revision of a prior bariatric procedure (CPT 43848)",
                        "III. Revision of a prior bariatric procedure (CPT 43848, 43886)")  # code added
    text = text.replace("EXCLUSIONS", "IV. Endoscopic sleeve gastroplasty (CPT 43999): the member must meet\n"
                        "    ALL of the following:\n    A. BMI of 30 kg/m2 or more; and\n"
                        "    B. Age 18 years or older.\n\nEXCLUSIONS")                       # indication added
    return text.replace("43848  Revision of a gastric restrictive procedure, open\n", "43886  Revision, band\n")


def version_3(text: str) -> str:
    """Only layout and dates: re-wrapped lines, a new review date."""
    text = text.replace("Last Reviewed: February 10, 2026", "Last Reviewed: March 2, 2026")
    text = text.replace("Participation in a supervised weight-management program for at least\n      6 consecutive",
                        "Participation in a supervised\n      weight-management program for at least 6 consecutive")
    return text.replace("Northwind Health Plan considers the procedures below medically necessary when\nthe member",
                        "Northwind Health Plan considers the procedures below\nmedically necessary when the member")


@pytest.fixture
def store(tmp_path, monkeypatch):
    for key, value in FIXED.items():
        monkeypatch.setenv(key, value)
    v2 = version_2()
    v3 = version_3(v2).replace("Effective Date: 03/01/2026", "Effective Date: 06/01/2026")
    paths = []
    for n, text in enumerate((BASE, v2, v3), start=1):
        path = tmp_path / f"v{n}.txt"
        path.write_text(text)
        paths.append(path)
    s = Store(tmp_path / "store")
    add(s, paths)
    return s


def _diff(store, old, new):
    return diff_policies(store.show(f"{NAME}@{old}"), store.show(f"{NAME}@{new}"), NAME)


def test_every_kind_of_change_is_reported(store):
    d = _diff(store, "2025-03-01", "2026-03-01")
    data = diff_to_dict(d)
    assert data["material"] is True
    assert [i["key"] for i in data["indications"]["added"]] == ["endoscopic-sleeve-gastroplasty"]
    adult = next(c for c in data["indications"]["changed"] if c["key"] == "morbid-obesity")
    bmi = next(t for t in adult["thresholds"] if t["measure"] == "bmi" and t["direction"] != "looser")
    assert (bmi["from"]["value"], bmi["to"]["value"], bmi["direction"]) == (40, 45, "stricter")
    assert {"from": "any of", "to": "all of", "direction": "stricter"}.items() <= adult["logic"][0].items()
    assert "Nutrition counseling within the past 12 months." in adult["criteria"]["added"]
    assert "No active substance use disorder in the past 12 months;" in adult["criteria"]["removed"]
    # D (removed) and F (added) both say "within the past 12 months": the limit itself did not change.
    assert not [t for t in adult["thresholds"] if t["measure"] == "time_window"]
    teen = next(c for c in data["indications"]["changed"] if c["key"] == "adolescent-obesity")
    age = next(t for t in teen["thresholds"] if t["measure"] == "age")
    assert (age["from"]["value"], age["to"]["value"], age["direction"]) == ([13, 17], [14, 17], "stricter")
    reworded = next(x for x in teen["criteria"]["changed"] if "multidisciplinary" in x["from"])
    assert reworded["classification"] == "wording"
    assert ["-", "a"] in reworded["redline"] and ["+", "the"] in reworded["redline"]
    revision = next(c for c in data["indications"]["changed"] if c["key"] == "bariatric-revision-surgery")
    assert revision["codes"]["added"] == ["43886"]
    # 43999 comes with the new indication; 43848 left the code table but the revision criteria still name it.
    assert data["codes"]["added"] == ["43886", "43999"] and data["codes"]["removed"] == []
    assert data["dates"]["effective"] == {"from": "2025-03-01", "to": "2026-03-01"}


def test_layout_and_dates_only_is_not_material(store):
    d = _diff(store, "2026-03-01", "2026-06-01")
    assert d.material is False
    assert not d.added and not d.removed and not d.changed and "reviewed" in {c.slot for c in d.dates}
    assert "not material" in diff_markdown(d)


def test_or_to_and_is_stricter_and_and_to_or_is_looser(store):
    forward = _diff(store, "2025-03-01", "2026-03-01")
    back = diff_policies(store.show(f"{NAME}@2026-03-01"), store.show(f"{NAME}@2025-03-01"))
    fwd = next(c for c in forward.changed if c.key == "morbid-obesity").logic[0]
    bwd = next(c for c in back.changed if c.key == "morbid-obesity").logic[0]
    assert (fwd.direction, bwd.direction) == ("stricter", "looser")


def test_same_policy_diff_is_empty_and_falsy(store):
    p = store.show(NAME)
    d = diff_policies(p, p)
    assert not d and d.material is False


def test_redline_uses_whole_words():
    parts = redline("Age 13 to 17 years", "Age 14 to 17 years")
    assert parts == [("=", "Age"), ("-", "13"), ("+", "14"), ("=", "to 17 years")]
    assert all(" " not in text or op == "=" or text.count(" ") >= 0 for op, text in parts)
    assert redline("evaluation completed", "evaluations completed") == [("-", "evaluation"), ("+", "evaluations"),
                                                                       ("=", "completed")]


@pytest.mark.parametrize("old,new,kind", [
    ("Evaluation by a program.", "Evaluation by the program", "wording"),
    ("Solitary kidney; or", "solitary kidney", "wording"),
    ("Age 13 to 17 years", "Age 14 to 17 years", "material"),
    ("Candidate for surgery", "Not a candidate for surgery", "material"),
    ("A psychological evaluation has been completed.", "A psychological evaluation by a licensed clinician.",
     "material"),
])
def test_rewording_classification(old, new, kind):
    assert classify_rewording(old, new) == kind


def test_cli_diff_over_the_store_and_between_files(store, tmp_path):
    s = str(store.path)
    proc = run_cli("--store", s, "diff", NAME, "--from", "2025-03-01", "--to", "2026-03-01", "--format", "json",
                   env=FIXED)
    assert proc.returncode == 1 and json.loads(proc.stdout)["material"] is True
    latest = json.loads(run_cli("--store", s, "diff", NAME, "--format", "json", env=FIXED).stdout)
    assert latest["material"] is False and latest["to"]["effective"] == "2026-06-01"
    same = run_cli("diff", str(EXAMPLES / "northwind__bariatric-surgery__2025-03-01.txt"),
                   str(EXAMPLES / "northwind__bariatric-surgery__2025-03-01.txt"))
    assert same.returncode == 0 and "no changes" in same.stdout
    missing = run_cli("--store", s, "diff", NAME, "--from", "2001-01-01", check_codes=(2,))
    assert "no version" in missing.stderr


def test_report_summarises_the_store(store):
    data = json.loads(run_cli("--store", str(store.path), "report", "--since", "2026-01-01", "--format", "json").stdout)
    summary = data["summary"]
    assert summary["policies_reviewed"] == 1 and summary["policies_changed"] == 1
    assert summary["changed_materially"] == 1 and summary["stricter"] >= 3 and summary["indications_added"] == 1
    md = run_cli("--store", str(store.path), "report", "--format", "md").stdout
    assert "# Annual review: policy changes" in md and "Endoscopic sleeve gastroplasty" in md
    assert "| 1 | 1 | 1 |" in md


@pytest.mark.chromium
def test_html_report_renders_in_chromium(store, tmp_path):
    html = run_cli("--store", str(store.path), "report", "--format", "html").stdout
    assert "<script" not in html
    page = tmp_path / "report.html"
    page.write_text(html)
    dom = render_dom(page, tmp_path)
    assert '<article id="report">' in dom and "<table>" in dom and "<s>" in dom


def test_report_html_escapes_policy_text(tmp_path, monkeypatch):
    for key, value in FIXED.items():
        monkeypatch.setenv(key, value)
    hostile = BASE.replace("Clinically severe obesity in adults", "Obesity <img src=x onerror=alert(1)>")
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(hostile)
    b.write_text(version_2(hostile))
    html = run_cli("diff", str(a), str(b), "--format", "html").stdout
    assert "<img" not in html and "&lt;img" in html


def test_blame_names_the_version_that_introduced_each_wording(store):
    out = run_cli("--store", str(store.path), "blame", NAME, env=FIXED).stdout.splitlines()
    log = store.log(NAME)
    first, second = log[-1], log[-2]
    line = next(x for x in out if "Nutrition counseling" in x)
    assert line.startswith(second.rev[:10]) and "2026-03-01" in line
    line = next(x for x in out if "Evaluation by a multidisciplinary" in x or "Age 18 years or older" in x)
    assert line.startswith(first.rev[:10])


def test_ibrance_diff_gold():
    shared = need_shared()
    proc = subprocess.run([sys.executable, str(shared / "tools" / "score.py"), "diff",
                           *map(str, sorted((shared / "gold").glob("diff__fep-bcbsa__ibrance*.json"))), "--cmd",
                           " ".join(policydiff_cmd()), "--min", "1.0"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout


def test_extract_bytes_round_trip_for_versions():
    assert extract_bytes(version_2().encode(), "v2.txt").dates.effective == "2026-03-01"


# -- issue 18: exclusions, logic said in words, added branches, numbers, uneven reading, codes in xlsx -------------

def gizmo(exclusions: str, criteria: str = "all of the following are met:\n1. Age 18 years or older; and\n"
                                            "2. Failure of physical therapy.\n", name: str = "g.txt"):
    return extract_bytes(f"COVERAGE CRITERIA\n\nGizmo therapy for widget pain is medically necessary when {criteria}\n"
                         f"EXCLUSIONS\n\n{exclusions}".encode(), name)


OLD_EXCLUSIONS = ("The following are considered investigational:\n- WidgetScan blood test\n- GizmoPrint tissue assay\n\n"
                  "The following are not medically necessary:\n- Repeat widget imaging within 6 months\n")


def test_exclusions_added_and_removed_are_diffed_with_their_kind():
    new = OLD_EXCLUSIONS.replace("- GizmoPrint tissue assay\n", "- GizmoPrint tissue assay\n- SprocketSeq panel\n")
    new = new.replace("- WidgetScan blood test\n", "")
    d = diff_policies(gizmo(OLD_EXCLUSIONS), gizmo(new))
    assert [(x.label, x.status) for x in d.exclusions_added] == [("SprocketSeq panel", "investigational")]
    assert [x.label for x in d.exclusions_removed] == ["WidgetScan blood test"]
    assert d.material and d.counts()["exclusions_added"] == 1
    data = diff_to_dict(d)
    assert data["exclusions"]["added"] == [{"key": "sprocketseq-panel", "label": "SprocketSeq panel",
                                            "status": "investigational"}]
    md = diff_markdown(d)
    assert "| added | **SprocketSeq panel** | investigational |" in md
    assert "| removed | ~~WidgetScan blood test~~ | investigational |" in md
    from policydiff.render.diff import diff_text
    assert "+ not covered (investigational): SprocketSeq panel" in diff_text(d)
    from openpyxl import load_workbook

    from policydiff.render.xlsx import diff_xlsx
    rows = list(load_workbook(io.BytesIO(diff_xlsx(d)))["Exclusions"].iter_rows(values_only=True))
    assert ("added", "SprocketSeq panel", "investigational") in [r[3:] for r in rows]


def test_an_exclusion_whose_kind_changes_is_changed_not_removed_and_added():
    new = OLD_EXCLUSIONS.replace("- GizmoPrint tissue assay\n", "").replace(
        "- Repeat widget imaging within 6 months\n", "- Repeat widget imaging within 6 months\n- GizmoPrint tissue assay\n")
    d = diff_policies(gizmo(OLD_EXCLUSIONS), gizmo(new))
    assert not d.exclusions_added and not d.exclusions_removed
    assert [(x.label, x.old_status, x.new_status) for x in d.exclusions_changed] == [
        ("GizmoPrint tissue assay", "investigational", "not_medically_necessary")]


def test_exclusions_reach_the_report(store, tmp_path):
    s = Store(tmp_path / "excl")
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    header = "Widget Health Plan\nPolicy Number: WH-77\nEffective Date: {d}\n\n"
    a.write_text(header.format(d="01/01/2025") + "COVERAGE CRITERIA\n\nGizmo therapy is medically necessary when all "
                 "of the following are met:\n1. Age 18 years or older.\n\nEXCLUSIONS\n\n" + OLD_EXCLUSIONS)
    b.write_text(header.format(d="01/01/2026") + "COVERAGE CRITERIA\n\nGizmo therapy is medically necessary when all "
                 "of the following are met:\n1. Age 18 years or older.\n\nEXCLUSIONS\n\n"
                 + OLD_EXCLUSIONS + "- SprocketSeq panel\n")
    add(s, [a, b])
    data = json.loads(run_cli("--store", str(s.path), "report", "--format", "json").stdout)
    assert data["summary"]["exclusions_added"] == 1
    [change] = data["changes"]
    assert change["exclusions"]["added"][0]["label"] == "SprocketSeq panel"
    md = run_cli("--store", str(s.path), "report", "--format", "md").stdout
    assert "SprocketSeq panel" in md and "not covered added" in md


def test_alternatives_written_as_one_or_sentence_are_wording_not_a_logic_change():
    old = gizmo(OLD_EXCLUSIONS, "all of the following are met:\n1. Age 18 years or older; and\n"
                                "2. Patient must have ONE of the following:\n   a. Chronic widget pain; or\n"
                                "   b. Recurrent widget pain.\n")
    new = gizmo(OLD_EXCLUSIONS, "all of the following are met:\n1. Age 18 years or older; and\n"
                                "2. Patient must have the following:\n   a. Chronic or recurrent widget pain.\n")
    d = diff_policies(old, new)
    assert not d.material, diff_to_dict(d)
    assert d.counts()["stricter"] == 0
    [change] = d.changed
    assert not change.logic and all(x.classification == "wording" for x in change.criteria)


def test_an_added_branch_is_an_added_group_with_its_effect():
    old = gizmo(OLD_EXCLUSIONS, "all of the following are met:\n1. Age 18 years or older; and\n"
                                "2. ONE of the following:\n   a. Failure of physical therapy; or\n"
                                "   b. Failure of two analgesics.\n")
    new = gizmo(OLD_EXCLUSIONS, "all of the following are met:\n1. Age 18 years or older; and\n"
                                "2. ONE of the following:\n   a. Failure of physical therapy; or\n"
                                "   b. Failure of two analgesics; or\n"
                                "   c. Patient has a sprocket mutation, and all of the following:\n"
                                "      i. Widget pain score of 7 or more; and\n"
                                "      ii. Used together with gizmolin.\n")
    d = diff_policies(old, new)
    [change] = d.changed
    [group] = change.groups
    assert (group.change, group.alternative, group.effect) == ("added", True, "looser")
    assert "Used together with gizmolin." in group.criteria or "Used together with gizmolin" in \
        [c.rstrip(".") for c in group.criteria]
    assert [t.measure for t in group.thresholds] == ["pain_score"]
    assert not [x for x in change.criteria if x.new and "gizmolin" in x.new]  # not also listed flat
    assert d.counts()["looser"] == 1 and d.counts()["stricter"] == 0
    assert "group added (an added alternative: looser)" in diff_markdown(d)
    assert diff_to_dict(d)["indications"]["changed"][0]["groups"][0]["direction"] == "looser"


@pytest.mark.parametrize("old,new", [
    ("Patient must have received FOUR or more prior lines of therapy", "Patient must have received ONE or more "
                                                                       "prior lines of therapy"),
    ("Two or more widget flares", "Three or more widget flares"),
    ("Widget pain for 6 months", "Widget pain for 3 months"),
])
def test_a_changed_number_is_never_wording(old, new):
    assert classify_rewording(old, new) == "material"


def test_a_changed_number_in_words_is_material_in_the_diff():
    old = gizmo(OLD_EXCLUSIONS, "all of the following are met:\n1. Age 18 years or older; and\n"
                                "2. Patient has received FOUR or more prior gizmo treatments.\n")
    new = gizmo(OLD_EXCLUSIONS, "all of the following are met:\n1. Age 18 years or older; and\n"
                                "2. Patient has received ONE or more prior gizmo treatments.\n")
    [change] = diff_policies(old, new).changed
    [reworded] = [x for x in change.criteria if x.old and x.new]
    assert reworded.classification == "material"


def _read(policy, coverage: int, read: int, unread: list[str]):
    from dataclasses import replace as with_

    from policydiff.normalized.schema import Accounting, Source, Unread
    return with_(policy, accounting=Accounting(coverage, read, unread=tuple(
        Unread(Source(k + 1), text, "under no indication") for k, text in enumerate(unread))))


def test_an_unevenly_read_pair_says_so_and_does_not_call_the_unread_added():
    full = ("all of the following are met:\n1. Age 18 years or older; and\n2. Failure of physical therapy; and\n"
            "3. Documented widget pain for at least 3 months; and\n4. A pain specialist has been consulted.\n")
    old = _read(gizmo(OLD_EXCLUSIONS, "all of the following are met:\n1. Age 18 years or older; and\n"
                                      "2. Failure of physical therapy.\n"), 20, 12,
                ["3. Documented widget pain for at least 3 months; and", "4. A pain specialist has been consulted."])
    new = _read(gizmo(OLD_EXCLUSIONS, full), 20, 20, [])
    d = diff_policies(old, new)
    assert d.reading is not None and d.reading.weaker == "older"
    assert (d.reading.old_share, d.reading.new_share) == (0.6, 1.0)
    [change] = d.changed
    assert all(x.classification == "unread" for x in change.criteria), change.criteria
    data = diff_to_dict(d)
    assert data["indications"]["changed"][0]["criteria"]["added"] == []
    assert len(data["indications"]["changed"][0]["criteria"]["unread"]) == 2
    assert data["reading"]["weaker"] == "older" and not d.material
    md = diff_markdown(d)
    assert md.index("Read unevenly") < md.index("Gizmo therapy")  # said first, at the top
    # read evenly, the same change is two criteria added
    even = diff_policies(_read(old, 20, 19, []), new)
    assert even.reading is None and even.material
    assert len(diff_to_dict(even)["indications"]["changed"][0]["criteria"]["added"]) == 2


def test_xlsx_codes_sheet_has_per_indication_codes_and_ranges_are_typed(store):
    from openpyxl import load_workbook

    from policydiff.render.xlsx import diff_xlsx
    d = _diff(store, "2025-03-01", "2026-03-01")
    wb = load_workbook(io.BytesIO(diff_xlsx(d)))
    codes = [r for r in wb["Codes"].iter_rows(values_only=True)]
    assert codes[0] == ("payer", "policy", "title", "indication", "change", "code")
    assert ("Revision of a prior bariatric procedure", "added", "43886") in [r[3:] for r in codes[1:]]
    assert (None, "added", "43999") in [r[3:] for r in codes[1:]]  # the policy's own list
    sheet = list(wb["Thresholds"].iter_rows(values_only=True))
    head = list(sheet[0])
    age = next(r for r in sheet[1:] if r[head.index("measure")] == "age")
    assert [age[head.index(c)] for c in ("from op", "from value", "from high", "from unit")] == \
        ["between", 13, 17, "years"]
    assert [age[head.index(c)] for c in ("to value", "to high")] == [14, 17]
    assert all(not isinstance(v, str) or "–" not in v for r in sheet[1:] for v in r)  # no "13–17" strings


# -- the real version pairs ---------------------------------------------------------------------------------

def _real_diff(old: str, new: str):
    from policydiff.extractor import extract
    corpus = need_shared() / "corpus"
    return diff_policies(extract(corpus / old), extract(corpus / new))


def test_aetna_tumor_markers_newly_lists_tests_as_experimental():
    d = _real_diff("aetna__tumor-markers-cpb-0352__2025-10-29.txt", "aetna__tumor-markers-cpb-0352__2026-02-12.txt")
    added = {x.label.split(" (")[0] for x in d.exclusions_added}
    assert {"GlycoKnow Ovarian", "Labcorp Plasma Complete", "MiCheck Prostate"} <= added
    assert all(x.status in ("investigational", "all_other_uses", "not_medically_necessary") for x in d.exclusions_added)
    # waits on extraction: the catalogue of tests under "Experimental, Investigational, or Unproven" is not yet
    # read as not-covered items, so AidaBreast, AssureMDx, Cancerguard, PancreaSure ... are missing
    assert {"AidaBreast", "AssureMDx", "Cancerguard", "PancreaSure"} <= added, sorted(added)


def test_ibrance_or_sentence_is_wording_and_the_pik3ca_pathway_an_added_alternative():
    d = _real_diff("fep-bcbsa__ibrance-palbociclib-5-21-054__2024-07-01.pdf",
                   "fep-bcbsa__ibrance-palbociclib-5-21-054__2025-07-01.pdf")
    for change in d.changed:
        assert not change.logic, change.logic  # "ONE of: Advanced / Metastatic" → "Advanced or metastatic"
        [group] = change.groups
        assert (group.change, group.effect) == ("added", "looser") and "PIK3CA" in group.where
        assert any("inavolisib" in text for text in group.criteria)
        assert not [x for x in change.criteria if x.new and "inavolisib" in x.new]
    assert d.counts()["stricter"] == 0


def test_carvykti_four_to_one_prior_lines_is_material():
    d = _real_diff("fep-bcbsa__carvykti-5-21-188__2024-04-01.pdf", "fep-bcbsa__carvykti-5-21-188__2025-07-01.pdf")
    [change] = d.changed
    lines = next(x for x in change.criteria if x.old and x.new and "prior lines" in x.new)
    assert lines.classification == "material"


def test_molina_genetic_testing_says_the_older_version_was_read_less():
    import re
    corpus = need_shared() / "corpus"
    d = _real_diff("molina__genetic-testing-051__2025-02-12.txt", "molina__genetic-testing-051__2026-02-11.txt")

    def norm(text: str) -> str:
        return re.sub(r"\W+", " ", text.lower()).strip()
    old_text = norm((corpus / "molina__genetic-testing-051__2025-02-12.txt").read_text(encoding="utf-8"))
    data = diff_to_dict(d)
    added = [a for c in data["indications"]["changed"] for a in c["criteria"]["added"]]
    already = [a for a in added if norm(a) in old_text]
    # waits on extraction: needs Policy.accounting filled in (coverage_lines, read_lines, unread lines)
    assert d.reading is not None and d.reading.weaker == "older"
    assert not already, already
