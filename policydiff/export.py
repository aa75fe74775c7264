"""`policydiff export --format sqlite FILE`: the store as a SQLite database, for SQL and Datasette.

Tables (described in `render.tables.TABLES`, in the README, and in the export itself as table `about`):
policies, versions, indications, criteria (tree path and role), thresholds (measure, op, value, unit, role,
provenance), codes, exclusions, unread, version_diffs and diff_changes, with foreign keys between them, and
a view `current_limits` (every limit of each policy's newest version). sqlite-utils makes the tables.

A re-export is incremental: versions already in FILE (by revision) are not read again; new versions are
read, their rows added, and the diffs of the policies they belong to brought up to date; versions no longer
in the store (a re-committed sync, a removed policy) are deleted with everything that hangs off them. The
work happens on a copy beside FILE that replaces it when complete, so a failed or killed export leaves
FILE as it was.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from .diffs.versions import diff_policies
from .errors import OutputError, StoreError
from .render.site import Stamp
from .render.tables import TABLES, VIEWS, Row, diff_rows, version_rows
from .store import Store, Version, parse_ref

FORMAT = "1"
"""The export's table layout; FILE made with another is rebuilt from scratch."""
BATCH = 500

_COLUMNS: dict[str, dict[str, type]] = {
    "policies": {"name": str, "payer": str, "policy_id": str, "title": str, "kind": str, "versions": int,
                 "newest_effective": str, "newest_rev": str},
    "versions": {"rev": str, "policy": str, "position": int, "effective": str, "date_source": str, "revised": str,
                 "reviewed": str, "original": str, "payer": str, "policy_id": str, "title": str, "kind": str,
                 "document": str, "format": str, "sha256": str, "pages": int, "coverage_lines": int,
                 "read_lines": int, "unread_lines": int, "warnings": str},
    "indications": {"id": str, "version": str, "position": int, "key": str, "label": str, "status": str,
                    "source_page": int, "source_line": int},
    "criteria": {"id": str, "indication": str, "version": str, "parent": str, "path": str, "depth": int, "node": str,
                 "logic": str, "min": int, "text": str, "negated": bool, "role": str, "source_page": int,
                 "source_line": int},
    "thresholds": {"id": str, "criterion": str, "indication": str, "version": str, "measure": str, "op": str,
                   "value": float, "low": float, "high": float, "value_text": str, "unit": str, "limit_text": str,
                   "role": str, "mode": str, "example": bool, "administrative": bool, "text": str,
                   "source_page": int, "source_line": int},
    "codes": {"id": str, "version": str, "indication": str, "system": str, "code": str, "description": str,
              "prior_auth": bool},
    "exclusions": {"id": str, "version": str, "position": int, "key": str, "label": str, "status": str,
                   "source_page": int, "source_line": int},
    "unread": {"id": str, "version": str, "what": str, "page": int, "line": int, "text": str, "reason": str},
    "version_diffs": {"id": str, "policy": str, "from_rev": str, "to_rev": str, "from_effective": str,
                      "to_effective": str, "material": bool, "stricter": int, "looser": int,
                      "indications_added": int, "indications_removed": int},
    "diff_changes": {"id": str, "diff": str, "what": str, "change": str, "indication_key": str,
                     "indication_label": str, "measure": str, "old": str, "new": str, "confidence": float},
}
_KEYS = {"policies": "name", "versions": "rev"}
_FOREIGN: dict[str, list[tuple[str, str, str]]] = {
    "versions": [("policy", "policies", "name")],
    "indications": [("version", "versions", "rev")],
    "criteria": [("indication", "indications", "id"), ("version", "versions", "rev"), ("parent", "criteria", "id")],
    "thresholds": [("criterion", "criteria", "id"), ("indication", "indications", "id"),
                   ("version", "versions", "rev")],
    "codes": [("version", "versions", "rev"), ("indication", "indications", "id")],
    "exclusions": [("version", "versions", "rev")],
    "unread": [("version", "versions", "rev")],
    "version_diffs": [("policy", "policies", "name"), ("from_rev", "versions", "rev"), ("to_rev", "versions", "rev")],
    "diff_changes": [("diff", "version_diffs", "id")],
}
_BY_VERSION = ("thresholds", "criteria", "codes", "exclusions", "unread", "indications")
"""Tables whose rows belong to one version (deleted with it), children before parents."""


@dataclass(frozen=True)
class ExportResult:
    file: Path
    policies: int
    versions: int
    added: int
    """Versions read from the store and added by this export (the rest were already in FILE)."""
    removed: int
    diffs: int


def _order(version: Version) -> tuple[str, int]:
    return (version.effective or "", version.committed)


