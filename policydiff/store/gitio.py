"""Git plumbing for the store: one fast-import stream per batch, batched blob reads, commit trailers.

Everything here speaks to `git` as a subprocess with arguments the store
built itself (never a shell), so no policy text can become a command.
"""
from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import StoreError


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

    def commit(self, files: Sequence[tuple[str, bytes]], message: str) -> str:
        """Queue one commit writing `files` (path, content); returns its mark (":N"), a commit id once finished."""
        assert self.proc.stdin is not None
        self.count += 1
        mark = f":{self.count}"
        msg = message.encode("utf-8")
        parts = [f"commit {self.branch}\nmark {mark}\nauthor {self.author[0]} {self.author[1]}\n"
                 f"committer {self.committer[0]} {self.committer[1]}\ndata {len(msg)}\n".encode(), msg, b"\n"]
        if self.count == 1 and self.start:
            parts.append(f"from {self.start}\n".encode())
        for path, data in files:
            parts += [f"M 100644 inline {path}\ndata {len(data)}\n".encode(), data, b"\n"]
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
