"""Every version of every policy, in an ordinary git repository. The one package that imports git.

The store keeps versions; it does not extract them (that is `policydiff.ingest`).

Layout (docs/contract.md "The store"): `PAYER/POLICY/policy.json` (canonical
normalized JSON, one field per line, so `git diff` reads well) and
`PAYER/POLICY/source.txt` (the document's extracted text, for redlines). One
commit per version, with trailers that make history a git query:

    Policy: medical-mutual/200802
    Effective: 2024-07-12
    Source-SHA256: 3f2a...

Versions are ordered by their effective date, not by when they were added,
so an older version can be added after a newer one (backfill). The working
tree always shows the newest version: a backfilled version is committed, then
a second commit with a `Restores:` trailer puts the newest back. Only commits
with a `Policy:` trailer and no `Restores:` trailer are versions.

Safety: writers hold a file lock (another `add` waits, it does not fail);
git writes objects before it moves a ref, so a killed `add` leaves either
the old or the new commit, and stale lock files a killed process left are
cleared under our own lock.
"""
from __future__ import annotations

import builtins
import os
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, Literal

from filelock import FileLock

from ..errors import StoreError
from ..normalized.schema import Policy, from_json
from ..normalized.text import one_line, printable
from ..normalized.vocabulary import path_slug, payer_name, slugify
from .gitio import FastImport, has_identity, note_of, parse_trailers, read_blobs

LOCK_TIMEOUT_S = 600


@dataclass(frozen=True, slots=True)
class Version:
    """One stored version of a policy: a commit with trailers. Slotted, and its repeated strings interned
    by `_walk`: a report over thousands of versions holds one of these per version and nothing more."""

    rev: str
    policy: str
    effective: str | None
    title: str | None
    source_sha256: str | None
    committed: int
    date_source: str | None = None
    """Where the version's date came from ("document", "manifest", "flag", "file name", "capture date")."""
    payer: str | None = None
    """The payer's name as stored (one store folder may have seen several spellings before the vocabulary)."""

    @property
    def captured(self) -> bool:
        """Dated by when the document was captured, not by anything the policy states."""
        return self.date_source == "capture date"


@dataclass(frozen=True)
class SyncResult:
    remote: str
    head: str
    pulled: int
    """Versions the remote had that this store did not."""
    recommitted: int
    """Versions only this store had, committed again on top of the remote's."""


@dataclass(frozen=True)
class PolicySummary:
    name: str
    versions: int
    newest_effective: str | None
    title: str | None


@dataclass(frozen=True)
class NewVersion:
    """A version ready to store: every decision (identity, date, content) made before the store is called."""

    path: str
    """The document it came from, for results and commit messages."""
    name: str
    """"payer-slug/policy-slug"."""
    policy: Policy
    content: str
    """policy.json as stored (serialised by the caller, outside the store lock)."""
    source_text: str
    effective: str
    """The version's date: what versions are ordered by."""
    date_source: str = "document"
    note: str | None = None
    """The analyst's note for this version's commit (kept when `sync` re-commits a version)."""


Status = Literal["added", "backfilled", "unchanged", "failed", "skipped"]


@dataclass(frozen=True)
class AddResult:
    path: str
    status: Status
    policy: str | None = None
    rev: str | None = None
    effective: str | None = None
    error: str | None = None
    warnings: tuple[str, ...] = ()


def parse_ref(ref: str) -> tuple[str, str | None]:
    """"payer/policy@rev" → ("payer/policy", "rev"); the name must be two slugs."""
    name, _, rev = ref.partition("@")
    parts = name.strip("/").split("/")
    if len(parts) != 2 or any(slugify(p) != p or not p for p in parts):
        raise StoreError(f"{ref}: not a stored policy name; expected PAYER/POLICY (slugs), e.g. medical-mutual/200802")
    return name.strip("/"), (rev or None)


