"""The git store, with real repositories in temp dirs, a fixed identity and fixed dates."""
import json
import os
import signal
import subprocess
import time

import git
import pytest

from policydiff.errors import StoreError
from policydiff.ingest import Identity, add
from policydiff.store import Store, parse_ref

from .conftest import ANALYST, LAKESHORE, NW_2025, NW_2026, isolate_git, run_cli
from .fixtures.variants import variant, write_variants

FIXED = {**ANALYST, "GIT_AUTHOR_DATE": "1767323045 +0000", "GIT_COMMITTER_DATE": "1767323045 +0000"}


@pytest.fixture(autouse=True)
def fixed_identity(monkeypatch, tmp_path):
    isolate_git(monkeypatch, tmp_path / "home", FIXED)


def test_add_writes_canonical_files_and_trailers(tmp_path):
    store = Store(tmp_path / "store")
    [result] = add(store, [NW_2025])
    assert (result.status, result.policy, result.effective) == ("added", "northwind-health-plan/nw-surg-114", "2025-03-01")
    folder = tmp_path / "store" / "northwind-health-plan" / "nw-surg-114"
    text = (folder / "policy.json").read_text()
    data = json.loads(text)
    assert list(data)[:4] == ["schema_version", "payer", "policy_id", "title"]
    assert '\n  "policy_id": "NW-SURG-114",\n' in text  # one field per line, stable order
    assert "Clinically severe obesity in adults" in (folder / "source.txt").read_text()
    commit = git.Repo(tmp_path / "store").head.commit
    assert commit.author.email == "analyst@example.org"
    sha = __import__("hashlib").sha256(NW_2025.read_bytes()).hexdigest()
    for trailer in ("Policy: northwind-health-plan/nw-surg-114", "Effective: 2025-03-01", f"Source-SHA256: {sha}",
                    "Title: Bariatric and Metabolic Surgery"):
        assert trailer in commit.message
    assert data["document"]["sha256"] == sha


def test_same_inputs_give_the_same_commit_ids(tmp_path):
    heads = []
    for name in ("a", "b"):
        store = Store(tmp_path / name)
        add(store, [NW_2025])
        add(store, [NW_2026])
        heads.append(git.Repo(tmp_path / name).head.commit.hexsha)
    assert heads[0] == heads[1]


def test_identical_content_makes_no_commit(tmp_path):
    store = Store(tmp_path / "store")
    add(store, [NW_2025])
    before = git.Repo(tmp_path / "store").head.commit.hexsha
    renamed = tmp_path / "renamed.txt"
    renamed.write_bytes(NW_2025.read_bytes())
    [result] = add(store, [renamed])
    assert result.status == "unchanged"
    assert git.Repo(tmp_path / "store").head.commit.hexsha == before
    proc = run_cli("--store", str(tmp_path / "store"), "add", str(NW_2025), env=FIXED)
    assert proc.stdout.startswith("unchanged")


def test_backfill_orders_versions_by_effective_date(tmp_path):
    store = Store(tmp_path / "store")
    add(store, [NW_2026])
    [old] = add(store, [NW_2025])
    assert old.status == "backfilled"
    log = store.log("northwind-health-plan/nw-surg-114")
    assert [v.effective for v in log] == ["2026-03-01", "2025-03-01"]
    # The working tree still shows the newest version; the restore commit is not a version.
    current = json.loads((tmp_path / "store/northwind-health-plan/nw-surg-114/policy.json").read_text())
    assert current["dates"]["effective"] == "2026-03-01"
    assert store.show("northwind-health-plan/nw-surg-114@2025-12-31").dates.effective == "2025-03-01"
    assert store.show("northwind-health-plan/nw-surg-114@2026-03-01").dates.effective == "2026-03-01"
    assert store.show("northwind-health-plan/nw-surg-114@~1").dates.effective == "2025-03-01"
    assert store.show(f"northwind-health-plan/nw-surg-114@{old.rev[:10]}").dates.effective == "2025-03-01"
    assert "43848" in store.source_text("northwind-health-plan/nw-surg-114@~1")


