"""A folder of policies into the store in one command: identity from flags, manifests, documents and file
names, one slug per payer, partial failure, dry runs, and spreadsheets out."""
from __future__ import annotations

import re
import subprocess
from collections import defaultdict
from pathlib import Path

import openpyxl

from policydiff.identity import read_file_name
from policydiff.render.xlsx import STRICTER

from .conftest import need_shared, run_cli

BARE = """\
COVERAGE CRITERIA

Gizmo therapy is medically necessary when all of the following are met:
1. The member is 18 years of age or older; and
2. Pain has lasted at least {months} months.
"""
"""A policy that prints no payer, number or date: only a manifest or its file name can say whose it is."""


def write(folder: Path, name: str, months: int = 6) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(BARE.format(months=months), encoding="utf-8")
    return path


def added(stdout: str) -> dict[str, tuple[str, str, str]]:
    """path → (status, stored name, date) from `add` output."""
    out = {}
    for line in stdout.splitlines():
        m = re.match(r"^(added|backfilled|unchanged)\s+(\S+)@(\S+)\s+\S*\s+(.+)$", line)
        if m:
            out[m.group(4)] = (m.group(1), m.group(2), m.group(3))
    return out


def fsck(store: Path) -> None:
    proc = subprocess.run(["git", "-C", str(store), "fsck", "--strict"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_whole_corpus_lands_in_one_call(tmp_path: Path):
    corpus = need_shared() / "corpus"
    store = tmp_path / "store"
    proc = run_cli("--store", str(store), "add", str(corpus), check_codes=(0,))
    stored = added(proc.stdout)
    documents = sorted(p for p in corpus.iterdir() if p.suffix in (".pdf", ".txt"))
    assert {Path(p).name for p in stored} == {p.name for p in documents}, proc.stderr
    assert "skipped" in proc.stdout and "SOURCES.md" in proc.stdout  # the source list is not a policy
    # one store folder per payer, whatever each document calls itself
    slugs = defaultdict(set)
    for path, (_, name, _) in stored.items():
        slugs[read_file_name(path).payer].add(name.split("/")[0])
    assert all(len(s) == 1 for s in slugs.values()), {k: v for k, v in slugs.items() if len(v) > 1}
    # every pair of versions of one policy is one stored policy, the newer file its newest version
    pairs = defaultdict(list)
    for path in stored:
        named = read_file_name(path)
        pairs[(named.payer, named.policy)].append(path)
    checked = 0
    for files in (f for f in pairs.values() if len(f) > 1):
        names = {stored[f][1] for f in files}
        assert len(names) == 1, files
        log = run_cli("--store", str(store), "log", names.pop()).stdout.splitlines()
        newest = max(files, key=lambda f: read_file_name(f).date or "")  # file names end in their date
        assert log[0].startswith(_rev_of(store, newest)), (files, log)
        checked += 1
    assert checked >= 9
    fsck(store)


def _rev_of(store: Path, path: str) -> str:
    """The commit that stored `path` (its Source trailer names the file)."""
    out = subprocess.run(["git", "-C", str(store), "log", "--format=%H %(trailers:key=Source,valueonly)"],
                         capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        rev, _, source = line.partition(" ")
        if source.strip() == Path(path).name:
            return rev[:10]
    raise AssertionError(f"{path} not in the store")


def test_a_csv_manifest_names_payer_policy_and_date(tmp_path: Path):
    folder = tmp_path / "inbox"
    write(folder, "first.txt")
    write(folder, "second.txt", months=9)
    (folder / "policies.csv").write_text("file,payer,policy_id,effective\n"
                                         "first.txt,United HealthCare Services,GZ-1,2024-03-01\n"
                                         "second.txt,UnitedHealthcare,GZ-1,2025-03-01\n", encoding="utf-8")
    store = tmp_path / "store"
    proc = run_cli("--store", str(store), "add", str(folder), check_codes=(0,))
    assert {v[1] for v in added(proc.stdout).values()} == {"unitedhealthcare/gz-1"}
    log = run_cli("--store", str(store), "log", "unitedhealthcare/gz-1").stdout
    assert "2025-03-01" in log.splitlines()[0] and "(date: manifest)" in log
    payers = run_cli("--store", str(store), "list", "--payers").stdout
    assert payers.split() == ["unitedhealthcare", "UnitedHealthcare"]


def test_a_toml_manifest_with_defaults(tmp_path: Path):
    folder = tmp_path / "inbox"
    write(folder, "gizmo.txt")
    (folder / ".policydiff.toml").write_text('[defaults]\npayer = "Harbor Point Health"\n\n'
                                             '[files."gizmo.txt"]\npolicy_id = "HP-9"\neffective = "2023-11-30"\n')
    proc = run_cli("--store", str(tmp_path / "store"), "add", str(folder), check_codes=(0,))
    assert list(added(proc.stdout).values()) == [("added", "harbor-point-health/hp-9", "2023-11-30")]


def test_a_bad_manifest_date_is_one_line_naming_the_line(tmp_path: Path):
    folder = tmp_path / "inbox"
    write(folder, "gizmo.txt")
    (folder / "policies.csv").write_text("file,payer,policy_id,effective\ngizmo.txt,Acme,A-1,2025-13-45\n")
    proc = run_cli("--store", str(tmp_path / "store"), "add", str(folder), check_codes=(2,))
    assert "policies.csv: line 2" in proc.stderr and "Traceback" not in proc.stderr


def test_the_file_name_is_the_fallback(tmp_path: Path):
    path = write(tmp_path, "acme-health__gizmo-therapy__2024-05-06.txt")
    proc = run_cli("--store", str(tmp_path / "store"), "add", str(path), check_codes=(0,))
    assert list(added(proc.stdout).values()) == [("added", "acme-health/gizmo-therapy", "2024-05-06")]


def test_no_date_anywhere_dates_by_capture_with_a_warning(tmp_path: Path):
    path = write(tmp_path, "acme-health__gizmo-therapy.txt")
    store = tmp_path / "store"
    proc = run_cli("--store", str(store), "add", str(path), check_codes=(0,))
    assert "capture date" in proc.stderr and "--effective" in proc.stderr
    log = run_cli("--store", str(store), "log", "acme-health/gizmo-therapy").stdout
    assert "captured" in log
    show = run_cli("--store", str(store), "show", "acme-health/gizmo-therapy").stdout
    assert "captured" in show.splitlines()[0]


def test_a_flag_overrides_every_other_source(tmp_path: Path):
    path = write(tmp_path, "acme-health__gizmo-therapy__2024-05-06.txt")
    proc = run_cli("--store", str(tmp_path / "store"), "add", str(path), "--payer", "Other Plan",
                   "--effective", "2020-01-02", check_codes=(0,))
    assert list(added(proc.stdout).values()) == [("added", "other-plan/gizmo-therapy", "2020-01-02")]


def test_one_corrupt_pdf_does_not_stop_the_batch(tmp_path: Path):
    folder = tmp_path / "inbox"
    write(folder, "acme-health__gizmo-therapy__2024-05-06.txt")
    write(folder, "acme-health__gizmo-therapy__2025-05-06.txt", months=9)
    (folder / "acme-health__broken__2025-01-01.pdf").write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog")
    store = tmp_path / "store"
    proc = run_cli("--store", str(store), "add", str(folder), check_codes=(2,))
    assert len(added(proc.stdout)) == 2
    assert "acme-health__broken__2025-01-01.pdf" in proc.stderr and "1 of 3 document(s) failed" in proc.stderr
    assert "Traceback" not in proc.stderr
    fsck(store)
    assert len(run_cli("--store", str(store), "log", "acme-health/gizmo-therapy").stdout.splitlines()) == 2
    status = subprocess.run(["git", "-C", str(store), "status", "--porcelain"], capture_output=True, text=True)
    assert status.stdout.strip() == ""


def test_a_dry_run_writes_nothing(tmp_path: Path):
    path = write(tmp_path, "acme-health__gizmo-therapy__2024-05-06.txt")
    store = tmp_path / "store"
    proc = run_cli("--store", str(store), "add", "--dry-run", str(path), check_codes=(0,))
    assert "would add  acme-health/gizmo-therapy@2024-05-06" in proc.stdout
    assert "(file name)" in proc.stdout
    assert not store.exists()


def test_comparison_as_a_spreadsheet(tmp_path: Path):
    shared = need_shared()
    out = tmp_path / "cryo.xlsx"
    run_cli("compare", str(shared / "seeds" / "medical-mutual__cryoablation__2024-07-12.txt"),
            str(shared / "seeds" / "aspirus__cryoablation.txt"), "--format", "xlsx", "--output", str(out))
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Policies", "Indications", "Thresholds", "Criteria"]
    ws = wb["Thresholds"]
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert header[3] == "#1 Medical Mutual: Cryoablation op"  # payer name and title, not a file path
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "hepatocellular-carcinoma"
               and r[1].value == "lesion_size")
    first, second = row[3:7], row[7:11]  # op, value, unit, role of each policy
    assert (first[0].value, first[1].value, first[2].value) == ("≤", 5, "cm")
    assert (second[0].value, second[1].value, second[2].value) == ("≤", 4, "cm")
    assert second[1].fill.start_color.rgb.endswith(STRICTER.start_color.rgb[-6:])
    assert first[1].fill.fill_type is None
    verdicts = {header[k]: c.value for k, c in enumerate(row)}
    assert verdicts["cutoff verdict"] == "stricter: #2" and verdicts["eligibility verdict"] == "stricter"


def test_formula_looking_text_stays_text_in_a_spreadsheet(tmp_path: Path):
    folder = tmp_path / "inbox"
    for year in (2024, 2025):
        path = folder / f"x__p__{year}-01-01.txt"
        folder.mkdir(exist_ok=True)
        path.write_text(f"COVERAGE CRITERIA\n\n=cmd|' /C calc'!A0 is medically necessary when all are met:\n"
                        f"1. Age {17 + year - 2024} years or older.\n")
    out = tmp_path / "d.xlsx"
    run_cli("diff", str(folder / "x__p__2024-01-01.txt"), str(folder / "x__p__2025-01-01.txt"), "--format", "xlsx",
            "-o", str(out))
    wb = openpyxl.load_workbook(out)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert all(c.data_type != "f" for c in cells)
