"""`policydiff site OUT/`: the whole store as a static site, rebuilt only where its inputs changed.

Pages (laid out by `render.site`): the index of every policy, a page per policy (its versions by
effective date, each version's criteria tree and its diff from the one before), a page per topic (policies
whose indications pair, compared with `diffs.compare` and drawn as range bars), What changed (every
material revision in a window) and the stored text of every version.

How a rebuild stays small: every page has a digest of its inputs (the versions it shows, by revision; the
topic it belongs to; the code that draws it). A build reads the store's version list (one `git log`),
reads and diffs only the policies whose versions changed, and writes only the pages whose digest changed;
pages of policies or topics that are gone are removed. What it learnt (each policy's index row, its
material changes, the comparison features of its newest version, the topic overlaps already scored, each
page's digest) is kept for the next build in OUT/.policydiff-site.db, a SQLite file read a row at a time:
memory follows one batch of policies (or one topic's members), not the store.

Each page is written beside its final name and moved into place, and recorded as pending before it is
written, so a killed build leaves whole pages and the next build redoes (or removes) what it left.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from .diffs.align import Features
from .diffs.compare import compare
from .diffs.topics import Candidate, Topic, features_from_dict, features_to_dict, group
from .diffs.versions import VersionDiff, diff_policies
from .errors import OutputError, StoreError
from .normalized.dates import check_date
from .normalized.schema import Accounting, Policy
from .render import site as render
from .store import Store, Version, parse_ref

STATE = ".policydiff-site.db"
FORMAT = 1
"""Bumped when the state's tables change; an older state is then dropped and every page rebuilt."""
BATCH = 250
"""Versions read per git call: few calls, and memory bounded by one batch."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS policies (name TEXT PRIMARY KEY, key TEXT, newest TEXT, title TEXT, features TEXT,
                                     row TEXT, sort TEXT);
CREATE TABLE IF NOT EXISTS changes (policy TEXT, effective TEXT, entry TEXT);
CREATE INDEX IF NOT EXISTS changes_policy ON changes (policy);
CREATE TABLE IF NOT EXISTS pages (path TEXT PRIMARY KEY, digest TEXT, build INTEGER);
CREATE TABLE IF NOT EXISTS overlaps (a TEXT, b TEXT, value REAL, PRIMARY KEY (a, b));
"""


@dataclass(frozen=True)
class SiteResult:
    out: Path
    pages: int
    """Pages (and static files) the site has."""
    written: int
    """Written by this build; the others were already up to date."""
    removed: int
    policies: int
    topics: int
    changes: int
    """Material revisions on the What changed page."""
    skipped: tuple[str, ...] = ()
    """Store names that are not valid policy names (a hand-made commit): left out of the site."""


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A digest of the code and data pages are made with (diffs, vocabulary, templates): part of every
    page's inputs, so a new policydiff rewrites what its changes touch."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256(str(FORMAT).encode())
    files = [package / "site.py", package / "render" / "site.py", *sorted((package / "diffs").glob("*.py")),
             *sorted((package / "normalized").glob("*.py")), *sorted((package / "normalized" / "data").glob("*.json")),
             *sorted((package / "render" / "templates" / "site").glob("*")),
             *sorted((package / "render" / "static").glob("*"))]
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:20]