@pytest.mark.parametrize("ref,message", [
    ("northwind-health-plan/nw-surg-114@2001-01-01", "no version"),
    ("northwind-health-plan/nw-surg-114@~5", "only 1 version"),
    ("northwind-health-plan/nw-surg-114@deadbeef", "unknown revision"),
    ("northwind-health-plan/nw-surg-114@2025-02-30", "not a real date"),
    ("nobody/nothing", "no such policy"),
    ("../../etc/passwd", "not a stored policy name"),
])
def test_unknown_refs_are_clear_errors(tmp_path, ref, message):
    store = Store(tmp_path / "store")
    add(store, [NW_2025])
    with pytest.raises(StoreError, match=message):
        store.show(ref)
    proc = run_cli("--store", str(tmp_path / "store"), "show", ref, check_codes=(2,))
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_list_and_log_through_the_cli(tmp_path):
    s = str(tmp_path / "store")
    run_cli("--store", s, "add", str(NW_2025), str(NW_2026), str(LAKESHORE), env=FIXED)
    listing = run_cli("--store", s, "list").stdout
    assert "northwind-health-plan/nw-surg-114" in listing and "2 version(s)  newest 2026-03-01" in listing
    assert "lakeshore-mutual/lm-0457" in listing
    log = run_cli("--store", s, "log", "northwind-health-plan/nw-surg-114").stdout.splitlines()
    assert [line.split()[2] for line in log] == ["2026-03-01", "2025-03-01"]
    shown = json.loads(run_cli("--store", s, "show", "northwind-health-plan/nw-surg-114@~1", "--format", "json").stdout)
    assert shown["dates"]["effective"] == "2025-03-01"
    assert "# Bariatric and Metabolic Surgery" in run_cli("--store", s, "show", "northwind-health-plan/nw-surg-114",
                                                          "--format", "md").stdout


def test_list_states_each_policys_kind(tmp_path):
    """A document with no covered criteria is stored like any policy, and `list` says what it is."""
    doc = tmp_path / "brightwater__widget-nerve-ablation__2026-03-01.txt"
    doc.write_text("Brightwater Health Plan\nMedical Policy: Widget Nerve Ablation\nPolicy Number: BW-0099\n"
                   "Effective Date: 03/01/2026\n\nCOVERAGE STATEMENT\n\nBrightwater Health Plan considers widget "
                   "nerve ablation experimental, investigational and unproven for all indications.\n")
    s = str(tmp_path / "store")
    run_cli("--store", s, "add", str(NW_2025), str(doc), env=FIXED)
    listing = run_cli("--store", s, "list").stdout.splitlines()
    assert any("nw-surg-114" in line and line.endswith("[medical policy]") for line in listing), listing
    assert any("bw-0099" in line and line.endswith("[no covered criteria]") for line in listing), listing


def test_store_env_variable_is_the_default(tmp_path):
    run_cli("add", str(NW_2025), env={**FIXED, "POLICYDIFF_STORE": str(tmp_path / "env-store")})
    assert (tmp_path / "env-store" / "northwind-health-plan" / "nw-surg-114" / "policy.json").exists()


def test_flags_override_identity_and_missing_identity_names_the_flag(tmp_path):
    store = Store(tmp_path / "store")
    [r] = add(store, [NW_2025], Identity(payer="Lake View Co-op", policy_id="X 9", effective="2024-12-31"))
    assert (r.policy, r.effective) == ("lake-view-co-op/x-9", "2024-12-31")
    no_payer = tmp_path / "anon.txt"
    no_payer.write_text(NW_2025.read_text().replace("NORTHWIND HEALTH PLAN", "").replace("Northwind Health Plan", "The plan"))
    proc = run_cli("--store", str(tmp_path / "store"), "add", str(no_payer), check_codes=(2,), env=FIXED)
    assert "pass --payer" in proc.stderr


def test_hostile_names_stay_inside_the_store(tmp_path):
    store = Store(tmp_path / "store")
    [r] = add(store, [NW_2025], Identity(payer="../../../tmp/evil", policy_id="..;rm -rf ~"))
    assert r.policy == "tmp-evil/rm-rf"
    assert (tmp_path / "store" / "tmp-evil" / "rm-rf" / "policy.json").exists()
    assert not (tmp_path / "evil").exists()
    with pytest.raises(StoreError):
        parse_ref("../x/y")