def _open(path: Path) -> sqlite_utils.Database:
    """FILE as a policydiff export: new, or one an earlier export made. Anything else is refused."""
    if path.exists() and not path.is_file():
        raise OutputError(f"{path}: is not a file")
    try:
        db = sqlite_utils.Database(path)
        tables = set(db.table_names())
    except sqlite3.DatabaseError as exc:
        raise OutputError(f"{path}: not a SQLite database ({exc}); give a new file name") from None
    if tables and "export_meta" not in tables:
        db.close()
        raise OutputError(f"{path}: a SQLite database that policydiff did not write (tables: "
                          f"{', '.join(sorted(tables)[:5])}); give a new file name")
    meta = dict(db.execute("SELECT key, value FROM export_meta").fetchall()) if tables else {}
    if tables and meta.get("format") != FORMAT:
        for view in db.view_names():
            db[view].drop()
        for table in [*TABLES, "about"]:
            if table in tables:
                db.execute(f"DROP TABLE [{table}]")
    _create(db)
    return db


def _create(db: sqlite_utils.Database) -> None:
    existing = set(db.table_names())
    if "export_meta" not in existing:
        db["export_meta"].create({"key": str, "value": str}, pk="key")  # type: ignore[union-attr]
    for table, columns in _COLUMNS.items():
        if table not in existing:
            db[table].create(columns, pk=_KEYS.get(table, "id"),  # type: ignore[union-attr]
                             foreign_keys=_FOREIGN.get(table, []))
    if "about" not in existing:
        rows = [{"table_name": t, "column_name": None, "description": doc} for t, (doc, _) in TABLES.items()]
        rows += [{"table_name": t, "column_name": c, "description": doc} for t, (_, cols) in TABLES.items()
                 for c, doc in cols.items()]
        rows += [{"table_name": v, "column_name": None, "description": doc} for v, (doc, _) in VIEWS.items()]
        db["about"].insert_all(rows)  # type: ignore[union-attr]
    for view, (_, sql) in VIEWS.items():
        db.create_view(view, sql.strip(), replace=True)
    for table, column in (("versions", "policy"), ("indications", "version"), ("criteria", "indication"),
                          ("thresholds", "criterion"), ("thresholds", "measure"), ("codes", "version"),
                          ("exclusions", "version"), ("unread", "version"), ("version_diffs", "policy"),
                          ("diff_changes", "diff")):
        db.execute(f"CREATE INDEX IF NOT EXISTS [{table}_{column}] ON [{table}] ([{column}])")


def _insert(db: sqlite_utils.Database, rows: Iterable[tuple[str, Row]]) -> None:
    by_table: dict[str, list[Row]] = {}
    for table, row in rows:
        by_table.setdefault(table, []).append(row)
    for table in ("versions", *_BY_VERSION[::-1], "version_diffs", "diff_changes"):
        if by_table.get(table):
            db[table].insert_all(by_table[table], batch_size=BATCH)  # type: ignore[union-attr]


def _delete_versions(db: sqlite_utils.Database, revs: Sequence[str]) -> None:
    for start in range(0, len(revs), BATCH):
        chunk = list(revs[start:start + BATCH])
        marks = ", ".join("?" * len(chunk))
        diffs = f"SELECT id FROM version_diffs WHERE from_rev IN ({marks}) OR to_rev IN ({marks})"
        db.execute(f"DELETE FROM diff_changes WHERE diff IN ({diffs})", chunk + chunk)
        db.execute(f"DELETE FROM version_diffs WHERE from_rev IN ({marks}) OR to_rev IN ({marks})", chunk + chunk)
        for table in _BY_VERSION:
            db.execute(f"DELETE FROM [{table}] WHERE version IN ({marks})", chunk)
        db.execute(f"DELETE FROM versions WHERE rev IN ({marks})", chunk)


def _delete_diffs(db: sqlite_utils.Database, ids: Sequence[str]) -> None:
    for start in range(0, len(ids), BATCH):
        chunk = list(ids[start:start + BATCH])
        marks = ", ".join("?" * len(chunk))
        db.execute(f"DELETE FROM diff_changes WHERE diff IN ({marks})", chunk)
        db.execute(f"DELETE FROM version_diffs WHERE id IN ({marks})", chunk)


def _stamp(v: Version) -> Stamp:
    return Stamp(v.rev, v.effective, v.date_source)


def export_sqlite(store: Store, file: str | Path) -> ExportResult:
    """Write (or bring up to date) FILE as a SQLite database of every version in `store`."""
    if not store.exists():
        raise StoreError(f"{store.path}: no policy store here (add a policy first, or pass --store DIR)")
    target = Path(file)
    index: dict[str, list[Version]] = {}
    for name, versions in store.settled_index().items():
        try:
            parse_ref(name)
        except StoreError:
            continue  # a hand-made commit with a name that is not a policy: not exported
        if all(re.fullmatch(r"[0-9a-f]{40}", v.rev) for v in versions):
            index[name] = sorted(versions, key=_order)
    partial = target.with_name(target.name + ".partial")
    if partial.exists():
        partial.unlink()
    if target.exists():
        _open(target).close()  # refuse a file that is not ours before copying anything
        shutil.copyfile(target, partial)
    try:
        result = _export(store, index, partial)
        os.replace(partial, target)
    finally:
        if partial.exists():
            partial.unlink()
    return ExportResult(target, *result)