def resolve_rev(versions: Sequence[Version], name: str, rev: str | None, ref: str = "") -> Version:
    """Pick one of a policy's versions (newest first): None (the newest), `~N`, `YYYY-MM-DD` or a commit prefix."""
    ref = ref or (f"{name}@{rev}" if rev else name)
    if rev is None:
        return versions[0]
    if re.fullmatch(r"~\d*", rev):
        n = int(rev[1:] or 1)
        if n >= len(versions):
            raise StoreError(f"{ref}: {name} has only {len(versions)} version(s)")
        return versions[n]
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", rev):
        try:
            date.fromisoformat(rev)
        except ValueError:
            raise StoreError(f"{ref}: {rev} is not a real date") from None
        in_force = [v for v in versions if v.effective and v.effective <= rev]
        if not in_force:
            raise StoreError(f"{ref}: no version of {name} was in force on {rev} "
                             f"(earliest effective {versions[-1].effective})")
        return in_force[0]
    matches = [v for v in versions if v.rev.startswith(rev.lower())] if re.fullmatch(r"[0-9a-fA-F]{4,40}", rev) else []
    if len(matches) == 1:
        return matches[0]
    raise StoreError(f"{ref}: unknown revision (use a commit of this policy, @YYYY-MM-DD or @~N)")


def _interned(text: str | None) -> str | None:
    return sys.intern(text) if text is not None else None