def test_batch_add_a_folder_with_one_bad_document(tmp_path):
    docs = write_variants(tmp_path / "in", payers=6)
    (tmp_path / "in" / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    proc = run_cli("--store", str(tmp_path / "store"), "add", str(tmp_path / "in"), "--workers", "2",
                   check_codes=(2,), env=FIXED)
    assert "broken.pdf" in proc.stderr and "1 of 7 document(s) failed" in proc.stderr
    assert proc.stdout.count("added") == len(docs)
    assert len(Store(tmp_path / "store").list()) == 6
    repo = git.Repo(tmp_path / "store")
    assert len(list(repo.iter_commits())) == 6  # one commit per version, nothing else


def test_two_concurrent_adds_both_land(tmp_path):
    write_variants(tmp_path / "a", payers=8)
    (tmp_path / "b").mkdir()
    for n in range(8, 16):
        (tmp_path / "b" / f"p{n}.txt").write_text(variant(n))
    cmd = __import__("tests.conftest", fromlist=["x"]).policydiff_cmd()
    env = {**os.environ, **FIXED}
    procs = [subprocess.Popen(cmd + ["--store", str(tmp_path / "store"), "add", str(tmp_path / d), "--workers", "1"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for d in ("a", "b")]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    assert len(Store(tmp_path / "store").list()) == 16
    assert subprocess.run(["git", "-C", str(tmp_path / "store"), "fsck", "--strict"], capture_output=True).returncode == 0


def test_kill_9_during_add_leaves_a_usable_store(tmp_path):
    total = 700
    write_variants(tmp_path / "in", payers=total)
    cmd = __import__("tests.conftest", fromlist=["x"]).policydiff_cmd()
    env = {**os.environ, **FIXED}
    store_dir = tmp_path / "store"
    add(Store(store_dir), [tmp_path / "in" / "payer0000__v0.txt"])  # the store exists before the kill
    proc = subprocess.Popen(cmd + ["--store", str(store_dir), "add", str(tmp_path / "in"), "--workers", "2"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.time() + 300
    packs = store_dir / ".git" / "objects" / "pack"
    while time.time() < deadline and proc.poll() is None:
        if packs.is_dir() and any(packs.glob("tmp_pack_*")):  # fast-import is writing versions
            time.sleep(0.05)
            break
        time.sleep(0.005)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # already finished: caught by the assertion below
    proc.wait()
    fsck = subprocess.run(["git", "-C", str(store_dir), "fsck"], capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stderr
    stored_before = len(Store(store_dir).list())
    assert 1 <= stored_before < total, "the add finished before it could be killed; the test proves nothing"
    run_cli("--store", str(store_dir), "add", str(tmp_path / "in"), env=FIXED)
    store = Store(store_dir)
    assert len(store.list()) == total
    assert store.show("example-payer0699-health-plan/ex-0699").policy_id == "EX-0699"
    status = subprocess.run(["git", "-C", str(store_dir), "status", "--porcelain"], capture_output=True, text=True)
    assert status.stdout.strip() == ""


def test_sync_through_a_shared_bare_remote(tmp_path):
    remote = tmp_path / "remote.git"
    git.Repo.init(remote, bare=True, initial_branch="main")
    alice, bob = Store(tmp_path / "alice"), Store(tmp_path / "bob")
    add(alice, [NW_2025])
    git.Repo(alice.path).create_remote("origin", str(remote))
    alice.sync()
    git.Repo.clone_from(str(remote), bob.path)
    add(bob, [LAKESHORE])
    bob.sync()
    add(alice, [NW_2026])
    alice.sync()  # pulls bob's version with rebase, then pushes
    bob.sync()
    for store in (alice, bob):
        names = {s.name: s.versions for s in Store(store.path).list()}
        assert names == {"northwind-health-plan/nw-surg-114": 2, "lakeshore-mutual/lm-0457": 1}


def test_sync_without_a_remote_says_how_to_add_one(tmp_path):
    store = Store(tmp_path / "store")
    add(store, [NW_2025])
    with pytest.raises(StoreError, match="remote add origin"):
        store.sync()
