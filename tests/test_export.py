"""`policydiff export --format sqlite`: read back with SQL, counted against the store, kept up to date."""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from policydiff.diffs.versions import diff_policies
from policydiff.normalized.schema import iter_criteria, iter_thresholds
from policydiff.store import Store

from .conftest import EXAMPLES, LAKESHORE, NW_2025, NW_2026, ROOT, run_cli
from .test_store import FIXED

README = (ROOT / "README.md").read_text(encoding="utf-8")


def export(store: Path, file: Path, codes=(0,)):
    return run_cli("--store", str(store), "export", "--format", "sqlite", str(file), env=FIXED, check_codes=codes)


def counts_in_store(store: Store) -> dict[str, int]:
    """What the export must hold, counted from the store with the library."""
    index = store.index()
    versions = [v for vs in index.values() for v in vs]
    policies = store.read(versions)
    out = {"policies": len(index), "versions": len(versions), "indications": 0, "criteria": 0, "thresholds": 0,
           "codes": 0, "exclusions": 0, "unread": 0, "version_diffs": sum(len(vs) - 1 for vs in index.values())}
    for p in policies:
        out["indications"] += len(p.indications)
        out["criteria"] += sum(1 + sum(1 for _ in iter_criteria(i.criteria)) for i in p.indications)
        out["thresholds"] += sum(1 for i in p.indications for _ in iter_thresholds(i.criteria))
        out["codes"] += len(p.codes) + sum(len(i.codes) for i in p.indications)
        out["exclusions"] += len(p.exclusions)
        out["unread"] += len(p.accounting.unread) + len(p.accounting.unread_numbers)
    return out


def counts_in_file(file: Path) -> dict[str, int]:
    with sqlite3.connect(file) as db:
        return {table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                for table in ("policies", "versions", "indications", "criteria", "thresholds", "codes", "exclusions",
                              "unread", "version_diffs")}


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "store"
    run_cli("--store", str(path), "add", str(NW_2025), str(LAKESHORE), env=FIXED, check_codes=(0,))
    return path


def test_export_holds_what_the_store_holds(store, tmp_path):
    file = tmp_path / "policies.db"
    proc = export(store, file)
    assert "2 policies, 2 versions (2 added, 0 removed, 0 version diffs)" in proc.stdout
    expected = counts_in_store(Store(store))
    assert counts_in_file(file) == expected and expected["thresholds"] > 10
    with sqlite3.connect(file) as db:
        # every limit: its criterion, indication and version, joined back by the foreign keys
        rows = db.execute("""SELECT p.payer, i.key, c.path, c.role, t.measure, t.op, t.value, t.unit, t.role
                             FROM thresholds t JOIN criteria c ON c.id = t.criterion
                             JOIN indications i ON i.id = c.indication JOIN versions v ON v.rev = i.version
                             JOIN policies p ON p.name = v.policy
                             WHERE p.name = 'northwind-health-plan/nw-surg-114' AND t.measure = 'bmi'
                             ORDER BY c.path""").fetchall()
        assert ("Northwind Health Plan", "morbid-obesity", "2.1", "one of 2 alternatives", "bmi", ">=", 40.0,
                "kg/m2", "one of 2 alternatives") in rows
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for table in ("criteria", "thresholds", "versions", "version_diffs", "diff_changes", "codes"):
            assert db.execute(f"PRAGMA foreign_key_list({table})").fetchall(), table
        # each table and column is described in the export itself
        described = {t for (t,) in db.execute("SELECT DISTINCT table_name FROM about")}
        assert tables - {"export_meta", "about"} <= described
        between = db.execute("SELECT low, high, limit_text FROM thresholds WHERE op = 'between' AND measure = 'bmi'"
                             ).fetchall()
        assert (35.0, 39.9, "35–39.9 kg/m2") in between


def test_reexport_adds_only_new_versions(store, tmp_path):
    file = tmp_path / "policies.db"
    export(store, file)
    with sqlite3.connect(file) as db:
        before = db.execute("SELECT id, text FROM criteria ORDER BY id").fetchall()
    run_cli("--store", str(store), "add", str(NW_2026), env=FIXED, check_codes=(0,))
    proc = export(store, file)
    assert "2 policies, 3 versions (1 added, 0 removed, 1 version diffs)" in proc.stdout
    assert counts_in_file(file) == counts_in_store(Store(store))
    with sqlite3.connect(file) as db:
        after = dict(db.execute("SELECT id, text FROM criteria").fetchall())
        assert all(after[k] == text for k, text in before)  # the old versions' rows are the ones written before
        [(material, stricter, looser)] = db.execute("SELECT material, stricter, looser FROM version_diffs").fetchall()
        older, newer = Store(store).read(list(reversed(Store(store).log("northwind-health-plan/nw-surg-114"))))
        d = diff_policies(older, newer)
        assert (bool(material), stricter, looser) == (d.material, d.counts()["stricter"], d.counts()["looser"])
        changes = db.execute("SELECT what, change, measure, old, new FROM diff_changes WHERE what = 'threshold'"
                             ).fetchall()
        assert ("threshold", "looser", "treatment_duration", "≥ 6 months", "≥ 3 months") in changes
        assert db.execute("SELECT versions, newest_effective FROM policies WHERE name = "
                          "'northwind-health-plan/nw-surg-114'").fetchone() == (2, "2026-03-01")
        assert db.execute("SELECT position FROM versions ORDER BY effective").fetchall() == [(1,), (1,), (2,)]
    again = export(store, file)
    assert "(0 added, 0 removed, 1 version diffs)" in again.stdout


def test_readme_query_gives_the_readme_table(tmp_path):
    """The README's SQL, run on an export of the examples, gives the table the README shows."""
    store, file = tmp_path / "store", tmp_path / "policies.db"
    run_cli("--store", str(store), "add", str(EXAMPLES), env=FIXED, check_codes=(0,))
    export(store, file)
    [sql] = re.findall(r"```sql\n(.*?)```", README, re.S)
    after = README.split(sql, 1)[1].split("```", 1)[1].splitlines()
    start = next(n for n, line in enumerate(after) if line.startswith("|"))
    lines = []
    for line in after[start:]:
        if not line.startswith("|"):
            break
        lines.append(line)
    heads = [c.strip() for c in lines[0].strip("|").split("|")]
    shown = [tuple(c.strip() for c in line.strip("|").split("|")) for line in lines[2:]]
    with sqlite3.connect(file) as db:
        cursor = db.execute(sql)
        assert [d[0] for d in cursor.description] == heads
        assert [tuple(str(v) for v in row) for row in cursor.fetchall()] == shown


def test_export_refuses_a_file_it_did_not_write(store, tmp_path):
    theirs = tmp_path / "theirs.db"
    with sqlite3.connect(theirs) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
        db.execute("INSERT INTO notes VALUES ('mine')")
    before = theirs.read_bytes()
    proc = export(store, theirs, codes=(2,))
    assert proc.stderr.count("\n") == 1 and "did not write" in proc.stderr and "Traceback" not in proc.stderr
    assert theirs.read_bytes() == before
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 100)
    proc = export(store, text, codes=(2,))
    assert proc.stderr.count("\n") == 1 and "not a SQLite database" in proc.stderr
    assert text.read_text() == "not a database\n" * 100
    assert not list(tmp_path.glob("*.partial"))
    proc = export(tmp_path / "nowhere", tmp_path / "x.db", codes=(2,))
    assert "no policy store here" in proc.stderr and not (tmp_path / "x.db").exists()