class Store:
    """A policy store at `path`; created on the first commit."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._repo: Any = None
        self.last_git_seconds = 0.0
        """Seconds the last `commit` spent in git, for benchmarks."""

    # -- opening ------------------------------------------------------------
    @property
    def repo(self) -> Any:
        import git

        if self._repo is None:
            self._check_path()
            if not (self.path / ".git").exists():
                raise StoreError(f"{self.path}: no policy store here (add a policy first, or pass --store DIR)")
            if (self.path / ".git").is_file():
                raise StoreError(f"{self.path}: is a git worktree or submodule, not a policy store; "
                                 f"use a repository of its own")
            try:
                self._repo = git.Repo(self.path)
            except git.exc.GitError as exc:
                raise StoreError(f"{self.path}: not a readable git repository ({exc})") from None
        return self._repo

    def _check_path(self) -> None:
        if self.path.exists() and not self.path.is_dir():
            raise StoreError(f"{self.path}: is a file, not a store folder")

    def _init(self) -> None:
        import git

        self._writable_folder()
        if not (self.path / ".git").exists():
            repo = git.Repo.init(self.path, initial_branch="main")
            with repo.config_writer() as config:
                if not has_identity(repo):
                    config.set_value("user", "name", "policydiff")
                    config.set_value("user", "email", "policydiff@localhost")
        self._repo = None
        self.repo  # noqa: B018 (opening it checks it is a repository of its own, not a worktree)

    def _writable_folder(self) -> None:
        """The store's folder exists (made if need be) and this process may write in it."""
        self._check_path()
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot create the store ({exc.strerror or exc})") from None
        if not os.access(self.path, os.W_OK):
            raise StoreError(f"{self.path}: the store is read-only (no permission to write)")

    def _lock(self) -> FileLock:
        self._writable_folder()
        return FileLock(str(self.path / ".policydiff.lock"), timeout=LOCK_TIMEOUT_S)

    @property
    def _journal(self) -> Path:
        """Present while policydiff moves the branch and checks it out; its presence after a crash says the
        working tree's differences from HEAD are policydiff's own, safe to undo."""
        return self.path / ".git" / "policydiff-journal"

    def _recover(self) -> None:
        """Before writing (we hold the store lock, so anything half-done is stale): abort a rebase an
        interrupted `sync` left, clear git lock files a killed writer left, finish an interrupted checkout,
        and refuse a working tree with changes policydiff did not make: a store never discards a user's work.
        """
        self._repo = None
        repo = self.repo  # first: it refuses a worktree, a file or a broken repository before we touch it
        git_dir = self.path / ".git"
        for stale in [git_dir / "index.lock", git_dir / "HEAD.lock", git_dir / "policydiff-marks",
                      *git_dir.glob("refs/heads/*.lock"), *git_dir.glob("objects/pack/tmp_*")]:
            stale.unlink(missing_ok=True)
        exclude = git_dir / "info" / "exclude"
        exclude.parent.mkdir(exist_ok=True)
        if ".policydiff.lock" not in (exclude.read_text() if exclude.exists() else ""):
            with exclude.open("a") as handle:
                handle.write("\n.policydiff.lock\n")
        (git_dir / "refs" / "policydiff" / "sync").unlink(missing_ok=True)  # scratch ref of a killed sync
        self._abort_rebase(repo)  # a rebase an interrupted sync left is what detaches HEAD
        if repo.head.is_detached:
            raise StoreError(f"{self.path}: the store is on a detached HEAD; check out its branch first "
                             f"(git -C {self.path} checkout main)")
        if not repo.head.is_valid():
            self._journal.unlink(missing_ok=True)
            return  # no commit yet: nothing to reset, nothing to lose
        if self._journal.exists():
            repo.head.reset(index=True, working_tree=True)
            self._journal.unlink()
            return
        dirty = repo.git.status("--porcelain", "--untracked-files=all").splitlines()
        if dirty:
            raise StoreError(f"{self.path}: has changes policydiff did not make ({len(dirty)} path(s), e.g. "
                             f"{dirty[0][3:]}); commit or remove them before adding, nothing was written")

    def _abort_rebase(self, repo: Any) -> None:
        """An interrupted `sync` may have left a rebase in progress; undo it before anything else."""
        git_dir = Path(repo.git_dir)
        if (git_dir / "rebase-merge").exists() or (git_dir / "rebase-apply").exists():
            try:
                repo.git.rebase("--abort")
            except Exception:
                import shutil

                shutil.rmtree(git_dir / "rebase-merge", ignore_errors=True)
                shutil.rmtree(git_dir / "rebase-apply", ignore_errors=True)

    # -- writing ------------------------------------------------------------
    def commit(self, versions: Sequence[NewVersion], message: str | None = None) -> list[AddResult]:
        """Commit each version, oldest version date first; identical content makes no commit.

        Results come back in the order `versions` were given.
        """
        import time

        started = time.perf_counter()
        good = sorted(versions, key=lambda v: (v.effective, v.path))
        if not good:
            return []
        with self._lock():
            self._init()
            self._recover()
            batch = self._write(good, message)
        self.last_git_seconds = time.perf_counter() - started
        order = {id(v): i for i, v in enumerate(versions)}
        by_item = dict(zip((id(v) for v in good), batch))
        return [by_item[id(v)] for v in sorted(versions, key=lambda v: order[id(v)])]

    def _write(self, good: Sequence[NewVersion], message: str | None, onto: str | None = None) -> list[AddResult]:
        """Fast-import `good` (oldest first) onto the branch, or onto commit `onto` and then move the branch
        there (sync), and check the result out. Objects are written before any ref moves, and the journal
        marks the checkout as policydiff's own until it is done."""
        repo = self.repo
        history = self.index("HEAD" if onto is None else onto)
        self._journal.write_text("add\n")
        scratch = "refs/policydiff/sync" if onto is not None else None
        writer = FastImport(repo, ref=scratch, start=onto)
        pending: dict[str, tuple[str, str]] = {}
        batch: list[AddResult] = []
        try:
            for item in good:
                batch.append(self._commit_version(writer, item, message, history, pending))
            marks = writer.finish()
        finally:
            writer.abort()
        batch = [replace(r, rev=marks.get(r.rev or "", r.rev)) for r in batch]
        if onto is not None:
            tip = marks.get(f":{writer.count}", onto) if writer.count else onto
            old = repo.head.commit.hexsha if repo.head.is_valid() else ""
            repo.git.update_ref(repo.head.ref.path, tip, *([old] if old else []))
            if writer.count:
                repo.git.update_ref("-d", scratch)
        # One checkout per batch brings index and working tree up to the last commit.
        if repo.head.is_valid():
            repo.head.reset(index=True, working_tree=True)
        self._journal.unlink(missing_ok=True)
        return batch

    def _commit_version(self, writer: FastImport, item: NewVersion, message: str | None,
                        history: dict[str, list[Version]], pending: dict[str, tuple[str, str]]) -> AddResult:
        policy, name, effective, content = item.policy, item.name, item.effective, item.content
        versions = history.setdefault(name, [])
        newest = max(versions, key=_order) if versions else None
        same_day = next((v for v in versions if v.effective == effective), None)

        def stored(version: Version) -> tuple[str, str]:
            if version.rev in pending:  # committed earlier in this batch
                return pending[version.rev]
            policy_json, source = read_blobs(self.path, [f"{version.rev}:{name}/policy.json",
                                                         f"{version.rev}:{name}/source.txt"])
            return policy_json, source

        if same_day is not None and (same_day.source_sha256 == policy.document.sha256
                                     or _same_content(stored(same_day)[0], content)):
            return AddResult(item.path, "unchanged", name, same_day.rev, effective)
        if newest is not None and newest is not same_day and newest.source_sha256 == policy.document.sha256:
            return AddResult(item.path, "unchanged", name, newest.rev, effective)
        mark = writer.commit(_files(name, content, item.source_text),
                             _message(name, policy, effective, item.date_source, item.note or message))
        pending[mark] = (content, item.source_text)
        version = Version(mark, name, effective, policy.title, policy.document.sha256, writer.committed + writer.count,
                          item.date_source, policy.payer)
        versions.append(version)
        if newest is not None and _order(newest) > _order(version):
            current, source = stored(newest)
            writer.commit(_files(name, current, source),
                          f"{name}: restore newest version ({newest.effective}) after backfill\n\n"
                          f"Restores: {newest.rev}\nRestores-Policy: {name}\n")
            return AddResult(item.path, "backfilled", name, mark, effective)
        return AddResult(item.path, "added", name, mark, effective)

    # -- reading ------------------------------------------------------------
    def exists(self) -> bool:
        return (self.path / ".git").is_dir()

    def settled_index(self) -> dict[str, list[Version]]:
        """`index()` of a store another process may be creating or writing right now: read under the store
        lock (writers hold it from `git init` to checkout), or without it where the store is read-only."""
        if not self.exists():
            return {}
        if not os.access(self.path, os.W_OK):
            return self.index()
        with self._lock():
            self._repo = None
            return self.index()

    def index(self, rev: str = "HEAD", policy: str | None = None) -> dict[str, list[Version]]:
        """All versions (or one policy's) reachable from `rev`, from one `git log` over commit messages,
        grouped by policy."""
        if rev == "HEAD" and not self.repo.head.is_valid():
            return {}
        args = []
        if policy:
            # Messages, not trees: a fixed-string grep is far cheaper than a path-limited walk.
            args += ["--fixed-strings", f"--grep=Policy: {policy}"]
        found: dict[str, list[Version]] = {}
        for v, _ in self._walk(rev, *args):
            if not policy or v.policy == policy:
                found.setdefault(v.policy, []).append(v)
        return found

    def _walk(self, revs: str, *args: str) -> Iterator[tuple[Version, str]]:
        """The versions among the commits `git log REVS` lists (restore commits left out), with each message,
        one at a time: callers that want only the versions do not hold every message."""
        out = self.repo.git.log("--format=%H%x00%ct%x00%B%x1e", *args, revs, "--")
        for record in out.split("\x1e"):
            record = record.strip("\n")
            if not record:
                continue
            sha, committed, body = record.split("\x00", 2)
            trailers = parse_trailers(body)
            if "Policy" not in trailers or "Restores" in trailers:
                continue
            shared = [_interned(trailers.get(key)) for key in ("Policy", "Effective-Source", "Payer")]
            yield (Version(sha, shared[0] or "", trailers.get("Effective"), trailers.get("Title"),
                           trailers.get("Source-SHA256"), int(committed), shared[1], shared[2]), body)

    def log(self, policy: str) -> list[Version]:
        """A policy's versions, newest effective date first."""
        name, _ = parse_ref(policy)
        versions = self.index(policy=name).get(name, [])
        if not versions:
            raise StoreError(f"{name}: no such policy in {self.path} (see `policydiff list`)")
        return sorted(versions, key=_order, reverse=True)

    def resolve(self, ref: str) -> Version:
        """`payer/policy`, `@YYYY-MM-DD` (in force that day), `@~N` (N before the newest) or `@<commit>`."""
        name, rev = parse_ref(ref)
        return resolve_rev(self.log(name), name, rev, ref)

    def read(self, versions: Sequence[Version]) -> list[Policy]:
        """The stored policies of many versions, read in one `git cat-file --batch` call."""
        texts = read_blobs(self.path, [f"{v.rev}:{v.policy}/policy.json" for v in versions])
        return [self._parse(text, v) for text, v in zip(texts, versions)]

    def versions_between(self, since: str | None = None, until: str | None = None,
                         payer: str | None = None) -> list[tuple[str, list[Version]]]:
        """For each policy: the version in force at `since` (the baseline) and every version effective up to
        `until`, oldest first. Policies with no version effective in the window are left out."""
        out = []
        payer_slug = path_slug(payer_name(payer)) if payer else None
        for name, versions in sorted(self.index().items()):
            if payer_slug and not name.startswith(payer_slug + "/"):
                continue
            ordered = sorted(versions, key=_order)
            inside = [v for v in ordered if (not since or (v.effective or "") >= since)
                      and (not until or (v.effective or "") <= until)]
            if not inside:
                continue
            before = [v for v in ordered if since and (v.effective or "") < since]
            out.append((name, ([before[-1]] if before else []) + inside))
        return out

    def show(self, ref: str) -> Policy:
        return self.read([self.resolve(ref)])[0]

    def source_text(self, ref: str) -> str:
        version = self.resolve(ref)
        return read_blobs(self.path, [f"{version.rev}:{version.policy}/source.txt"])[0]

    def read_sources(self, versions: Sequence[Version]) -> list[str]:
        """The stored text (source.txt) of many versions, in one `git cat-file --batch` call."""
        return read_blobs(self.path, [f"{v.rev}:{v.policy}/source.txt" for v in versions])

    # -- sharing ------------------------------------------------------------
    def sync(self, remote: str = "origin") -> SyncResult:
        """Fetch, take the remote's versions, re-commit the versions only this store has on top, push.

        Versions never meet in a text merge: two analysts who both added a version of one policy would
        conflict on its policy.json line by line. Instead, when histories have diverged, the branch moves
        to the remote tip and each local-only version is committed again through the same path as `add`
        (ordered by date, backfills restored, identical content dropped). The new commits are built on a
        scratch ref; the branch moves once, after they exist, so a killed sync loses nothing.
        """
        import git

        with self._lock():
            repo = self.repo
            if remote not in [r.name for r in repo.remotes]:
                raise StoreError(f"{self.path}: no remote named {remote!r}; add one with "
                                 f"`git -C {self.path} remote add {remote} URL`")
            self._recover()
            repo = self.repo
            branch = repo.head.ref.name
            pulled = replayed = 0
            try:
                for _attempt in range(3):
                    theirs = self._fetch(remote, branch)
                    ours = repo.head.commit.hexsha if repo.head.is_valid() else None
                    if theirs and theirs != ours:
                        pulled, replayed = self._take(theirs, ours)
                    try:
                        if repo.head.is_valid():
                            repo.git.push(remote, f"{branch}:{branch}")
                        break
                    except git.exc.GitCommandError as exc:
                        if "rejected" not in (exc.stderr or "") and "fetch first" not in (exc.stderr or ""):
                            raise
                        # someone pushed between our fetch and our push: fetch again
                else:
                    raise StoreError(f"{self.path}: sync with {remote}: the remote kept moving; try again")
            except git.exc.GitCommandError as exc:
                detail = one_line((exc.stderr or "").replace("stderr:", "").strip().strip("'") or str(exc))
                raise StoreError(f"{self.path}: sync with {remote} failed: {detail}") from None
            head = repo.head.commit.hexsha if repo.head.is_valid() else ""
            return SyncResult(remote, head, pulled, replayed)

    def _fetch(self, remote: str, branch: str) -> str | None:
        """The remote branch's tip, fetched; None when the remote has no such branch yet."""
        repo = self.repo
        if not repo.git.ls_remote("--heads", remote, f"refs/heads/{branch}").strip():
            return None
        repo.git.fetch("--no-tags", remote, f"+refs/heads/{branch}:refs/remotes/{remote}/{branch}")
        return str(repo.git.rev_parse(f"refs/remotes/{remote}/{branch}^{{commit}}"))

    def _take(self, theirs: str, ours: str | None) -> tuple[int, int]:
        """Bring the branch to `theirs` plus our own versions; returns (versions pulled, versions re-committed)."""
        repo = self.repo
        if ours is not None and repo.is_ancestor(theirs, ours):
            return 0, 0  # nothing new there
        base = None
        if ours is not None:
            bases = repo.merge_base(ours, theirs)
            base = bases[0].hexsha if bases else None
        pulled = sum(1 for _ in self._walk(f"{base}..{theirs}" if base else theirs))
        mine = [] if ours is None or base == ours else list(self._walk(f"{base}..{ours}" if base else ours))
        blobs = read_blobs(self.path, [f"{v.rev}:{v.policy}/{file}" for v, _ in mine
                                       for file in ("policy.json", "source.txt")])
        items = []
        for (version, body), content, source in zip(mine, blobs[0::2], blobs[1::2]):
            items.append(NewVersion(parse_trailers(body).get("Source", version.policy), version.policy,
                                    self._parse(content, version), content, source, version.effective or "",
                                    version.date_source or "document", note_of(body)))
        items.sort(key=lambda v: (v.effective, v.path))
        results = self._write(items, None, onto=theirs)
        return pulled, sum(r.status in ("added", "backfilled") for r in results)

    def _parse(self, content: str, version: Version) -> Policy:
        try:
            return from_json(content)
        except Exception as exc:
            raise StoreError(f"{self.path}: {version.policy}@{version.rev[:10]}: stored policy.json does not "
                             f"parse ({one_line(str(exc))[:120]}); the store was edited by hand?") from None

    def payers(self) -> dict[str, builtins.list[str]]:
        """Payer slug → every payer name stored under it."""
        seen: dict[str, set[str]] = {}
        for name, versions in self.index().items():
            for v in versions:
                if v.payer:
                    seen.setdefault(name.split("/")[0], set()).add(v.payer)
        return {slug: sorted(names) for slug, names in sorted(seen.items())}

    # Last in the class: from here on, `list` in this class body names the method, not the builtin.
    def list(self) -> builtins.list[PolicySummary]:
        """Stored policies, with their number of versions and newest version."""
        out = []
        for name, versions in sorted(self.index().items()):
            newest = max(versions, key=_order)
            out.append(PolicySummary(name, len(versions), newest.effective, newest.title))
        return out