def _digest(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()[:24]


def _order(version: Version) -> tuple[str, int]:
    return (version.effective or "", version.committed)


def _stamp(version: Version) -> render.Stamp:
    return render.Stamp(version.rev, version.effective, version.date_source)


class _Site:
    """The site's folder and what the last build learnt: pages written atomically, only where their digest
    changed, each recorded before it is written."""

    def __init__(self, out: Path):
        self.out = out
        if out.exists() and not out.is_dir():
            raise OutputError(f"{out}: is a file; give a folder for the site")
        state = out / STATE
        if out.is_dir() and not state.exists() and any(out.iterdir()):
            raise OutputError(f"{out}: the folder holds files that are not a policydiff site; give an empty or "
                              f"new folder (nothing was written)")
        out.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(state)
            # A killed build must leave a readable state, which commits without fsync still do (the OS holds
            # them); losing the state to a power cut costs one full rebuild, never a wrong page.
            self.db.execute("PRAGMA synchronous = OFF")
            self.db.executescript(_SCHEMA)
            found = dict(self.db.execute("SELECT key, value FROM meta"))
        except sqlite3.DatabaseError as exc:
            raise OutputError(f"{state}: the site's state cannot be read ({exc}); remove the folder and build "
                              f"again") from None
        if found.get("format") not in (None, str(FORMAT)):
            self.db.executescript("DELETE FROM policies; DELETE FROM changes; DELETE FROM overlaps;")
        self.same_code = found.get("code") == code_fingerprint() and found.get("format") == str(FORMAT)
        if not self.same_code:  # what was learnt may have been learnt differently: learn it again
            self.db.executescript("DELETE FROM policies; DELETE FROM changes; DELETE FROM overlaps;")
        self.build = int(found.get("build", "0")) + 1
        self.written = 0

    def fresh(self, path: str, digest: str) -> bool:
        """True (and the page kept) when the page on disk was made from these same inputs."""
        row = self.db.execute("SELECT digest FROM pages WHERE path = ?", (path,)).fetchone()
        if row is not None and row[0] == digest and (self.out / path).is_file():
            self.db.execute("UPDATE pages SET build = ? WHERE path = ?", (self.build, path))
            return True
        return False

    def write(self, path: str, digest: str, content: str | bytes | Iterable[str]) -> None:
        """Write a page (text, bytes, or text in pieces as a template streams it) and record its digest."""
        self.db.execute("INSERT OR REPLACE INTO pages VALUES (?, NULL, ?)", (path, self.build))
        self.db.commit()
        target = self.out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        with partial.open("wb") as handle:
            if isinstance(content, bytes):
                handle.write(content)
            elif isinstance(content, str):
                handle.write(content.encode("utf-8"))
            else:
                for piece in content:
                    handle.write(piece.encode("utf-8"))
        os.replace(partial, target)
        self.db.execute("UPDATE pages SET digest = ? WHERE path = ?", (digest, path))
        self.written += 1

    def remove_stale(self) -> int:
        """Pages an earlier build made that this one did not: their policy, version or topic is gone."""
        removed = 0
        stale = [path for (path,) in self.db.execute("SELECT path FROM pages WHERE build < ?", (self.build,))]
        for path in stale:
            target = self.out / path
            if target.is_file():
                target.unlink()
                removed += 1
            folder = target.parent
            while folder != self.out and folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
                folder = folder.parent
        self.db.executemany("DELETE FROM pages WHERE path = ?", [(p,) for p in stale])
        return removed

    def close(self) -> int:
        self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                            [("format", str(FORMAT)), ("code", code_fingerprint()), ("build", str(self.build))])
        self.db.commit()
        pages = self.db.execute("SELECT COUNT(*) FROM pages").fetchone()[0]
        self.db.close()
        return int(pages)


def _batches(chosen: Sequence[tuple[str, Sequence[Version]]]) -> Iterator[list[tuple[str, Sequence[Version]]]]:
    batch: list[tuple[str, Sequence[Version]]] = []
    size = 0
    for item in chosen:
        batch.append(item)
        size += len(item[1])
        if size >= BATCH:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _histories(store: Store, chosen: Sequence[tuple[str, Sequence[Version]]]
               ) -> Iterator[tuple[str, list[render.VersionPage]]]:
    """Each chosen policy's versions, oldest first, each with its diff from the one before: the same diff as
    `policydiff diff` makes (`diffs.versions.diff_policies`, with the store's version dates). A batch of
    versions is read in two `git cat-file` calls."""
    for batch in _batches(chosen):
        flat = [v for _, versions in batch for v in versions]
        policies, texts = iter(store.read(flat)), iter(store.read_sources(flat))
        for name, versions in batch:
            yield name, _history(name, versions, [next(policies) for _ in versions], [next(texts) for _ in versions])


def _history(name: str, versions: Sequence[Version], policies: Sequence[Policy], texts: Sequence[str]
             ) -> list[render.VersionPage]:
    out: list[render.VersionPage] = []
    for k, (version, policy, text) in enumerate(zip(versions, policies, texts)):
        diff: VersionDiff | None = None
        excl = render.ExclusionChanges()
        if k:
            older, old = versions[k - 1], policies[k - 1]
            diff = diff_policies(old, policy, name, older.rev, version.rev, older.effective, version.effective)
            excl = render.ExclusionChanges(diff.exclusions_added, diff.exclusions_removed)
        out.append(render.VersionPage(_stamp(version), policy, text, diff, _stamp(versions[k - 1]) if k else None,
                                      excl))
    return out


