"""Version diffs, reports and blame over a store built from three versions of an example policy."""
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
