"""What users and the world do to the store and the readers: one test per finding of issue 13.

Every input is generated here (nothing large is committed). Each test runs the
real command line and asserts the exit code, that an error is one line with
no traceback, and that the store still passes `git fsck` and lists every
version it held.
"""
from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import git
import pytest

from policydiff.budget import Budget, run_bounded
from policydiff.diffs.versions import VersionDiff
from policydiff.extractor import extract, extract_bytes
from policydiff.history import annual_report
from policydiff.ingest import worker_count
from policydiff.normalized.schema import Policy
from policydiff.render.compare import render_csv, render_markdown
from policydiff.render.diff import diff_text, report_markdown
from policydiff.render.policy import render_text
from policydiff.store import Store

from .conftest import ANALYST, LAKESHORE, NW_2025, NW_2026, isolate_git, policydiff_cmd, run_cli
from .fixtures import hostile

FIXED = ANALYST  # real clock: two analysts' commits must differ


@pytest.fixture(autouse=True)
def fixed_identity(monkeypatch, tmp_path):
    isolate_git(monkeypatch, tmp_path / "home", FIXED)


# -- helpers ------------------------------------------------------------------------------------------------------

def cli(store: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return run_cli("--store", str(store), *args, env=env, check_codes=None)


def fails_in_one_line(proc: subprocess.CompletedProcess, *words: str) -> str:
    """Exit 2, exactly one line on stderr, no traceback, and the line says what it must."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def intact(store: Path, versions: int) -> None:
    """git fsck is clean and `list` shows every version the store should hold."""
    fsck = subprocess.run(["git", "-C", str(store), "fsck", "--strict", "--no-progress"], capture_output=True,
                          text=True)
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr
    listed = cli(store, "list")
    assert listed.returncode == 0, listed.stderr
    assert sum(int(line.split()[1]) for line in listed.stdout.splitlines()) == versions, listed.stdout


def base_store(tmp_path: Path) -> Path:
    """A store holding one version (Northwind 2025)."""
    store = tmp_path / "store"
    assert cli(store, "add", str(NW_2025)).returncode == 0
    intact(store, 1)
    return store


def dense_policy(criteria: int) -> str:
    """A policy with one indication of thousands of numbered criteria (slow and memory-hungry on purpose)."""
    items = "".join(f"{i}. Criterion {i}: BMI of at least {i % 50} kg/m2; and\n" for i in range(1, criteria + 1))
    return ("Dense Health Plan\nPolicy Number: DN-1\nTitle: Dense criteria\nEffective Date: 01/01/2025\n\n"
            "COVERAGE CRITERIA\nThe member must meet all of the following:\n" + items)


# -- 1. long slugs --------------------------------------------------------------------------------------------------

def test_1_names_of_any_length_become_folder_names_every_filesystem_accepts(tmp_path):
    store = base_store(tmp_path)
    long_payer, long_id = "Mutual " * 45, "X" * 300
    proc = cli(store, "add", str(NW_2026), "--payer", long_payer, "--policy-id", long_id)
    assert proc.returncode == 0, proc.stderr
    manifest_dir = tmp_path / "listed"
    manifest_dir.mkdir()
    (manifest_dir / "lakeshore.md").write_bytes(LAKESHORE.read_bytes())
    (manifest_dir / "policies.csv").write_text(f"file,payer,policy_id\nlakeshore.md,{'Harbor ' * 45},{'Y' * 280}\n")
    assert cli(store, "add", str(manifest_dir)).returncode == 0
    folders = [p for p in store.rglob("*") if ".git" not in p.parts]
    assert folders and all(len(p.name.encode()) <= 64 for p in folders)
    assert cli(store, "add", str(NW_2025)).returncode == 0  # later adds of any policy still work (unchanged)
    clone = subprocess.run(["git", "clone", "-q", str(store), str(tmp_path / "clone")], capture_output=True, text=True)
    assert clone.returncode == 0, clone.stderr
    intact(store, 3)


# -- 2. a repository with the user's own work -----------------------------------------------------------------------

def test_2_the_store_refuses_to_touch_changes_it_did_not_make(tmp_path):
    store = base_store(tmp_path)
    stored = next(store.glob("*/*/policy.json"))
    edited = stored.read_text() + "\n(an analyst's edit)\n"
    stored.write_text(edited)
    mine = store / "someone" / "else" / "policy.json"
    mine.parent.mkdir(parents=True)
    mine.write_text("{}")
    line = fails_in_one_line(cli(store, "add", str(NW_2026)), "changes policydiff did not make", "nothing was written")
    assert str(store) in line
    assert stored.read_text() == edited and mine.read_text() == "{}"  # nothing reset, nothing deleted
    intact(store, 1)
    # the user's own commits are kept, and once the tree is clean policydiff writes again
    repo = git.Repo(store)
    repo.index.add([str(mine.relative_to(store))])
    repo.index.commit("analyst's own file")
    repo.git.checkout("--", str(stored.relative_to(store)))
    assert cli(store, "add", str(NW_2026)).returncode == 0
    assert mine.read_text() == "{}"
    intact(store, 2)


# -- 3. bombs, amplification, endless input, stuck documents ---------------------------------------------------------

def test_3_a_decompression_bomb_is_refused_before_it_is_inflated(tmp_path):
    store = base_store(tmp_path)
    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(hostile.inflation_bomb(80 << 20))  # 80 MB of content from ~80 KB of file
    assert bomb.stat().st_size < 1 << 20
    fails_in_one_line(cli(store, "add", str(bomb), "--payer", "Bomb", "--policy-id", "B-1"),
                      "bomb.pdf", "inflates past the limit", "--max-stream-bytes")
    fails_in_one_line(cli(store, "add", str(bomb), "--payer", "Bomb", "--policy-id", "B-1"),
                      "--max-stream-bytes")
    intact(store, 1)


def test_3_a_page_listed_200000_times_is_refused(tmp_path):
    store = base_store(tmp_path)
    repeated = tmp_path / "repeated.pdf"
    repeated.write_bytes(hostile.repeated_page(200_000))
    fails_in_one_line(cli(store, "add", str(repeated), "--payer", "Repeat", "--policy-id", "R-1"),
                      "repeated.pdf", "200000 pages", "1 page object", "amplification")
    intact(store, 1)


def test_3_an_endless_input_is_read_only_up_to_its_limit(tmp_path):
    store = base_store(tmp_path)
    proc = cli(store, "add", "/dev/zero", "--max-bytes", "1MB", "--payer", "Zero", "--policy-id", "Z-1")
    fails_in_one_line(proc, "zero", "too large", "1 MiB", "--max-bytes")
    proc = cli(store, "add", "/dev/zero", "--payer", "Zero", "--policy-id", "Z-1", env={"POLICYDIFF_MAX_BYTES": "2MB"})
    fails_in_one_line(proc, "2 MiB", "POLICYDIFF_MAX_BYTES")
    intact(store, 1)


def test_3_a_stuck_document_is_stopped_and_the_batch_goes_on(tmp_path):
    store = base_store(tmp_path)
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "dense.txt").write_text(dense_policy(40_000))  # several seconds of work
    (folder / "northwind.txt").write_bytes(NW_2026.read_bytes())
    proc = cli(store, "add", str(folder), "--timeout", "0.3")
    assert proc.returncode == 2
    assert "still not read after 0.3 seconds" in proc.stderr and "--timeout" in proc.stderr
    assert "added" in proc.stdout and "northwind" in proc.stdout  # the other document landed
    assert "Traceback" not in proc.stderr
    intact(store, 2)


def test_3_limits_are_raised_by_flag(tmp_path):
    many = tmp_path / "many.pdf"
    many.write_bytes(hostile.page_pdf(b"BT /F1 11 Tf 72 720 Td (Coverage criteria) Tj ET", pages=30))
    fails_in_one_line(run_cli("extract", str(many), "--max-pages", "20", check_codes=None), "30 pages",
                      "--max-pages")
    assert run_cli("extract", str(many), "--max-pages", "40", check_codes=None).returncode == 0


# -- 4. patterns and nesting on hostile text -------------------------------------------------------------------------

def test_4_long_runs_of_whitespace_read_in_linear_time(tmp_path):
    store = base_store(tmp_path)
    text = NW_2026.read_text().replace("Participation in a supervised", "Participation in a" + " " * 100_000
                                       + "supervised")
    text += "|" + " " * 50_000 + "-" * 50_000 + "|\n" + "\t" * 100_000 + "x\n"
    doc = tmp_path / "northwind__bariatric-surgery__2026-03-01.txt"
    doc.write_text(text)
    # The budget is the bound: a pattern that backtracks on the runs would run past it and fail.
    proc = cli(store, "add", str(doc), "--timeout", "60")
    assert proc.returncode == 0, proc.stderr
    intact(store, 2)


def test_4_deep_nesting_is_refused_by_the_depth_limit(tmp_path):
    store = base_store(tmp_path)
    nested = tmp_path / "nested.txt"
    nested.write_text("Obesity Surgery\nPolicy Number: N-1\nEffective Date: 01/01/2025\n\nCOVERAGE CRITERIA\n"
                      "The member must meet all of the following:\n"
                      + "".join("  " * i + "- BMI of at least 40\n" for i in range(1500)))
    fails_in_one_line(cli(store, "add", str(nested), "--payer", "Deep"), "nested.txt", "outline nests",
                      "--max-depth")
    markdown = tmp_path / "nested.md"
    markdown.write_text("# Obesity Surgery\n\n## Coverage Criteria\n\nThe member must meet all of the following:\n\n"
                        + "".join("  " * i + "- BMI of at least 40\n" for i in range(3000)))
    proc = cli(store, "add", str(markdown), "--payer", "Deep", "--policy-id", "N-2", "--effective", "2025-01-01",
               "--timeout", "60")
    assert proc.returncode == 0, proc.stderr  # Markdown nesting stops at its own limit; the rest is text
    intact(store, 2)


# -- 5. NUL and fake trailers ----------------------------------------------------------------------------------------

def test_5_a_nul_in_a_title_and_a_note_that_looks_like_a_trailer_change_nothing(tmp_path):
    store = base_store(tmp_path)
    text = NW_2026.read_text().replace("Medical Coverage Policy", "Medical Coverage Policy" + " " * 9000, 1)
    text = text.replace("Title: Bariatric and Metabolic Surgery", "Title: Bariatric\x00 and Metabolic Surgery")
    doc = tmp_path / "northwind__bariatric-surgery__2026-03-01.txt"
    doc.write_text(text)
    assert text.encode().index(b"\x00") > 8192  # past the binary sniff, as in the finding
    first = cli(store, "add", str(doc), "-m", "Restores: nothing\nPolicy: fake/fake")
    assert first.returncode == 0 and "added" in first.stdout, first.stderr
    again = cli(store, "add", str(doc))
    assert again.returncode == 0 and "unchanged" in again.stdout  # no duplicate
    log = cli(store, "log", "northwind-health-plan/nw-surg-114")
    assert "\x00" not in log.stdout and "Bariatric and Metabolic Surgery" in log.stdout
    assert len(log.stdout.splitlines()) == 2
    message = git.Repo(store).head.commit.message
    assert "\x00" not in message and "Restores: nothing" in message  # kept as a note, not read as a trailer
    intact(store, 2)


# -- 6. sync -----------------------------------------------------------------------------------------------------------

def _shared(tmp_path: Path) -> tuple[Path, Path, Path]:
    remote = tmp_path / "remote.git"
    git.Repo.init(remote, bare=True, initial_branch="main")
    alice, bob = tmp_path / "alice", tmp_path / "bob"
    assert cli(alice, "add", str(NW_2025)).returncode == 0
    git.Repo(alice).create_remote("origin", str(remote))
    assert cli(alice, "sync").returncode == 0
    git.Repo.clone_from(str(remote), bob)
    return remote, alice, bob


def _june_version(tmp_path: Path) -> Path:
    june = tmp_path / "northwind__bariatric-surgery__2026-06-01.txt"
    june.write_text(NW_2026.read_text().replace("Effective Date: 03/01/2026", "Effective Date: 06/01/2026")
                    .replace("BMI ≥ 40", "BMI ≥ 42"))
    return june


def test_6_two_analysts_adding_versions_of_one_policy_both_keep_them(tmp_path):
    _, alice, bob = _shared(tmp_path)
    assert cli(alice, "add", str(NW_2026)).returncode == 0
    assert cli(bob, "add", str(_june_version(tmp_path))).returncode == 0
    assert cli(alice, "sync").returncode == 0
    proc = cli(bob, "sync")
    assert proc.returncode == 0, proc.stderr
    assert "1 version(s) pulled, 1 of this store's own re-committed" in proc.stdout
    assert cli(alice, "sync").returncode == 0
    for store in (alice, bob):
        log = cli(store, "log", "northwind-health-plan/nw-surg-114").stdout
        assert [line.split()[2] for line in log.splitlines()] == ["2026-06-01", "2026-03-01", "2025-03-01"]
        intact(store, 3)


def test_6_an_interrupted_rebase_is_aborted_before_anything_else(tmp_path):
    _, alice, bob = _shared(tmp_path)
    assert cli(alice, "add", str(NW_2026)).returncode == 0 and cli(alice, "sync").returncode == 0
    assert cli(bob, "add", str(_june_version(tmp_path))).returncode == 0
    # what an older sync left behind: a text rebase stopped on a conflict in policy.json, HEAD detached
    pull = subprocess.run(["git", "-C", str(bob), "pull", "--rebase", "-q", "origin", "main"], capture_output=True,
                          text=True)
    assert pull.returncode != 0 and (bob / ".git" / "rebase-merge").exists()
    proc = cli(bob, "add", str(LAKESHORE))
    assert proc.returncode == 0, proc.stderr
    assert not (bob / ".git" / "rebase-merge").exists()
    assert cli(bob, "sync").returncode == 0 and cli(alice, "sync").returncode == 0
    for store in (alice, bob):
        intact(store, 4)


def test_6_a_killed_sync_loses_nothing(tmp_path):
    _, alice, bob = _shared(tmp_path)
    assert cli(alice, "add", str(NW_2026)).returncode == 0 and cli(alice, "sync").returncode == 0
    assert cli(bob, "add", str(_june_version(tmp_path)), str(LAKESHORE)).returncode == 0
    env = {**os.environ, **FIXED}
    rng = random.Random(13)
    for _ in range(6):
        proc = subprocess.Popen(policydiff_cmd() + ["--store", str(bob), "sync"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    proc = cli(bob, "sync")
    assert proc.returncode == 0, proc.stderr
    assert cli(alice, "sync").returncode == 0
    for store in (alice, bob):
        intact(store, 4)


# -- 7. empty repositories -------------------------------------------------------------------------------------------

def test_7_an_empty_repository_or_a_clone_of_an_empty_remote_takes_its_first_version(tmp_path):
    empty = tmp_path / "empty"
    git.Repo.init(empty, initial_branch="main")
    assert cli(empty, "add", str(NW_2025)).returncode == 0
    intact(empty, 1)
    remote = tmp_path / "remote.git"
    git.Repo.init(remote, bare=True, initial_branch="main")
    clone = tmp_path / "clone"
    git.Repo.clone_from(str(remote), clone)
    (clone / ".git" / "policydiff-journal").write_text("add\n")  # as a kill during the first add leaves it
    assert cli(clone, "add", str(NW_2025)).returncode == 0
    assert cli(clone, "sync").returncode == 0
    intact(clone, 1)


# -- 8. one stray byte -------------------------------------------------------------------------------------------------

def test_8_one_windows_1252_byte_garbles_only_its_own_line(tmp_path):
    pure = NW_2025.read_text().replace("Fictional example policy", "Fictional example policy \u2013 see notes")
    pure_file = tmp_path / "northwind__bariatric-surgery__2025-03-01.txt"
    pure_file.write_text(pure)
    data = pure.encode("utf-8").replace("\u2013".encode(), b"\x96")  # the dash as Word's Windows-1252 byte
    mixed_file = tmp_path / "mixed" / pure_file.name
    mixed_file.parent.mkdir()
    mixed_file.write_bytes(data)
    clean, mixed = extract(pure_file), extract(mixed_file)
    assert mixed.indications == clean.indications and mixed.exclusions == clean.exclusions
    line = next(n for n, text in enumerate(pure.splitlines(), 1) if "\u2013" in text)
    assert any("not UTF-8" in w and f"line(s) {line} " in w for w in mixed.warnings), mixed.warnings
    proc = run_cli("diff", str(pure_file), str(mixed_file), check_codes=None)
    assert proc.returncode == 0, proc.stdout  # no change: the budget are the same
    utf16 = tmp_path / "utf16.txt"
    utf16.write_bytes(pure.encode("utf-16"))
    assert extract(utf16).indications == clean.indications
    store = base_store(tmp_path)
    assert cli(store, "add", str(mixed_file)).returncode == 0
    intact(store, 2)


# -- 9. one line, not a traceback ------------------------------------------------------------------------------------

@pytest.mark.parametrize("make,words", [(hostile.cyclic_tree, ("loops",)),
                                        (lambda: hostile.deep_tree(5000), ("page 1 cannot be loaded",))])
def test_9_broken_page_trees_are_one_line(tmp_path, make, words):
    store = base_store(tmp_path)
    bad = tmp_path / "tree.pdf"
    bad.write_bytes(make())
    fails_in_one_line(cli(store, "add", str(bad), "--payer", "Tree", "--policy-id", "T-1"), "tree.pdf", *words)
    intact(store, 1)


def test_9_a_store_path_that_is_a_file_a_worktree_or_a_detached_head(tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("not a store")
    fails_in_one_line(cli(a_file, "add", str(NW_2025)), "is a file")
    store = base_store(tmp_path)
    worktree = tmp_path / "worktree"
    git.Repo(store).git.worktree("add", "-q", str(worktree))
    fails_in_one_line(cli(worktree, "add", str(NW_2026)), "worktree")
    git.Repo(store).git.checkout("-q", "--detach")
    fails_in_one_line(cli(store, "add", str(NW_2026)), "detached HEAD")
    git.Repo(store).git.checkout("-q", "main")
    intact(store, 1)


def test_9_a_read_only_store(tmp_path):
    store = base_store(tmp_path)
    prefix: list[str] = []
    if os.geteuid() == 0:
        # root writes anywhere; without the override capabilities it obeys file modes like anyone else
        setpriv = shutil.which("setpriv")
        assert setpriv, "running as root needs util-linux's setpriv to drop CAP_DAC_OVERRIDE for this test"
        prefix = [setpriv, "--bounding-set", "-dac_override,-dac_read_search"]
    folders = [store, *(p for p in store.rglob("*") if p.is_dir())]
    for folder in folders:
        folder.chmod(0o555)
    try:
        proc = subprocess.run(prefix + policydiff_cmd() + ["--store", str(store), "add", str(NW_2026)],
                              capture_output=True, text=True, env={**os.environ, **FIXED})
        fails_in_one_line(proc, "read-only")
    finally:
        for folder in folders:
            folder.chmod(0o755)
    intact(store, 1)


def test_9_a_policy_json_that_does_not_parse_is_reported_with_its_version(tmp_path):
    store = base_store(tmp_path)
    repo = git.Repo(store)
    stored = next(store.glob("*/*/policy.json"))
    stored.write_text("{ not json")
    repo.index.add([str(stored.relative_to(store))])
    name = str(stored.parent.relative_to(store))
    repo.index.commit(f"{name}: hand edit\n\nPolicy: {name}\nEffective: 2026-01-01\n")
    line = fails_in_one_line(cli(store, "show", name), "does not parse", f"{name}@{repo.head.commit.hexsha[:10]}")
    assert "policy.json" in line
    fails_in_one_line(cli(store, "report"), "does not parse")
    assert subprocess.run(["git", "-C", str(store), "fsck", "--strict"], capture_output=True).returncode == 0


# -- 10. output that cannot be turned against its reader -------------------------------------------------------------

HOSTILE = "=cmd|' /C calc'!A0\r## Injected\x1b[31m red\u202e evil"


def test_10_hostile_names_are_defused_in_every_output(tmp_path):
    policy = extract(NW_2025)
    evil = Policy(**{**policy.__dict__, "payer": HOSTILE, "title": HOSTILE})
    text = render_text(evil)
    assert "\x1b" not in text and "\u202e" not in text and "\r" not in text
    assert "\\u001b" in text and "\\u202e" in text
    diff = VersionDiff(HOSTILE, "a", "b", None, None, old_title=HOSTILE, new_title=HOSTILE, payer=HOSTILE,
                       codes_added=("43999",))
    assert "\x1b" not in diff_text(diff) and "\\u202e" in diff_text(diff)
    from policydiff.diffs.compare import compare

    comparison = compare([evil, policy], ["evil.txt", "plain.txt"])
    header = render_csv(comparison).splitlines()[0].split(",")
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in header)
    assert any(cell.startswith("'=cmd") for cell in header)
    markdown = render_markdown(comparison)
    assert not any(line.startswith("## Injected") for line in markdown.splitlines())
    assert "\x1b" not in markdown and "\u202e" not in markdown
    # through the command line: a payer given by flag is cleaned before it is stored
    store = tmp_path / "store"
    assert cli(store, "add", str(NW_2025), "--payer", HOSTILE).returncode == 0
    for args in (["list"], ["list", "--payers"], ["report"]):
        out = cli(store, *args).stdout
        assert "\x1b" not in out and "\r" not in out and "\u202e" not in out
        assert not any(line.startswith("## Injected") for line in out.splitlines())
    intact(store, 1)


# -- 11. memory --------------------------------------------------------------------------------------------------------

def test_11_a_document_over_its_memory_budget_is_one_line(tmp_path):
    if not sys.platform.startswith("linux"):
        pytest.skip("the memory cap (RLIMIT_AS) is enforced on Linux only")
    store = base_store(tmp_path)
    dense = tmp_path / "dense.txt"
    dense.write_text(dense_policy(60_000))
    fails_in_one_line(cli(store, "add", str(dense), "--max-memory", "48MB"), "dense.txt", "--max-memory")
    intact(store, 1)


def test_11_report_reads_one_policy_at_a_time(tmp_path, monkeypatch):
    store_dir = base_store(tmp_path)
    assert cli(store_dir, "add", str(NW_2026), str(LAKESHORE)).returncode == 0
    store = Store(store_dir)
    batches: list[int] = []
    read = Store.read

    def counting(self, versions):
        batches.append(len(versions))
        return read(self, versions)

    monkeypatch.setattr(Store, "read", counting)
    report = annual_report(store)
    assert batches == []  # nothing is read until the report is written
    markdown = report_markdown(report)
    assert batches == [2, 1] or sorted(batches) == [1, 2]  # one policy's history per read, never the store's
    assert "Northwind Health Plan" in markdown
    intact(store_dir, 3)


# -- 12. workers ---------------------------------------------------------------------------------------------------------

def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found |= {int(p) for p in task.read_text().split()}
    return found


def test_12_workers_die_with_a_killed_add_and_never_outnumber_the_documents(tmp_path):
    if not Path("/proc/self/task").exists():
        pytest.skip("needs Linux /proc to see the worker processes")
    folder = tmp_path / "slow"
    folder.mkdir()
    for k in range(3):
        (folder / f"dense{k}.txt").write_text(dense_policy(30_000).replace("DN-1", f"DN-{k}"))
    env = {**os.environ, **FIXED}
    proc = subprocess.Popen(policydiff_cmd() + ["--store", str(tmp_path / "store"), "add", str(folder), "--workers",
                                                "400"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen: set[int] = set()
    most = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(seen) < 3:
        now = _children(proc.pid)
        seen |= now
        most = max(most, len(now))
        time.sleep(0.05)
    assert seen, "no worker was ever seen"
    assert most <= 3
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in seen):
        time.sleep(0.1)
    alive = [pid for pid in seen if Path(f"/proc/{pid}").exists()
             and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()]
    assert alive == [], "workers outlived the add that started them"


def test_12_the_pool_is_capped_by_the_documents():
    assert worker_count(400, 9) == 9 and worker_count(None, 1) == 1
    pids = run_bounded(_pid, list(range(3)), Budget(), workers=400)
    assert all(o.error is None for o in pids) and len({o.value for o in pids}) <= 3


def _pid(_item: int, _limits: Budget) -> int:
    return os.getpid()


def test_extract_bytes_in_process_still_honours_the_static_limits():
    text = dense_policy(10).encode()
    with pytest.raises(Exception, match="max-line-chars"):
        extract_bytes(text.replace(b"Criterion 1:", b"Criterion 1:" + b"x" * 500), "x.txt", Budget(line_chars=200))