def _order(version: Version) -> tuple[str, int]:
    return (version.effective or "", version.committed)


def _files(name: str, policy_json: str, source: str) -> list[tuple[str, bytes]]:
    return [(f"{name}/policy.json", policy_json.encode("utf-8")), (f"{name}/source.txt", source.encode("utf-8"))]


def _same_content(stored: str, new: str) -> bool:
    """Equal apart from the file name the version was read from."""
    a, b = from_json(stored), from_json(new)
    return replace(a, document=replace(a.document, name="")) == replace(b, document=replace(b.document, name=""))


def _message(name: str, policy: Policy, effective: str, date_source: str, extra: str | None) -> str:
    """Subject, the user's note, then the trailers as the final paragraph (the only one read back)."""
    title = _clean(policy.title) or "(untitled)"
    lines = [f"{name}: {title}, effective {effective}", ""]
    if extra and _clean(extra):
        lines += [_clean(extra), ""]
    lines += [f"Policy: {name}", f"Payer: {_clean(policy.payer)}", f"Title: {title}",
              f"Effective: {effective}", f"Effective-Source: {_clean(date_source)}",
              f"Source: {_clean(policy.document.name)}", f"Source-SHA256: {policy.document.sha256}"]
    return "\n".join(lines) + "\n"


def _clean(text: str | None) -> str:
    """Text for a commit message: one line, no NUL (git would cut the message there), no control or
    direction-override characters."""
    return printable(text)


__all__ = ["Store", "SyncResult", "Version", "PolicySummary", "NewVersion", "AddResult", "parse_ref", "resolve_rev"]
