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
cleared under our own lock. The store touches only its own paths: a journal
names the paths a write is bringing up to date, and recovery restores those
alone; anything else that differs from HEAD is the analyst's, and stops every
write until they commit or remove it. Only commits whose trailers name a valid
policy whose files their tree holds are versions, however a message was made.
"""
from __future__ import annotations

import builtins
import contextlib
import os
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, Literal

from filelock import FileLock, Timeout

from ..errors import StoreError
from ..normalized.schema import Policy, from_json
from ..normalized.text import one_line, printable
from ..normalized.vocabulary import path_slug, payer_name, slugify
from .gitio import (
    Commit,
    Entry,
    FastImport,
    GitFailed,
    changes,
    commits,
    git,
    has_identity,
    note_of,
    object_ids,
    parse_trailers,
    read_blobs,
)

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
    seq: int = 0
    """Position in history, higher for later commits: orders two versions committed in the same second."""
    kind: str | None = None
    """What the document is, as the accounting decided ("medical policy", "payment policy", "no covered
    criteria" ...); None for versions stored before the `Kind:` trailer."""

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
    kept: int = 0
    """This store's other commits (notes, removals, reverts), replayed on top as they were."""


@dataclass(frozen=True)
class PolicySummary:
    name: str
    versions: int
    newest_effective: str | None
    title: str | None
    kind: str | None = None
    """The newest version's kind."""


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


def is_policy_name(name: str) -> bool:
    """"payer/policy", both slugs: the only names the store writes, and the only ones it reads back."""
    parts = name.split("/")
    return len(parts) == 2 and all(p and slugify(p) == p for p in parts)


def parse_ref(ref: str) -> tuple[str, str | None]:
    """"payer/policy@rev" → ("payer/policy", "rev"); the name must be two slugs."""
    name, _, rev = ref.partition("@")
    if not is_policy_name(name.strip("/")):
        raise StoreError(f"{ref}: not a stored policy name; expected PAYER/POLICY (slugs), e.g. medical-mutual/200802")
    return name.strip("/"), (rev or None)


def _is_date(text: str | None) -> bool:
    if not text or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


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
    """A policy store at `path`; created on the first commit.

    `init`: make a store of a folder that already holds other files (`add --init`); they are committed
    first, as they are, so they stay in the history and no later write mistakes them for changes. Without
    it, such a folder is refused: it is someone's work, not a store."""

    def __init__(self, path: str | Path, init: bool = False):
        self.path = Path(path)
        self.init = init
        self._repo: Any = None
        self.last_git_seconds = 0.0
        """Seconds the last `commit` spent in git, for benchmarks."""

    # -- opening ------------------------------------------------------------
    @property
    def repo(self) -> Any:
        import git

        if self._repo is None:
            self._check_path()
            self._refuse_bare()
            if not (self.path / ".git").exists():
                raise StoreError(f"{self.path}: no policy store here (add a policy first, or pass --store DIR)")
            if (self.path / ".git").is_file():
                raise StoreError(f"{self.path}: is a git worktree or submodule, not a policy store; "
                                 f"use a repository of its own")
            self._check_owner()
            try:
                self._repo = git.Repo(self.path)
            except git.exc.GitError as exc:
                raise StoreError(f"{self.path}: not a readable git repository ({one_line(str(exc))})") from None
        return self._repo

    def _check_path(self) -> None:
        if self.path.exists() and not self.path.is_dir():
            raise StoreError(f"{self.path}: is a file, not a store folder")

    def _refuse_bare(self) -> None:
        """A bare repository is a team's shared remote: `git init` inside it would bury a second repository
        in the remote's own folder."""
        if not (self.path / ".git").exists() and (self.path / "HEAD").is_file() \
                and (self.path / "objects").is_dir() and (self.path / "refs").is_dir():
            raise StoreError(f"{self.path}: is a bare git repository (a shared remote?), not a store; clone it "
                             f"(git clone {self.path} policy-store) and use the clone; nothing was written")

    def _check_owner(self) -> None:
        """git refuses a repository another user owns (safe.directory) and then reads as empty: say whose it is
        instead. Probed only when the owner differs, so an ordinary store costs no extra git call."""
        if not hasattr(os, "geteuid"):
            return
        try:
            owners = {self.path.stat().st_uid, (self.path / ".git").stat().st_uid}
        except OSError:
            return
        if owners == {os.geteuid()}:
            return
        import subprocess

        probe = subprocess.run(["git", "rev-parse", "--git-dir"], cwd=self.path, capture_output=True, check=False)
        if probe.returncode != 0 and b"dubious ownership" in probe.stderr:
            owner = _user(max(owners - {os.geteuid()}))
            raise StoreError(f"{self.path}: belongs to {owner}, and git will not read another user's repository; "
                             f"ask {owner} for a copy, or trust it: git config --global --add safe.directory "
                             f"{self.path.resolve()}")

    def _foreign_files(self) -> builtins.list[Path]:
        """What a folder that is not yet a store already holds (our own lock file aside)."""
        if not self.path.is_dir() or (self.path / ".git").exists():
            return []
        try:
            return sorted(p for p in self.path.iterdir() if p.name != ".policydiff.lock")
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot be read ({exc.strerror or exc})") from None

    def preflight(self) -> None:
        """Raise now what a write would raise about the store's folder itself (a file, a bare repository, a
        folder of someone's own files, another user's repository), before any document is read."""
        self._check_path()
        self._refuse_bare()
        if (self.path / ".git").exists():
            self._repo = None
            self.repo  # noqa: B018 (opening it checks it)
            return
        others = self._foreign_files()
        if others and not self.init:
            raise StoreError(f"{self.path}: is not a policy store and already holds {len(others)} file(s) or "
                             f"folder(s) of its own (e.g. {others[0].name}); choose a new or empty folder, or pass "
                             f"--init to make it a store (its files are committed first); nothing was written")

    def _init(self) -> None:
        import git

        self._writable_folder()
        self.preflight()  # again, under the lock: another add may have made it a store meanwhile
        if not (self.path / ".git").exists():
            others = self._foreign_files()
            repo = git.Repo.init(self.path, initial_branch="main")
            with repo.config_writer() as config:
                if not has_identity(repo):
                    config.set_value("user", "name", "policydiff")
                    config.set_value("user", "email", "policydiff@localhost")
            _exclude_lock(Path(repo.git_dir))
            if others:  # --init: the folder's own files become the store's first commit, as they are
                self._git("add", "--all")
                self._git("commit", "-q", "--no-verify", "-m", "Files this folder held before it became a policy "
                          "store (add --init)")
        self._repo = None
        self.repo  # noqa: B018 (opening it checks it is a repository of its own, not a worktree)

    def _head(self) -> str:
        """The branch's commit as git has it now ("" before the first commit)."""
        import subprocess

        out = subprocess.run(["git", "rev-parse", "-q", "--verify", "HEAD^{commit}"], cwd=self.path,
                             capture_output=True, check=False)
        return out.stdout.decode().strip() if out.returncode == 0 else ""

    def _git(self, *args: str, data: bytes | None = None) -> bytes:
        return git(self.path, *args, data=data, env={"GIT_LITERAL_PATHSPECS": "1"})

    def _writable_folder(self) -> None:
        """The store's folder exists (made if need be) and this process may write in it."""
        self._check_path()
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot create the store ({exc.strerror or exc})") from None
        if not os.access(self.path, os.W_OK):
            raise StoreError(f"{self.path}: the store is read-only (no permission to write)")

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        """The writers' lock. A lock file this user may not open (another user's store) is one line, not a
        PermissionError, and so is a lock another writer holds past `LOCK_TIMEOUT_S`."""
        self._writable_folder()
        path = self.path / ".policydiff.lock"
        lock = FileLock(str(path), timeout=LOCK_TIMEOUT_S)
        try:
            lock.acquire()
        except PermissionError:
            raise _LockRefused(f"{path}: the store's lock file belongs to {_owner(path)} and you may not write "
                               f"it; ask them to make the store writable for you (or work in a clone of it); "
                               f"nothing was written") from None
        except Timeout:
            raise StoreError(f"{self.path}: another policydiff has held the store's lock for {LOCK_TIMEOUT_S} s; "
                             f"try again when it is done") from None
        except OSError as exc:
            raise StoreError(f"{path}: cannot take the store's lock ({exc.strerror or exc})") from None
        try:
            yield
        finally:
            lock.release()

    @property
    def _journal(self) -> Path:
        """Present while policydiff moves the branch and checks it out; it names the paths the write brings up
        to date (NUL-separated), the only ones recovery after a crash may restore."""
        return self.path / ".git" / "policydiff-journal"

    def _recover(self) -> None:
        """Before writing (we hold the store lock, so anything half-done is stale): refuse what policydiff did
        not start (a rebase, a detached HEAD), clear git lock files a killed writer left, finish an interrupted
        checkout of policydiff's own paths, and refuse a working tree with changes policydiff did not make: a
        store never discards a user's work."""
        self._repo = None
        repo = self.repo  # first: it refuses a worktree, a file or a broken repository before we touch it
        git_dir = self.path / ".git"
        for stale in [git_dir / "index.lock", git_dir / "HEAD.lock", git_dir / "policydiff-marks",
                      *git_dir.glob("refs/heads/*.lock"), *git_dir.glob("objects/pack/tmp_*")]:
            stale.unlink(missing_ok=True)
        _exclude_lock(git_dir)
        (git_dir / "refs" / "policydiff" / "sync").unlink(missing_ok=True)  # scratch ref of a killed sync
        self._refuse_rebase(git_dir)
        if repo.head.is_detached:
            raise StoreError(f"{self.path}: the store is on a detached HEAD; check out its branch first "
                             f"({self._checkout_advice()})")
        if not repo.head.is_valid():
            self._journal.unlink(missing_ok=True)
            return  # no commit yet: nothing to reset, nothing to lose
        if self._journal.exists():
            self._restore(_journal_paths(self._journal.read_bytes()))
            self._journal.unlink()
        dirty = self._git("--no-optional-locks", "status", "--porcelain", "-z", "--untracked-files=all").split(b"\0")
        dirty = [d for d in dirty if d]
        if dirty:
            first = dirty[0][3:].decode("utf-8", "backslashreplace")
            raise StoreError(f"{self.path}: has changes policydiff did not make ({len(dirty)} path(s), e.g. "
                             f"{first}); commit or remove them before adding, nothing was written")

    def _refuse_rebase(self, git_dir: Path) -> None:
        """policydiff never rebases (sync builds its commits on a scratch ref), so a rebase in progress is the
        analyst's own, half-way through resolving a conflict: aborting it would throw the resolution away."""
        if (git_dir / "rebase-merge").exists() or (git_dir / "rebase-apply").exists():
            raise StoreError(f"{self.path}: a git rebase is in progress in the store (git pull --rebase?); finish it "
                             f"(git -C {self.path} rebase --continue) or abort it (git -C {self.path} rebase "
                             f"--abort) first; nothing was written")

    def _checkout_advice(self) -> str:
        """How to leave a detached HEAD: check out the store's own branch, whatever it is called."""
        out = self._git("for-each-ref", "--format=%(refname:short)", "refs/heads").decode("utf-8", "replace")
        branches = out.split()
        if len(branches) == 1:
            return f"git -C {self.path} checkout {branches[0]}"
        if branches:
            return f"git -C {self.path} checkout BRANCH, one of: {', '.join(branches[:8])}"
        return f"git -C {self.path} checkout -b main"

    def _restore(self, paths: Sequence[bytes]) -> None:
        """After a crash between moving the branch and checking it out: bring exactly `paths` (the journal's,
        policydiff's own) to HEAD in the index and the working tree; nothing else is touched."""
        if not paths:
            return
        listed = b"".join(p + b"\0" for p in paths)
        self._git("reset", "-q", "--pathspec-from-file=-", "--pathspec-file-nul", "HEAD", data=listed)
        present = object_ids(self.path, [b"HEAD:" + p for p in paths])
        tracked = [p for p, oid in zip(paths, present) if oid]
        if tracked:
            self._git("checkout", "HEAD", "--pathspec-from-file=-", "--pathspec-file-nul",
                      data=b"".join(p + b"\0" for p in tracked))
        for path, oid in zip(paths, present):
            if oid is None:
                (self.path / os.fsdecode(path)).unlink(missing_ok=True)

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
        self.preflight()
        with self._writing(), self._lock():
            self._init()
            self._recover()
            batch = self._write(good, message)
        self.last_git_seconds = time.perf_counter() - started
        order = {id(v): i for i, v in enumerate(versions)}
        by_item = dict(zip((id(v) for v in good), batch))
        return [by_item[id(v)] for v in sorted(versions, key=lambda v: order[id(v)])]

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """A write that fails (a full disk, a file size limit, git refusing) is one line that names the store
        and says whether anything landed, never a traceback."""
        import git as gitpython

        try:
            yield
        except GitFailed as exc:
            said = str(exc) if str(exc).startswith(f"{self.path}:") else f"{self.path}: {exc}"
            raise StoreError(f"{said}; {self._landed()}") from None
        except gitpython.exc.GitCommandError as exc:
            said = one_line((exc.stderr or "").replace("stderr:", "").strip().strip("'")) or f"exit code {exc.status}"
            raise StoreError(f"{self.path}: git {exc.command[1] if len(exc.command) > 1 else ''} failed ({said}); "
                             f"{self._landed()}") from None
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot write the store ({exc.strerror or exc}); {self._landed()}") from None

    def _landed(self) -> str:
        if self._journal.exists():
            return ("the versions were stored but their files are not all checked out; the next add in the store "
                    "finishes that")
        return "nothing was stored"

    def _write(self, good: Sequence[NewVersion | _Replay], message: str | None,
               onto: str | None = None) -> list[AddResult]:
        """Fast-import `good` (versions oldest first; commits `sync` replays in their place) onto the branch, or
        onto commit `onto` and then move the branch there (sync), and check the result out. Objects are written
        before any ref moves, and the journal names the paths the checkout brings up to date until it is done;
        a write that fails before the branch moved leaves no journal, so nothing is ever undone for it."""
        repo = self.repo
        history = self.index("HEAD" if onto is None else onto)
        old = repo.head.commit.hexsha if repo.head.is_valid() else ""
        scratch = "refs/policydiff/sync" if onto is not None else None
        pending: dict[str, tuple[str, str]] = {}
        paths: dict[str, str] = {}
        batch: list[AddResult] = []
        try:
            self._journal.write_bytes(b"".join(p + b"\0" for p in self._paths(good, old, onto)))
            writer = FastImport(repo, ref=scratch, start=onto)
            try:
                for item in good:
                    if isinstance(item, _Replay):
                        writer.commit([], item.commit.body, kept=item.kept, removed=item.removed,
                                      author=item.commit.author)
                    else:
                        batch.append(self._commit_version(writer, item, message, history, pending, paths))
                marks = writer.finish()
            finally:
                writer.abort()
        except BaseException:
            if onto is not None or self._head() == old:
                self._journal.unlink(missing_ok=True)  # the branch did not move: nothing to check out later
            raise
        batch = [replace(r, rev=marks.get(r.rev or "", r.rev)) for r in batch]
        if onto is not None:
            tip = marks.get(f":{writer.count}", onto) if writer.count else onto
            repo.git.update_ref(repo.head.ref.path, tip, *([old] if old else []))
            if writer.count:
                repo.git.update_ref("-d", scratch)
        # One checkout per batch brings index and working tree up to the last commit.
        if repo.head.is_valid():
            repo.head.reset(index=True, working_tree=True)
        self._journal.unlink(missing_ok=True)
        return batch

    def _paths(self, good: Sequence[NewVersion | _Replay], old: str, onto: str | None) -> builtins.list[bytes]:
        """Every path a write may change in the working tree: its versions' files, the paths the commits it
        replays touch, and (for sync) everything the remote changed."""
        paths: dict[bytes, None] = {}
        for item in good:
            if isinstance(item, _Replay):
                paths.update(dict.fromkeys([*item.removed, *(e.path for e in item.kept)]))
            else:
                paths.update(dict.fromkeys(f"{item.name}/{f}".encode() for f in ("policy.json", "source.txt")))
        if onto is not None and old:
            out = self._git("diff", "--name-only", "-z", "--no-renames", old, onto)
            paths.update(dict.fromkeys(p for p in out.split(b"\0") if p))
        return list(paths)

    def _commit_version(self, writer: FastImport, item: NewVersion, message: str | None,
                        history: dict[str, list[Version]], pending: dict[str, tuple[str, str]],
                        pending_paths: dict[str, str]) -> AddResult:
        policy, name, effective, content = item.policy, item.name, item.effective, item.content
        versions = history.setdefault(name, [])
        newest = max(versions, key=_order) if versions else None
        same_day = sorted((v for v in versions if v.effective == effective), key=_order)

        def stored(version: Version) -> tuple[str, str]:
            if version.rev in pending:  # committed earlier in this batch
                return pending[version.rev]
            policy_json, source = read_blobs(self.path, [f"{version.rev}:{name}/policy.json",
                                                         f"{version.rev}:{name}/source.txt"])
            return policy_json, source

        # Content identical to any stored version of that date makes no commit, however many versions share
        # the date: re-running the same `add FOLDER` never adds one.
        for earlier in same_day:
            if earlier.source_sha256 == policy.document.sha256 or _same_content(stored(earlier)[0], content):
                return AddResult(item.path, "unchanged", name, earlier.rev, effective)
        if newest is not None and newest not in same_day and newest.source_sha256 == policy.document.sha256:
            return AddResult(item.path, "unchanged", name, newest.rev, effective)
        notes: tuple[str, ...] = ()
        if same_day:  # the rule for two texts on one date: both kept, the later added in force from that day
            earlier = same_day[-1]
            seen = f"from {pending_paths[earlier.rev]}" if earlier.rev in pending_paths else earlier.rev[:10]
            notes = (f"{item.path}: {name} already has a different version dated {effective} ({seen}); both are "
                     f"kept, and this one, added later, is the version in force from that day",)
        mark = writer.commit(_files(name, content, item.source_text),
                             _message(name, policy, effective, item.date_source, item.note or message))
        pending[mark] = (content, item.source_text)
        pending_paths[mark] = item.path
        version = Version(mark, name, effective, policy.title, policy.document.sha256, writer.committed + writer.count,
                          item.date_source, policy.payer, seq=_PENDING + writer.count)
        versions.append(version)
        if newest is not None and _order(newest) > _order(version):
            current, source = stored(newest)
            writer.commit(_files(name, current, source),
                          f"{name}: restore newest version ({newest.effective}) after backfill\n\n"
                          f"Restores: {newest.rev}\nRestores-Policy: {name}\n")
            return AddResult(item.path, "backfilled", name, mark, effective, warnings=notes)
        return AddResult(item.path, "added", name, mark, effective, warnings=notes)

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
        try:
            with self._lock():
                self._repo = None
                return self.index()
        except _LockRefused:
            return self.index()  # another user's lock: read as a reader of a read-only store does

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
        """The versions among the commits `git log REVS` lists, with each message. Git's output is read
        NUL-separated, so no byte of a message can split a record; a commit is a version only when its final
        paragraph names a valid policy and date, is not a restore, and it wrote that policy's policy.json (its
        tree holds one that its parent's does not), whoever wrote the message: a team mate's note that happens
        to end in `Policy: ../../etc`, or in a real policy's name, is not a version."""
        found = commits(self.path, *args, revs, written=True)
        total = len(found)
        for i, c in enumerate(found):
            trailers = parse_trailers(c.body)
            name = trailers.get("Policy", "")
            if "Restores" in trailers or not is_policy_name(name) or not _is_date(trailers.get("Effective")) \
                    or f"{name}/policy.json" not in c.written:
                continue
            shared = [_interned(trailers.get(key)) for key in ("Policy", "Effective-Source", "Payer", "Kind")]
            yield (Version(c.sha, shared[0] or "", trailers.get("Effective"), trailers.get("Title"),
                           trailers.get("Source-SHA256"), c.committed, shared[1], shared[2], total - i, shared[3]),
                   c.body)

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

        with self._writing(), self._lock():
            repo = self.repo
            if remote not in [r.name for r in repo.remotes]:
                raise StoreError(f"{self.path}: no remote named {remote!r}; add one with "
                                 f"`git -C {self.path} remote add {remote} URL`")
            self._recover()
            repo = self.repo
            branch = repo.head.ref.name
            pulled = replayed = kept = 0
            try:
                for _attempt in range(3):
                    theirs = self._fetch(remote, branch)
                    ours = repo.head.commit.hexsha if repo.head.is_valid() else None
                    if theirs and theirs != ours:
                        pulled, replayed, kept = self._take(theirs, ours, remote)
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
            return SyncResult(remote, head, pulled, replayed, kept)

    def _fetch(self, remote: str, branch: str) -> str | None:
        """The remote branch's tip, fetched; None when the remote has no such branch yet."""
        repo = self.repo
        if not repo.git.ls_remote("--heads", remote, f"refs/heads/{branch}").strip():
            return None
        repo.git.fetch("--no-tags", remote, f"+refs/heads/{branch}:refs/remotes/{remote}/{branch}")
        return str(repo.git.rev_parse(f"refs/remotes/{remote}/{branch}^{{commit}}"))

    def _take(self, theirs: str, ours: str | None, remote: str) -> tuple[int, int, int]:
        """Bring the branch to `theirs` plus every commit of our own: versions are committed again (through
        the path `add` takes), and any other commit (a note, a `git rm`, a revert) is replayed as it was, so
        nothing of this store's leaves its branch. Returns (versions pulled, versions re-committed, other
        commits kept)."""
        repo = self.repo
        if ours is not None and repo.is_ancestor(theirs, ours):
            return 0, 0, 0  # nothing new there
        base = None
        if ours is not None:
            bases = repo.merge_base(ours, theirs)
            base = bases[0].hexsha if bases else None
        pulled = sum(1 for _ in self._walk(f"{base}..{theirs}" if base else theirs))
        if ours is None or base == ours:
            self._write([], None, onto=theirs)
            return pulled, 0, 0
        span = f"{base}..{ours}" if base else ours
        versions = {v.rev: (v, body) for v, body in self._walk(span)}
        local = list(reversed(commits(self.path, "--topo-order", span)))
        blobs = read_blobs(self.path, [f"{v.rev}:{v.policy}/{file}" for v, _ in versions.values()
                                       for file in ("policy.json", "source.txt")])
        contents = {rev: (c, s) for rev, c, s in zip(versions, blobs[0::2], blobs[1::2])}
        items: list[NewVersion | _Replay] = []
        run: list[NewVersion] = []
        for commit in local:
            if commit.sha in versions:
                version, body = versions[commit.sha]
                content, source = contents[commit.sha]
                run.append(NewVersion(parse_trailers(body).get("Source", version.policy), version.policy,
                                      self._parse(content, version), content, source, version.effective or "",
                                      version.date_source or "document", note_of(body)))
                continue
            if "Restores" in parse_trailers(commit.body):
                continue  # policydiff's own: a backfill on top of the remote makes its own restore
            if len(commit.parents) > 1:
                raise StoreError(f"{self.path}: sync with {remote}: local commit {commit.sha[:10]} is a merge, which "
                                 f"sync cannot replay; push it yourself (git pull --no-rebase {remote}, then git "
                                 f"push); nothing was changed")
            items += _by_date(run)
            run = []
            items.append(self._replay(commit, base, theirs, remote))
        items += _by_date(run)
        results = self._write(items, None, onto=theirs)
        return (pulled, sum(r.status in ("added", "backfilled") for r in results),
                sum(isinstance(i, _Replay) for i in items))

    def _replay(self, commit: Commit, base: str | None, theirs: str, remote: str) -> _Replay:
        """One local commit that is not a version, as the changes it made. Each path it touches must be as the
        remote has it, or unchanged there since the histories parted; otherwise replaying would overwrite the
        remote's change, and sync refuses before anything moves."""
        entries = changes(self.path, commit.sha)
        paths = [e.path for e in entries]
        before = object_ids(self.path, [f"{base}:".encode() + p for p in paths]) if base else [None] * len(paths)
        remote_now = object_ids(self.path, [f"{theirs}:".encode() + p for p in paths])
        for entry, was, now in zip(entries, before, remote_now):
            wanted = None if entry.mode == "0" else entry.oid
            if now != was and now != wanted:
                subject = one_line(commit.body.split("\n", 1)[0])[:60]
                shown = entry.path.decode("utf-8", "backslashreplace")
                raise StoreError(f"{self.path}: sync with {remote}: local commit {commit.sha[:10]} ({subject!r}) "
                                 f"changes {shown}, which {remote} changed too; merge them yourself (git pull "
                                 f"--no-rebase {remote}), then sync again; nothing was changed")
        return _Replay(commit, tuple(e for e in entries if e.mode != "0"),
                       tuple(e.path for e in entries if e.mode == "0"))

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
            out.append(PolicySummary(name, len(versions), newest.effective, newest.title, newest.kind))
        return out


class _LockRefused(StoreError):
    """The store's lock file is another user's: writes are refused, reads go on without the lock."""


@dataclass(frozen=True)
class _Replay:
    """A local commit that is not a version, as `sync` writes it again on top of the remote's history."""

    commit: Commit
    kept: tuple[Entry, ...]
    """Paths it wrote, pointing at the objects it wrote."""
    removed: tuple[bytes, ...]


_PENDING = 1 << 40
"""`Version.seq` of versions written in the current batch: after everything already in history."""


def _by_date(versions: Sequence[NewVersion]) -> builtins.list[NewVersion]:
    return sorted(versions, key=lambda v: (v.effective, v.path))


def _order(version: Version) -> tuple[str, int, int]:
    return (version.effective or "", version.committed, version.seq)


def _exclude_lock(git_dir: Path) -> None:
    """The lock file lives in the working tree; git must never see it as a change."""
    exclude = git_dir / "info" / "exclude"
    exclude.parent.mkdir(exist_ok=True)
    if ".policydiff.lock" not in (exclude.read_text() if exclude.exists() else ""):
        with exclude.open("a") as handle:
            handle.write("\n.policydiff.lock\n")


def _journal_paths(data: bytes) -> builtins.list[bytes]:
    """The paths a journal names; a journal from before journals named paths names none, so recovery then
    restores nothing and the working tree is checked like any other."""
    return [p for p in data.split(b"\0") if p and b"\n" not in p] if b"\0" in data else []


def _user(uid: int) -> str:
    try:
        import pwd

        return f"user {pwd.getpwuid(uid).pw_name} (uid {uid})"
    except (ImportError, KeyError):
        return f"uid {uid}"


def _owner(path: Path) -> str:
    try:
        return _user(path.stat().st_uid)
    except OSError:
        return "another user"


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
              f"Source: {_clean(policy.document.name)}", f"Source-SHA256: {policy.document.sha256}",
              f"Kind: {_clean(_kind_name(policy))}"]
    return "\n".join(lines) + "\n"


def _kind_name(policy: Policy) -> str:
    """The document's kind in words ("payment policy"), as `check` and `list` show it."""
    return policy.kind.replace("_", " ")


def _clean(text: str | None) -> str:
    """Text for a commit message: one line, no NUL (git would cut the message there), no control or
    direction-override characters."""
    return printable(text)


__all__ = ["Store", "SyncResult", "Version", "PolicySummary", "NewVersion", "AddResult", "parse_ref", "resolve_rev"]