def _learn(name: str, history: Sequence[render.VersionPage]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """What the index and What changed need of one policy, as plain data kept between builds: its index row
    and an entry per material revision."""
    newest = history[-1]
    policy = newest.policy
    last = newest.diff
    counts = last.counts() if last is not None else {"stricter": 0, "looser": 0}
    payer = policy.payer or name.split("/")[0]
    row = render.IndexRow(name, payer, policy.title or name, policy.policy_id or "", policy.kind, len(history),
                          newest.stamp.effective, newest.stamp.captured,
                          "first version" if last is None else "material" if last.material else "not material",
                          counts["stricter"], counts["looser"])
    changes = []
    for v in history[1:]:
        d = v.diff
        if d is None or not (d.material or v.exclusions):
            continue
        c = d.counts()
        changes.append(asdict(render.ChangeEntry(
            name, payer, v.policy.title or policy.title or name, d.old_effective, d.new_effective, v.stamp.rev,
            c["stricter"], c["looser"], tuple(render.change_lines(d, v.exclusions)))))
    return asdict(row), changes


def _lean(policy: Policy) -> Policy:
    """A topic page compares indications: the rest of each member's version is not held."""
    return replace(policy, sections=(), warnings=(), accounting=Accounting(), codes=(), exclusions=())


def build_site(store: Store, out: str | Path, since: str | None = None, until: str | None = None) -> SiteResult:
    """Build (or bring up to date) the static site of `store` in folder `out`."""
    since, until = check_date(since, "--since"), check_date(until, "--until")
    if since and until and since > until:
        raise StoreError(f"--since {since} is after --until {until}")
    if not store.exists():
        raise StoreError(f"{store.path}: no policy store here (add a policy first, or pass --store DIR)")
    stored = store.settled_index()
    site = _Site(Path(out))
    db = site.db
    fingerprint = code_fingerprint()

    index: dict[str, list[Version]] = {}
    skipped = []
    for name, versions in stored.items():
        try:
            parse_ref(name)
        except StoreError:
            skipped.append(name)
            continue
        if all(re.fullmatch(r"[0-9a-f]{40}", v.rev) for v in versions):
            index[name] = sorted(versions, key=_order)
    del stored
    names = sorted(index)
    keys = {name: _digest([(v.rev, v.effective, v.date_source, v.title, v.payer) for v in index[name]])
            for name in names}
    known = dict(db.execute("SELECT name, key FROM policies"))
    gone = [(name,) for name in known if name not in index]
    stale = [name for name in names if known.get(name) != keys[name]]
    db.executemany("DELETE FROM policies WHERE name = ?", gone + [(n,) for n in stale])
    db.executemany("DELETE FROM changes WHERE policy = ?", gone + [(n,) for n in stale])

    # What grouping needs of each changed policy: its newest version's comparison features.
    for start in range(0, len(stale), BATCH):
        chunk = stale[start:start + BATCH]
        for name, policy in zip(chunk, store.read([index[name][-1] for name in chunk])):
            db.execute("INSERT INTO policies VALUES (?, ?, ?, ?, ?, NULL, NULL)",
                       (name, keys[name], index[name][-1].rev, policy.title,
                        json.dumps([features_to_dict(Features.of(i)) for i in policy.indications])))
    db.commit()

    def candidates() -> Iterator[Candidate]:
        for name, newest, title, features in db.execute(
                "SELECT name, newest, title, features FROM policies ORDER BY name"):
            yield Candidate(name, newest, title, tuple(features_from_dict(f) for f in json.loads(features)))

    memo = {(a, b): v for a, b, v in db.execute("SELECT a, b, value FROM overlaps")}
    topics, used = group(candidates(), memo)
    del memo
    db.execute("DELETE FROM overlaps")
    db.executemany("INSERT INTO overlaps VALUES (?, ?, ?)", [(a, b, v) for (a, b), v in used.items()])
    topic_of: dict[str, Topic] = {m: t for t in topics for m in t.members}

    # Policy pages (and what the index learns of each), a batch of policies at a time.
    learnt = {name for (name,) in db.execute("SELECT name FROM policies WHERE row IS NOT NULL")}
    plans = {}
    for name in names:
        topic = topic_of.get(name)
        link = render.TopicLink(topic.slug, topic.title) if topic else None
        page = render.policy_path(name)
        digest = _digest(fingerprint, keys[name], link and (link.slug, link.title))
        sources = [(render.source_path(name, v.rev), _digest(fingerprint, v.rev, v.policy, v.title))
                   for v in index[name]]
        fresh = [site.fresh(page, digest), *[site.fresh(p, d) for p, d in sources]]
        if name not in learnt or not all(fresh):
            plans[name] = (link, page, digest, fresh[0], list(zip(sources, fresh[1:])))
    for name, history in _histories(store, [(name, index[name]) for name in plans]):
        link, page, digest, page_fresh, planned = plans[name]
        if name not in learnt:
            row, changes = _learn(name, history)
            db.execute("UPDATE policies SET row = ?, sort = ? WHERE name = ?",
                       (json.dumps(row), f"{row['payer'].lower()}\0{row['title'].lower()}\0{name}", name))
            db.executemany("INSERT INTO changes VALUES (?, ?, ?)",
                           [(name, e["new_effective"] or "", json.dumps(e)) for e in changes])
        if not page_fresh:
            site.write(page, digest, render.policy_page(name, history, link))
        for ((path, source_digest), is_fresh), v in zip(planned, history):
            if not is_fresh:
                site.write(path, source_digest, render.source_page(name, v.stamp, v.policy.title, v.source_text))
    db.commit()

    # Topic pages: each topic's members compared, newest versions side by side.
    for topic in topics:
        page = render.topic_path(topic.slug)
        digest = _digest(fingerprint, topic.slug, topic.title, [(m, index[m][-1].rev) for m in topic.members])
        if site.fresh(page, digest):
            continue
        newest = [index[m][-1] for m in topic.members]
        lean = [_lean(p) for start in range(0, len(newest), BATCH) for p in store.read(newest[start:start + BATCH])]
        members = [render.Member(m, p, _stamp(v)) for m, v, p in zip(topic.members, newest, lean)]
        comparison = compare([m.policy for m in members], list(topic.members))
        site.write(page, digest, render.topic_page(render.TopicLink(topic.slug, topic.title), members, comparison))
        del members, comparison, lean

    # The index and What changed, streamed from the state a row at a time.
    def rows() -> Iterator[render.IndexRow]:
        for (row,) in db.execute("SELECT row FROM policies ORDER BY sort"):
            data = json.loads(row)
            topic = topic_of.get(data["name"])
            yield render.IndexRow(**{**data, "topic": topic.slug if topic else None,
                                     "topic_title": topic.title if topic else None})

    window = "WHERE (? IS NULL OR effective >= ?) AND (? IS NULL OR effective <= ?)"

    def entries() -> Iterator[render.ChangeEntry]:
        for (entry,) in db.execute(f"SELECT entry FROM changes {window} ORDER BY effective DESC, policy DESC",
                                   (since, since, until, until)):
            data = json.loads(entry)
            yield render.ChangeEntry(**{**data, "lines": tuple(tuple(x) for x in data["lines"])})

    count = db.execute(f"SELECT COUNT(*) FROM changes {window}", (since, since, until, until)).fetchone()[0]
    topic_list = [(render.TopicLink(t.slug, t.title), len(t.members)) for t in topics]
    index_digest = hashlib.sha256(_digest(fingerprint, [(t.slug, t.title, n) for t, n in topic_list], count, since,
                                          until).encode())
    for (row,) in db.execute("SELECT row FROM policies ORDER BY sort"):
        index_digest.update(row.encode())
    for name in names:
        topic = topic_of.get(name)
        index_digest.update(f"{name}\0{topic.slug if topic else ''}\n".encode())
    if not site.fresh("index.html", index_digest.hexdigest()[:24]):
        site.write("index.html", index_digest.hexdigest()[:24],
                   render.index_page(rows(), len(names), len({n.split('/')[0] for n in names}), topic_list, count,
                                     since, until))
    changes_digest = hashlib.sha256(_digest(fingerprint, since, until).encode())
    for (entry,) in db.execute(f"SELECT entry FROM changes {window} ORDER BY effective DESC, policy DESC",
                               (since, since, until, until)):
        changes_digest.update(entry.encode())
    if not site.fresh("changes.html", changes_digest.hexdigest()[:24]):
        site.write("changes.html", changes_digest.hexdigest()[:24], render.changes_page(entries(), count, since, until))
    for static in render.STATIC:
        content = render.static_file(static)
        digest = hashlib.sha256(content).hexdigest()[:24]
        if not site.fresh(f"static/{static}", digest):
            site.write(f"static/{static}", digest, content)

    removed = site.remove_stale()
    written = site.written
    pages = site.close()
    return SiteResult(Path(out), pages, written, removed, len(names), len(topics), count, tuple(skipped))
