"""Git plumbing for the store: one fast-import stream per batch, batched blob reads, commit trailers.

Everything here speaks to `git` as a subprocess with arguments the store
built itself (never a shell), so no policy text can become a command.
"""
from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import StoreError


class GitFailed(StoreError):
    """git itself failed (a full disk, a file size limit, a refusal): a writer adds what landed."""


class FastImport:
    """Writes a batch of versions through one `git fast-import` process.

    A commit per version costs microseconds this way: fast-import streams all
    of them into one pack, where GitPython's index would re-serialise every
    tree of the store per commit. The branch moves only at checkpoints and at
    the end, after the objects are written, and `--done` makes fast-import
    refuse a stream that stops early: a killed `add` leaves the store as it
    was at the last checkpoint, never a half commit.
    """

    CHECKPOINT_EVERY = 250

    def __init__(self, repo: Any, ref: str | None = None, start: str | None = None):
        self.repo = repo
        self.branch = ref or repo.head.ref.path
        """The ref the commits go to: the store's branch, or a scratch ref `sync` moves the branch to later."""
        self.marks_file = Path(repo.git_dir) / "policydiff-marks"
        self.proc = subprocess.Popen(
            ["git", "fast-import", "--quiet", "--done", f"--export-marks={self.marks_file}"],
            cwd=repo.working_tree_dir, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.count = 0
        self.start = start if ref else (f"{self.branch}^0" if repo.head.is_valid() else None)
        """The first commit's parent; None in a store with no commit yet (a fresh clone of an empty shared
        remote), where the first commit starts the branch."""
        self.author = actor(repo, "AUTHOR")
        self.committer = actor(repo, "COMMITTER")
        self.committed = int(self.committer[1].split()[0])

    def commit(self, files: Sequence[tuple[str, bytes]], message: str, kept: Sequence[Entry] = (),
               removed: Sequence[bytes] = (), author: str | None = None) -> str:
        """Queue one commit writing `files` (path, content), pointing `kept` paths at objects the repository
        already holds and deleting `removed` paths; returns its mark (":N"), a commit id once finished.
        `author` ("Name <email> seconds +zone") keeps the author of a commit `sync` replays."""
        assert self.proc.stdin is not None
        self.count += 1
        mark = f":{self.count}"
        msg = message.encode("utf-8", "replace")
        who = author or f"{self.author[0]} {self.author[1]}"
        parts = [f"commit {self.branch}\nmark {mark}\nauthor {who}\n"
                 f"committer {self.committer[0]} {self.committer[1]}\ndata {len(msg)}\n".encode(), msg, b"\n"]
        if self.count == 1 and self.start:
            parts.append(f"from {self.start}\n".encode())
        parts += [b"D " + _quoted(path) + b"\n" for path in removed]
        parts += [f"M {entry.mode} {entry.oid} ".encode() + _quoted(entry.path) + b"\n" for entry in kept]
        for path, data in files:
            parts += [f"M 100644 inline {path}\ndata {len(data)}\n".encode(), data, b"\n"]
        parts.append(b"\n")
        if self.count % self.CHECKPOINT_EVERY == 0:
            parts.append(b"checkpoint\n\n")
        try:
            self.proc.stdin.write(b"".join(parts))
        except BrokenPipeError:  # fast-import died (a full disk, a file size limit): say why, in one line
            raise GitFailed(self._failure()) from None
        return mark

    def _failure(self) -> str:
        self.abort()
        err = self.proc.stderr.read() if self.proc.stderr is not None else b""
        return "git fast-import failed: " + _git_said(err, self.proc.returncode)

    def finish(self) -> dict[str, str]:
        """End the stream; returns mark → commit id."""
        try:
            _, err = self.proc.communicate(b"done\n")
        except BrokenPipeError:
            raise GitFailed(self._failure()) from None
        if self.proc.returncode != 0:
            raise GitFailed("git fast-import failed: " + _git_said(err, self.proc.returncode))
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


@dataclass(frozen=True)
class Entry:
    """One path of a commit's tree, as `git diff-tree` reports a change to it."""

    path: bytes
    mode: str
    oid: str


def _quoted(path: bytes) -> bytes:
    """A path as fast-import reads it: as it is, unless it starts with a quote or holds a newline."""
    if not path.startswith(b'"') and b"\n" not in path:
        return path
    return b'"' + path.replace(b"\\", b"\\\\").replace(b'"', b'\\"').replace(b"\n", b"\\n") + b'"'


_SIGNALS = {9: "killed", 25: "file size limit exceeded"}


def _git_said(err: bytes, code: int | None) -> str:
    """What git said on failing, in one line: its last `fatal:`/`error:` line, else how it ended."""
    lines = [ln.strip() for ln in err.decode("utf-8", "replace").splitlines() if ln.strip()]
    told = [ln for ln in lines if ln.startswith(("fatal:", "error:"))] or lines
    if told:
        return told[-1][:300]
    if code is not None and code < 0:
        return f"git was stopped by signal {-code} ({_SIGNALS.get(-code, 'signal')})"
    return f"git exited with code {code}"


def git(repo_dir: Path, *args: str, data: bytes | None = None, env: dict[str, str] | None = None) -> bytes:
    """Run one git command in the store; its output as bytes, or a StoreError that says what git said."""
    try:
        proc = subprocess.run(["git", *args], cwd=repo_dir, input=data, capture_output=True, check=False,
                              env={**os.environ, **(env or {})})
    except OSError as exc:
        raise StoreError(f"{repo_dir}: cannot run git ({exc.strerror or exc})") from None
    if proc.returncode != 0:
        verb = next((a for a in args if not a.startswith("-")), "")
        raise GitFailed(f"{repo_dir}: git {verb} failed: {_git_said(proc.stderr, proc.returncode)}")
    return proc.stdout


@dataclass(frozen=True)
class Commit:
    """One commit as `commits` reads it."""

    sha: str
    committed: int
    parents: tuple[str, ...]
    author: str
    """"Name <email> seconds +zone", as fast-import writes it back."""
    body: str
    written: frozenset[str] = frozenset()
    """Paths the commit added or modified against its first parent (when `commits` was asked for them)."""


_HEADER = re.compile(rb"([0-9a-f]{40}) (\d+) (\d+ [+-]\d{4})\x1f([0-9a-f ]*)\x1f([^\n]*)\n")


def commits(repo_dir: Path, *args: str, written: bool = False) -> list[Commit]:
    """The commits `git log ARGS` lists, read NUL-separated: a message may hold any byte (a record separator
    included) and is never split on one. Messages that are not UTF-8 are read with replacement characters.
    `written`: also the paths each commit added or modified (one `--name-status` in the same call)."""
    out = git(repo_dir, "log", "-z", "--date=raw", "--format=%H %ct %ad%x1f%P%x1f%an <%ae>%n%B",
              *(["--name-status", "--no-renames"] if written else []), *args, "--")
    found: list[Commit] = []
    paths: list[str] = []
    status: bytes | None = None

    def close() -> None:
        if found and paths:
            found[-1] = replace(found[-1], written=frozenset(paths))
        paths.clear()

    in_body = False
    for chunk in out.split(b"\0"):
        m = _HEADER.match(chunk)
        if m is not None:
            close()
            found.append(Commit(m.group(1).decode(), int(m.group(2)), tuple(m.group(4).decode().split()),
                                f"{m.group(5).decode('utf-8', 'replace')} {m.group(3).decode()}",
                                chunk[m.end():].decode("utf-8", "replace")))
            in_body, status = True, None
        elif written and (chunk.startswith(b"\n") or not in_body) and found:
            in_body = False  # the file list: status, path, status, path...
            chunk = chunk.removeprefix(b"\n")
            if status is None:
                status = chunk
            else:
                if status[:1] in (b"A", b"M"):
                    paths.append(chunk.decode("utf-8", "surrogateescape"))
                status = None
        elif chunk and found and in_body:  # a NUL inside a message: the rest belongs to that message
            found[-1] = replace(found[-1], body=found[-1].body + "\0" + chunk.decode("utf-8", "replace"))
    close()
    return found


def changes(repo_dir: Path, commit: str) -> list[Entry]:
    """What one commit changed against its parent: each path with its new mode and object (mode "0" for a
    path it removed)."""
    out = git(repo_dir, "diff-tree", "-r", "-z", "--no-renames", "--no-commit-id", "--root", commit)
    fields = out.split(b"\0")
    entries = []
    for meta, path in zip(fields[0::2], fields[1::2]):
        if not meta.startswith(b":"):
            continue
        _, new_mode, _, new_oid, _ = meta[1:].decode().split(" ", 4)
        entries.append(Entry(path, new_mode.lstrip("0") or "0", new_oid))
    return entries


def object_ids(repo_dir: Path, specs: Sequence[str | bytes]) -> list[str | None]:
    """The object each `rev:path` names, or None where there is none, in one `git cat-file --batch-check`."""
    if not specs:
        return []
    data = b"".join((s.encode() if isinstance(s, str) else s) + b"\n" for s in specs)
    out = git(repo_dir, "cat-file", "--batch-check=%(objectname)", data=data)
    return [None if line.endswith((b" missing", b" ambiguous")) or b" " in line else line.decode()
            for line in out.splitlines()]


def read_blobs(repo_dir: Path, specs: Sequence[str]) -> list[str]:
    """Many `rev:path` blobs in one `git cat-file --batch` call: git resolves the paths, in C."""
    if not specs:
        return []
    proc = subprocess.run(["git", "cat-file", "--batch"], cwd=repo_dir, input="\n".join(specs).encode() + b"\n",
                          capture_output=True, check=False)
    if proc.returncode != 0:
        raise StoreError(f"{repo_dir}: git cat-file failed: {proc.stderr.decode(errors='replace').strip()}")
    data, pos, out = proc.stdout, 0, []
    for spec in specs:
        end = data.index(b"\n", pos)
        header = data[pos:end].decode()
        if header.endswith("missing") or header.endswith("ambiguous"):
            raise StoreError(f"{repo_dir}: {spec.split(':')[0]} has no {spec.split(':', 1)[1]}")
        size = int(header.split()[2])
        out.append(data[end + 1:end + 1 + size].decode("utf-8"))
        pos = end + 1 + size + 1
    return out


def parse_trailers(body: str) -> dict[str, str]:
    """The trailers of a commit message: `Key: value` lines of its final paragraph only, as git defines
    them, so a note such as "Restores: nothing" in the body is never read as metadata."""
    import re

    paragraphs = [p for p in re.split(r"\n\s*\n", body.strip("\n")) if p.strip()]
    if len(paragraphs) < 2:
        return {}  # a subject alone has no trailers
    found = {}
    for line in paragraphs[-1].splitlines():
        m = re.match(r"^([A-Z][A-Za-z0-9-]+): (.+)$", line)
        if not m:
            return {}  # not a trailer block
        found[m.group(1)] = m.group(2).strip()
    return found


def note_of(body: str) -> str | None:
    """The user's note in a commit message: what lies between the subject and the trailer block."""
    import re

    paragraphs = [p for p in re.split(r"\n\s*\n", body.strip("\n")) if p.strip()]
    middle = paragraphs[1:-1] if parse_trailers(body) else paragraphs[1:]
    return "\n\n".join(middle) or None


def actor(repo: Any, role: str) -> tuple[str, str]:
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


def has_identity(repo: Any) -> bool:
    try:
        reader = repo.config_reader()
        return bool(reader.get_value("user", "name", "")) and bool(reader.get_value("user", "email", ""))
    except Exception:
        return False
