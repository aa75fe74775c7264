"""Every version of every policy, in an ordinary git repository. The one module that imports git.

Layout (CONTRACT.md "The store"): `PAYER/POLICY/policy.json` (canonical
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
files are written to temporary names and renamed; git writes objects before
it moves a ref, so a killed `add` leaves either the old or the new commit,
and stale lock files a killed process left are cleared under our own lock.
"""
from __future__ import annotations

import os
import re
import subprocess
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from filelock import FileLock

from .errors import PolicyDiffError, StoreError
from .normalized.schema import Policy, from_json, to_json
from .normalized.vocabulary import slugify

LOCK_TIMEOUT_S = 600


@dataclass(frozen=True)
class Version:
    """One stored version of a policy: a commit with trailers."""

    rev: str
    policy: str
    effective: str | None
    title: str | None
    source_sha256: str | None
    committed: int


@dataclass(frozen=True)
class PolicySummary:
    name: str
    versions: int
    newest_effective: str | None
    title: str | None


@dataclass
class AddResult:
    path: str
    status: str
    """"added", "backfilled", "unchanged" or "failed"."""
    policy: str | None = None
    rev: str | None = None
    effective: str | None = None
    error: str | None = None


@dataclass
class _Prepared:
    path: str
    policy: Policy | None = None
    source_text: str = ""
    error: str | None = None
    effective: str = ""
    """The version's date: --effective if given, else `version_date` of the document."""
    content: str = ""
    """policy.json as stored: serialised here, in the worker, not under the store lock."""


@dataclass
class Identity:
    payer: str | None = None
    policy_id: str | None = None
    effective: str | None = None
    message: str | None = None


def parse_ref(ref: str) -> tuple[str, str | None]:
    """"payer/policy@rev" → ("payer/policy", "rev"); the name must be two slugs."""
    name, _, rev = ref.partition("@")
    parts = name.strip("/").split("/")
    if len(parts) != 2 or any(slugify(p) != p or not p for p in parts):
        raise StoreError(f"{ref}: not a stored policy name; expected PAYER/POLICY (slugs), e.g. medical-mutual/200802")
    return name.strip("/"), (rev or None)


def _prepare(path: str, identity: Identity) -> _Prepared:
    """Extraction for one document, run in worker processes: no git here."""
    from .extractor import extract_document
    from .extractor.sources import read_document

    try:
        doc = read_document(path)
        policy = extract_document(doc)
        text = "\n".join(ln.text for ln in doc.lines) + "\n"
        policy = apply_identity(policy, identity, path)
        effective = policy.dates.effective if identity.effective else version_date(policy)
        return _Prepared(path, policy, text, effective=effective or "", content=to_json(policy))
    except PolicyDiffError as exc:
        return _Prepared(path, error=str(exc))
    except Exception as exc:  # noqa: BLE001 - one bad document must not stop a batch
        return _Prepared(path, error=f"{Path(path).name}: could not be extracted ({type(exc).__name__}: {exc})")


def apply_identity(policy: Policy, identity: Identity, path: str) -> Policy:
    """Flags override what the document states; missing identity is an error naming the flag."""
    payer = identity.payer or policy.payer
    policy_id = identity.policy_id or policy.policy_id
    effective = identity.effective or version_date(policy)
    name = Path(path).name
    if not payer or not slugify(payer):
        raise StoreError(f"{name}: the document does not name its payer; pass --payer")
    if not policy_id or not slugify(policy_id):
        raise StoreError(f"{name}: no policy number found in the document; pass --policy-id")
    if not effective:
        raise StoreError(f"{name}: no effective, revised or review date found in the document; pass --effective")
    if identity.effective:
        from .extractor.metadata import parse_date

        parsed = parse_date(identity.effective)
        if not parsed:
            raise StoreError(f"--effective {identity.effective}: not a date (use YYYY-MM-DD)")
        return replace(policy, payer=payer, policy_id=policy_id, dates=replace(policy.dates, effective=parsed))
    return replace(policy, payer=payer, policy_id=policy_id)


def version_date(policy: Policy) -> str | None:
    """The date a version took effect: its effective date, or a later revision date.

    Some payers keep the policy's first effective date in "Effective" and date
    each version by "Last Revised"; the later of the two dates the version.
    """
    dates = [d for d in (policy.dates.effective, policy.dates.revised) if d]
    return max(dates) if dates else policy.dates.reviewed