def _export(store: Store, index: dict[str, list[Version]], path: Path) -> tuple[int, int, int, int, int]:
    db = _open(path)
    try:
        with db.conn:
            have = dict(db.execute("SELECT rev, policy FROM versions").fetchall())
            want = {v.rev: name for name, versions in index.items() for v in versions}
            removed = sorted(set(have) - set(want))
            _delete_versions(db, removed)
            new = [v for name in sorted(index) for v in index[name] if v.rev not in have]
            touched = {want[v.rev] for v in new} | {have[rev] for rev in removed}
            for start in range(0, len(new), BATCH):
                chunk = new[start:start + BATCH]
                positions = {v.rev: index[v.policy].index(v) + 1 for v in chunk}
                rows: list[tuple[str, Row]] = []
                for v, policy in zip(chunk, store.read(chunk)):
                    rows.extend(version_rows(v.policy, _stamp(v), positions[v.rev], policy))
                _insert(db, rows)
            _update_diffs(db, store, index, sorted(touched))
            _update_policies(db, store, index, sorted(touched))
            db.execute("INSERT OR REPLACE INTO export_meta VALUES ('format', ?)", [FORMAT])
            db.execute("INSERT OR REPLACE INTO export_meta VALUES ('store', ?)", [str(store.path.resolve())])
            count = db.execute("SELECT COUNT(*) FROM version_diffs").fetchone()[0]
            total = db.execute("SELECT COUNT(*) FROM versions").fetchone()[0]
        return len(index), int(total), len(new), len(removed), int(count)
    finally:
        db.close()


def _update_diffs(db: sqlite_utils.Database, store: Store, index: dict[str, list[Version]],
                  touched: Sequence[str]) -> int:
    """Each touched policy's consecutive versions diffed, where FILE does not hold that diff yet; diffs of
    versions that are no longer consecutive (a backfill came between them) are deleted."""
    made = 0
    for start in range(0, len(touched), 50):
        names = touched[start:start + 50]
        marks = ", ".join("?" * len(names))
        held = {row[0]: row[1] for row in db.execute(
            f"SELECT id, policy FROM version_diffs WHERE policy IN ({marks})", list(names)).fetchall()}
        wanted: dict[str, tuple[str, Version, Version]] = {}
        for name in names:
            versions = index.get(name, [])
            for old, new in zip(versions, versions[1:]):
                wanted[f"{old.rev[:12]}..{new.rev[:12]}"] = (name, old, new)
        _delete_diffs(db, sorted(set(held) - set(wanted)))
        todo = [(ident, item) for ident, item in wanted.items() if ident not in held]
        needed = list({v.rev: v for _, (_, old, new) in todo for v in (old, new)}.values())
        policies = dict(zip([v.rev for v in needed], store.read(needed))) if needed else {}
        rows: list[tuple[str, Row]] = []
        for _, (name, old, new) in todo:
            d = diff_policies(policies[old.rev], policies[new.rev], name, old.rev, new.rev, old.effective,
                              new.effective)
            rows.extend(diff_rows(d))
            made += 1
        _insert(db, rows)
    return made


def _update_policies(db: sqlite_utils.Database, store: Store, index: dict[str, list[Version]],
                     touched: Sequence[str]) -> None:
    """The policies rows (and versions' positions) of every touched policy; a policy with no version left
    goes."""
    gone = [name for name in touched if name not in index]
    for name in gone:
        db.execute("DELETE FROM policies WHERE name = ?", [name])
    present = [name for name in touched if name in index]
    newest = [index[name][-1] for name in present]
    rows: list[dict[str, Any]] = []
    for start in range(0, len(newest), BATCH):
        for v, policy in zip(newest[start:start + BATCH], store.read(newest[start:start + BATCH])):
            rows.append({"name": v.policy, "payer": policy.payer, "policy_id": policy.policy_id, "title": policy.title,
                         "kind": policy.kind, "versions": len(index[v.policy]), "newest_effective": v.effective,
                         "newest_rev": v.rev})
    if rows:
        db["policies"].upsert_all(rows, pk="name")  # type: ignore[union-attr]
    for name in present:
        for position, v in enumerate(index[name], start=1):
            db.execute("UPDATE versions SET position = ? WHERE rev = ?", [position, v.rev])