class Store:
    """A policy store at `path`; created on first `add`."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._repo = None
        self.last_timings: dict[str, float] = {}
        """Seconds the last `add` spent extracting and in git, for benchmarks."""

    # -- opening ------------------------------------------------------------
    @property
    def repo(self):
        import git

        if self._repo is None:
            if not (self.path / ".git").is_dir():
                raise StoreError(f"{self.path}: no policy store here (add a policy first, or pass --store DIR)")
            try:
                self._repo = git.Repo(self.path)
            except git.exc.GitError as exc:
                raise StoreError(f"{self.path}: not a readable git repository ({exc})") from None
        return self._repo

    def _init(self) -> None:
        import git

        self.path.mkdir(parents=True, exist_ok=True)
        if not (self.path / ".git").is_dir():
            repo = git.Repo.init(self.path, initial_branch="main")
            with repo.config_writer() as config:
                if not _has_identity(repo):
                    config.set_value("user", "name", "policydiff")
                    config.set_value("user", "email", "policydiff@localhost")
            (self.path / "README.md").write_text(
                "# Policy store\n\nWritten by policydiff: one folder per payer and policy, one commit per version.\n")
            repo.index.add(["README.md"])
            repo.index.commit("Create policy store", skip_hooks=True)

    def _lock(self) -> FileLock:
        self.path.mkdir(parents=True, exist_ok=True)
        return FileLock(str(self.path / ".policydiff.lock"), timeout=LOCK_TIMEOUT_S)

    def _recover(self) -> None:
        """Undo what a killed writer left behind, before writing. We hold the store lock, so it is stale.

        A writer killed mid-batch can leave git lock files, an index file older
        than HEAD (the index is written once per batch) and policy files written
        but never committed. HEAD is the truth: reset the index and working tree
        to it and remove our own uncommitted files.
        """
        git_dir = self.path / ".git"
        for stale in [git_dir / "index.lock", git_dir / "HEAD.lock", git_dir / "policydiff-marks",
                      *git_dir.glob("refs/heads/*.lock"), *git_dir.glob("objects/pack/tmp_*")]:
            stale.unlink(missing_ok=True)
        exclude = git_dir / "info" / "exclude"
        exclude.parent.mkdir(exist_ok=True)
        if ".policydiff.lock" not in (exclude.read_text() if exclude.exists() else ""):
            with exclude.open("a") as handle:
                handle.write("\n.policydiff.lock\n")
        self._repo = None
        repo = self.repo
        repo.head.reset(index=True, working_tree=True)
        for leftover in repo.untracked_files:
            if re.fullmatch(r"[a-z0-9-]+/[a-z0-9-]+/(?:\.?(?:policy\.json|source\.txt)\S*)", leftover):
                (self.path / leftover).unlink(missing_ok=True)

    # -- writing ------------------------------------------------------------
    def add(self, paths: list[str | Path], identity: Identity | None = None, workers: int | None = None,
            progress: bool = False) -> list[AddResult]:
        """Extract each document (in parallel) and commit each as a version, oldest effective date first."""
        identity = identity or Identity()
        files = _expand(paths)
        if not files:
            raise StoreError("nothing to add: no files found in the paths given")
        started = time.perf_counter()
        prepared = _extract_all(files, identity, workers, progress)
        extracted = time.perf_counter()
        results: list[AddResult] = [AddResult(p.path, "failed", error=p.error) for p in prepared if p.error]
        good = sorted((p for p in prepared if not p.error), key=lambda p: (p.effective, p.path))
        if not good:
            return results
        with self._lock():
            self._init()
            self._recover()
            history = self._version_index()
            writer = _FastImport(self.repo)
            pending: dict[str, tuple[str, str]] = {}
            batch: list[AddResult] = []
            try:
                for item in good:
                    batch.append(self._commit_version(writer, item, identity, history, pending))
                marks = writer.finish()
            finally:
                writer.abort()
            for r in batch:
                r.rev = marks.get(r.rev or "", r.rev)
            results += batch
            # One checkout per batch brings index and working tree up to the last commit.
            self.repo.head.reset(index=True, working_tree=True)
        self.last_timings = {"extract": extracted - started, "git": time.perf_counter() - extracted}
        order = {str(f): i for i, f in enumerate(files)}
        return sorted(results, key=lambda r: order.get(r.path, 0))

    def _commit_version(self, writer: _FastImport, item: _Prepared, identity: Identity,
                        history: dict[str, list[Version]], pending: dict[str, tuple[str, str]]) -> AddResult:
        policy = item.policy
        assert policy is not None
        name = f"{slugify(policy.payer)}/{slugify(policy.policy_id)}"
        effective = item.effective
        versions = history.setdefault(name, [])
        newest = max(versions, key=_order) if versions else None
        same_day = next((v for v in versions if v.effective == effective), None)
        content = item.content or to_json(policy)

        def stored(version: Version) -> tuple[str, str]:
            if version.rev in pending:  # committed earlier in this batch
                return pending[version.rev]
            return self._blob(version.rev, name, "policy.json"), self._blob(version.rev, name, "source.txt")

        if same_day is not None and (same_day.source_sha256 == policy.document.sha256
                                     or _same_content(stored(same_day)[0], content)):
            return AddResult(item.path, "unchanged", name, same_day.rev, effective)
        if newest is not None and newest is not same_day and newest.source_sha256 == policy.document.sha256:
            return AddResult(item.path, "unchanged", name, newest.rev, effective)
        mark = writer.commit(name, content.encode("utf-8"), item.source_text.encode("utf-8"),
                             _message(name, policy, effective, identity.message))
        pending[mark] = (content, item.source_text)
        version = Version(mark, name, effective, policy.title, policy.document.sha256, writer.committed + writer.count)
        versions.append(version)
        if newest is not None and _order(newest) > _order(version):
            current, source = stored(newest)
            writer.commit(name, current.encode("utf-8"), source.encode("utf-8"),
                          f"{name}: restore newest version ({newest.effective}) after backfill\n\n"
                          f"Restores: {newest.rev}\nRestores-Policy: {name}\n")
            return AddResult(item.path, "backfilled", name, mark, effective)
        return AddResult(item.path, "added", name, mark, effective)

    # -- reading ------------------------------------------------------------
    def _version_index(self, policy: str | None = None) -> dict[str, list[Version]]:
        """All versions, from one `git log` over commit messages (trailers), grouped by policy."""
        repo = self.repo
        try:
            repo.head.commit
        except ValueError:
            return {}
        args = ["--format=%H%x00%ct%x00%B%x1e"]
        if policy:
            # Messages, not trees: a fixed-string grep is far cheaper than a path-limited walk.
            args += ["--fixed-strings", f"--grep=Policy: {policy}"]
        out = repo.git.log(*args)
        index: dict[str, list[Version]] = {}
        for record in out.split("\x1e"):
            record = record.strip("\n")
            if not record:
                continue
            sha, committed, body = record.split("\x00", 2)
            trailers = _trailers(body)
            if "Policy" not in trailers or "Restores" in trailers or (policy and trailers["Policy"] != policy):
                continue
            v = Version(sha, trailers["Policy"], trailers.get("Effective"), trailers.get("Title"),
                        trailers.get("Source-SHA256"), int(committed))
            index.setdefault(v.policy, []).append(v)
        return index

    def log(self, policy: str) -> list[Version]:
        """A policy's versions, newest effective date first."""
        name, _ = parse_ref(policy)
        versions = self._version_index(name).get(name, [])
        if not versions:
            raise StoreError(f"{name}: no such policy in {self.path} (see `policydiff list`)")
        return sorted(versions, key=_order, reverse=True)

    def list(self) -> list[PolicySummary]:
        out = []
        for name, versions in sorted(self._version_index().items()):
            newest = max(versions, key=_order)
            out.append(PolicySummary(name, len(versions), newest.effective, newest.title))
        return out

    def resolve(self, ref: str) -> Version:
        """`payer/policy`, `@YYYY-MM-DD` (in force that day), `@~N` (N before the newest) or `@<commit>`."""
        name, rev = parse_ref(ref)
        versions = self.log(name)
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

    def versions_between(self, since: str | None = None, until: str | None = None,
                         payer: str | None = None) -> list[tuple[str, list[tuple[Version, Policy]]]]:
        """For each policy: the version in force at `since` (the baseline) and every version effective up to
        `until`, oldest first. Policies with no version effective in the window are left out."""
        out = []
        payer_slug = slugify(payer) if payer else None
        for name, versions in sorted(self._version_index().items()):
            if payer_slug and not name.startswith(payer_slug + "/"):
                continue
            ordered = sorted(versions, key=_order)
            inside = [v for v in ordered if (not since or (v.effective or "") >= since)
                      and (not until or (v.effective or "") <= until)]
            if not inside:
                continue
            before = [v for v in ordered if since and (v.effective or "") < since]
            out.append((name, ([before[-1]] if before else []) + inside))
        texts = iter(self._blobs([f"{v.rev}:{name}/policy.json" for name, chosen in out for v in chosen]))
        return [(name, [(v, from_json(next(texts))) for v in chosen]) for name, chosen in out]

    def show(self, ref: str) -> Policy:
        version = self.resolve(ref)
        return from_json(self._blob(version.rev, version.policy, "policy.json"))

    def source_text(self, ref: str) -> str:
        version = self.resolve(ref)
        return self._blob(version.rev, version.policy, "source.txt")

    def _blob(self, rev: str, name: str, file_name: str) -> str:
        return self._blobs([f"{rev}:{name}/{file_name}"])[0]

    def _blobs(self, specs: list[str]) -> list[str]:
        """Many `rev:path` blobs in one `git cat-file --batch` call: git resolves the paths, in C."""
        if not specs:
            return []
        proc = subprocess.run(["git", "cat-file", "--batch"], cwd=self.path, input="\n".join(specs).encode() + b"\n",
                              capture_output=True, check=False)
        if proc.returncode != 0:
            raise StoreError(f"{self.path}: git cat-file failed: {proc.stderr.decode(errors='replace').strip()}")
        data, pos, out = proc.stdout, 0, []
        for spec in specs:
            end = data.index(b"\n", pos)
            header = data[pos:end].decode()
            if header.endswith("missing") or header.endswith("ambiguous"):
                raise StoreError(f"{self.path}: {spec.split(':')[0]} has no {spec.split(':', 1)[1]}")
            size = int(header.split()[2])
            out.append(data[end + 1:end + 1 + size].decode("utf-8"))
            pos = end + 1 + size + 1
        return out

    # -- sharing ------------------------------------------------------------
    def sync(self, remote: str = "origin") -> str:
        """Pull with rebase, then push: the store's history stays linear across analysts."""
        import git

        with self._lock():
            repo = self.repo
            if remote not in [r.name for r in repo.remotes]:
                raise StoreError(f"{self.path}: no remote named {remote!r}; add one with "
                                 f"`git -C {self.path} remote add {remote} URL`")
            branch = repo.active_branch.name
            try:
                remote_heads = repo.git.ls_remote("--heads", remote, branch)
                if remote_heads.strip():
                    repo.git.pull("--rebase", remote, branch)
                repo.git.push(remote, f"{branch}:{branch}")
            except git.exc.GitCommandError as exc:
                if (Path(repo.git_dir) / "rebase-merge").exists() or (Path(repo.git_dir) / "rebase-apply").exists():
                    repo.git.rebase("--abort")
                raise StoreError(f"{self.path}: sync with {remote} failed: {exc.stderr.strip() or exc}") from None
            return repo.head.commit.hexsha


class _FastImport:
    """Writes a batch of versions through one `git fast-import` process.

    A commit per version costs microseconds this way: fast-import streams all
    of them into one pack, where GitPython's index would re-serialise every
    tree of the store per commit. The branch moves only at checkpoints and at
    the end, after the objects are written, and `--done` makes fast-import
    refuse a stream that stops early: a killed `add` leaves the store as it
    was at the last checkpoint, never a half commit.
    """

    CHECKPOINT_EVERY = 250

    def __init__(self, repo):
        self.repo = repo
        self.branch = repo.head.ref.path
        self.marks_file = Path(repo.git_dir) / "policydiff-marks"
        self.proc = subprocess.Popen(
            ["git", "fast-import", "--quiet", "--done", f"--export-marks={self.marks_file}"],
            cwd=repo.working_tree_dir, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.count = 0
        self.author = _actor(repo, "AUTHOR")
        self.committer = _actor(repo, "COMMITTER")
        self.committed = int(self.committer[1].split()[0])

    def commit(self, name: str, policy_json: bytes, source: bytes, message: str) -> str:
        """Queue one commit of `name`'s two files; returns its mark (":N"), a commit id once finished."""
        self.count += 1
        mark = f":{self.count}"
        msg = message.encode("utf-8")
        parts = [f"commit {self.branch}\nmark {mark}\nauthor {self.author[0]} {self.author[1]}\n"
                 f"committer {self.committer[0]} {self.committer[1]}\ndata {len(msg)}\n".encode(), msg, b"\n"]
        if self.count == 1:
            parts.append(f"from {self.branch}^0\n".encode())
        for file_name, data in (("policy.json", policy_json), ("source.txt", source)):
            parts += [f"M 100644 inline {name}/{file_name}\ndata {len(data)}\n".encode(), data, b"\n"]
        parts.append(b"\n")
        if self.count % self.CHECKPOINT_EVERY == 0:
            parts.append(b"checkpoint\n\n")
        self.proc.stdin.write(b"".join(parts))
        return mark

    def finish(self) -> dict[str, str]:
        """End the stream; returns mark → commit id."""
        _, err = self.proc.communicate(b"done\n")
        if self.proc.returncode != 0:
            raise StoreError(f"git fast-import failed: {err.decode('utf-8', 'replace').strip()[-300:]}")
        marks = {}
        if self.marks_file.exists():
            for line in self.marks_file.read_text().splitlines():
                mark, sha = line.split()
                marks[mark] = sha
            self.marks_file.unlink()
        return marks

    def abort(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def _actor(repo, role: str) -> tuple[str, str]:
    """("Name <email>", "seconds +zone") for the author or committer, as git reads them: env, then config."""
    from git.objects.util import altz_to_utctz_str, parse_date

    reader = repo.config_reader()
    name = os.environ.get(f"GIT_{role}_NAME") or reader.get_value("user", "name", "policydiff")
    email = os.environ.get(f"GIT_{role}_EMAIL") or reader.get_value("user", "email", "policydiff@localhost")
    when = os.environ.get(f"GIT_{role}_DATE")
    if when:
        seconds, offset = parse_date(when)
        stamp = f"{seconds} {altz_to_utctz_str(offset)}"
    else:
        stamp = f"{int(time.time())} +0000"
    return f"{name} <{email}>", stamp


def _has_identity(repo) -> bool:
    try:
        reader = repo.config_reader()
        return bool(reader.get_value("user", "name", "")) and bool(reader.get_value("user", "email", ""))
    except Exception:  # noqa: BLE001 - no config at all means no identity
        return False


def _order(version: Version) -> tuple[str, int]:
    return (version.effective or "", version.committed)


def _same_content(stored: str, new: str) -> bool:
    """Equal apart from the file name the version was read from."""
    a, b = from_json(stored), from_json(new)
    return replace(a, document=replace(a.document, name="")) == replace(b, document=replace(b.document, name=""))


def _trailers(body: str) -> dict[str, str]:
    found = {}
    for line in body.splitlines():
        m = re.match(r"^([A-Z][A-Za-z0-9-]+): (.+)$", line)
        if m:
            found[m.group(1)] = m.group(2).strip()
    return found


def _one_line(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _message(name: str, policy: Policy, effective: str, extra: str | None) -> str:
    title = _one_line(policy.title) or "(untitled)"
    lines = [f"{name}: {title}, effective {effective}", ""]
    if extra:
        lines += [_one_line(extra), ""]
    lines += [f"Policy: {name}", f"Payer: {_one_line(policy.payer)}", f"Title: {title}",
              f"Effective: {effective}", f"Source: {_one_line(policy.document.name)}",
              f"Source-SHA256: {policy.document.sha256}"]
    return "\n".join(lines) + "\n"


def _expand(paths: list[str | Path]) -> list[str]:
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            out += [str(f) for f in sorted(path.rglob("*")) if f.is_file() and not f.name.startswith(".")]
        else:
            out.append(str(path))
    return out


def _extract_all(files: list[str], identity: Identity, workers: int | None, progress: bool) -> list[_Prepared]:
    from tqdm import tqdm

    workers = workers if workers is not None else min(os.cpu_count() or 1, len(files))
    bar = tqdm(total=len(files), desc="extracting", unit="doc", disable=not progress, leave=False)
    results: list[_Prepared] = []
    try:
        if workers <= 1 or len(files) < 4:
            for f in files:
                results.append(_prepare(f, identity))
                bar.update()
        else:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                for result in pool.map(_prepare, files, [identity] * len(files), chunksize=8):
                    results.append(result)
                    bar.update()
    finally:
        bar.close()
    return results


__all__ = ["Store", "Identity", "Version", "PolicySummary", "AddResult", "parse_ref"]
