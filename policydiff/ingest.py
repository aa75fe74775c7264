"""Documents into the store: files and folders → parallel extraction → identity → `Store.commit`.

The store keeps versions and knows nothing of extraction; this module is
where a document becomes a version: it is extracted (in worker processes,
since extraction is CPU-bound), given its identity (`policydiff.identity`:
payer, policy number and version date, each with its source) and serialised
there, so the store lock is held only for git. One bad document never stops
a batch: it comes back as a failed result, and the others land.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from .budget import DEFAULT, Budget, run_bounded
from .errors import PolicyDiffError, StoreError
from .extractor import extract_document, source_text
from .extractor.read import document_name, read_document
from .identity import DocumentIdentity, Given, manifest_near, resolve
from .normalized.dates import parse_date
from .normalized.lexicon import folder_note_stems
from .normalized.schema import Policy, to_json
from .store import AddResult, NewVersion, Store, Version

MAX_WORKERS = 32
"""More processes than this only contend for memory and the disk."""


@dataclass(frozen=True)
class Identity(Given):
    """What the user says about the documents of one `add`, and the note for the commit message."""

    message: str | None = None


@dataclass(frozen=True)
class Prepared:
    """One document after extraction: a version ready to commit, or the reason it is not."""

    path: str
    version: NewVersion | None = None
    identity: DocumentIdentity | None = None
    error: str | None = None
    not_policy: bool = False
    """A folder's own notes (a README or source list in a folder of policies), not one of its documents.
    Documents that state no covered criteria (payment policies, billing articles, drug lists) are stored,
    with their kind."""


@dataclass(frozen=True)
class Found:
    """What the paths of one call hold: the files to read, the folder each was found under (a manifest up to
    there may describe it), and the folders left unread (git repositories: a policy store above all)."""

    files: list[str]
    roots: dict[str, str]
    skipped: list[str]


@dataclass(frozen=True)
class _Job:
    path: str
    root: str


def add(store: Store, paths: list[str | Path], identity: Identity | None = None, workers: int | None = None,
        progress: bool = False, budget: Budget = DEFAULT) -> list[AddResult]:
    """Extract each document (in parallel, each under `budget`) and commit each as a version; results in
    input order."""
    prepared = plan(paths, identity, workers, progress, store, budget)
    failed = {p.path: AddResult(p.path, "skipped" if p.not_policy else "failed", error=p.error)
              for p in prepared if p.version is None}
    stored = store.commit([p.version for p in prepared if p.version is not None], (identity or Identity()).message)
    by_path = {r.path: r for r in stored}
    notes = {p.path: p.identity.warnings for p in prepared if p.identity is not None}
    return [failed.get(f.path) or replace(by_path[f.path], warnings=(*notes.get(f.path, ()), *by_path[f.path].warnings))
            for f in prepared]


def plan(paths: list[str | Path], identity: Identity | None = None, workers: int | None = None,
         progress: bool = False, store: Store | None = None, budget: Budget = DEFAULT) -> list[Prepared]:
    """What each document would be stored as, without writing: `add --dry-run` prints this."""
    identity = identity or Identity()
    if identity.effective and not parse_date(identity.effective):  # said once, not once per document
        raise StoreError(f"--effective {identity.effective}: not a date (use YYYY-MM-DD)")
    if store is not None:
        store.preflight()  # a store that would refuse the write refuses before any document is read
    found = collect(paths, store.path if store is not None else None)
    if not found.files and not found.skipped:
        raise StoreError("nothing to add: no files found in the paths given")
    for file in found.files:  # a manifest of the wrong shape is one line naming it, before anything is read
        manifest_near(file, found.roots[file])
    named = {str(Path(p)) for p in paths if not Path(p).is_dir()}
    prepared = prepare_all(found.files, identity, workers, progress, budget, found.roots)
    # A file named on the command line that is not a policy is an error; one found in a folder is skipped.
    prepared = [replace(p, not_policy=False) if p.not_policy and p.path in named else p for p in prepared]
    known = store.settled_index() if store is not None else {}
    skipped = [Prepared(folder, error=f"{folder}: a git repository (a policy store?); nothing in it is read as "
                                      f"documents", not_policy=True) for folder in found.skipped]
    return skipped + renumbered(prepared, known)


def prepare(path: str, identity: Identity, budget: Budget = DEFAULT, root: str | None = None) -> Prepared:
    """Extraction for one document, run in worker processes: no git here. Every message names the document by
    the path as given (`2024/a.txt` and `2025/a.txt` are two documents)."""
    if Path(path).stem.lower() in folder_note_stems():
        return Prepared(path, error=f"{path}: a folder's own notes, not a policy document", not_policy=True)
    try:
        doc = read_document(path, budget)
        policy = extract_document(doc, budget)
        who = resolve(path, policy, identity, root=root)
        policy = _with_identity(policy, who)
        text = source_text(doc)
        version = NewVersion(path, who.name, policy, to_json(policy), text, who.date.value or "",
                             who.date.source or "")
        return Prepared(path, version, who)
    except PolicyDiffError as exc:
        return Prepared(path, error=as_given(path, str(exc)))
    except (MemoryError, RecursionError):
        raise  # over budget: the worker says which budget
    except Exception as exc:
        return Prepared(path, error=f"{path}: could not be extracted ({type(exc).__name__}: {exc})")


def as_given(path: str, message: str) -> str:
    """A message about one document, naming it by the path as given where the reader named its file only."""
    for name in dict.fromkeys([path, Path(path).name, document_name(path)]):
        if message.startswith(f"{name}: "):
            return f"{path}: {message[len(name) + 2:]}"
    return message


def _with_identity(policy: Policy, who: DocumentIdentity) -> Policy:
    """The stored policy carries the identity it is stored under; a date the user or a manifest gives is
    its effective date, while a date read from the file name or the clock stays out of the document's
    own dates (the document does not state it)."""
    dates = policy.dates
    if who.date.source in ("flag", "manifest"):
        dates = replace(dates, effective=who.date.value)
    return replace(policy, payer=who.payer.value, policy_id=who.policy_id.value, dates=dates)


def renumbered(prepared: list[Prepared], known: dict[str, list[Version]]) -> list[Prepared]:
    """Versions of one policy whose number changes with each revision ("2024 P 2116-18", "2025 P 2116-22")
    belong together: the same payer, the same title and a shared run of three or more digits in the number
    make one policy, stored under the name it first had (in the store, else the oldest in this batch). A year
    is not such a run (`MP-2024-015` and `MP-2024-087` are two policies), and a number given by flag is never
    renumbered: flags win."""
    def stem(name: str) -> set[str]:
        return {run for run in re.findall(r"\d{3,}", name.split("/", 1)[1]) if not _YEAR.fullmatch(run)}

    def title_of(text: str | None) -> str:
        return re.sub(r"[^a-z0-9]+", " ", (text or "").lower()).strip()

    owners: dict[tuple[str, str], list[str]] = {}
    for name, versions in known.items():
        newest = max(versions, key=lambda v: (v.effective or "", v.committed))
        owners.setdefault((name.split("/")[0], title_of(newest.title)), []).append(name)
    ready = sorted(((p.path, p.version) for p in prepared if p.version is not None
                    and (p.identity is None or p.identity.policy_id.source != "flag")), key=lambda pv: pv[1].effective)
    renamed: dict[str, str] = {}
    for path, version in ready:
        key = (version.name.split("/")[0], title_of(version.policy.title))
        if not key[1]:
            continue
        names = owners.setdefault(key, [])
        match = next((n for n in names if n != version.name and stem(n) & stem(version.name)), None)
        if match is not None:
            renamed[path] = match
        elif version.name not in names:
            names.append(version.name)
    out = []
    for p in prepared:
        if p.path in renamed and p.version is not None and p.identity is not None:
            note = (f"{p.path}: policy number {p.version.policy.policy_id} is a renumbered version of "
                    f"{renamed[p.path]} (same payer and title); stored there")
            p = replace(p, version=replace(p.version, name=renamed[p.path]),
                        identity=replace(p.identity, warnings=(*p.identity.warnings, note)))
        out.append(p)
    return out


_YEAR = re.compile(r"(19|20)\d\d")


def expand(paths: list[str | Path]) -> list[str]:
    """Files as given, and every file under each folder (hidden files and manifests left out), in a
    stable order."""
    return collect(paths).files


def collect(paths: list[str | Path], store: Path | None = None) -> Found:
    """`expand`, and what it leaves out on purpose: a folder under a folder given that is a git repository
    (the store itself above all, whose `source.txt` files would come back as new versions) is not read."""
    from .identity import MANIFEST_NAMES

    files: list[str] = []
    roots: dict[str, str] = {}
    skipped: list[str] = []
    for p in paths:
        path = Path(p)
        if not path.is_dir():
            files.append(str(path))
            roots[str(path)] = str(path.parent)
            continue
        if store is not None and _same_folder(path, store):
            skipped.append(str(path))
            continue
        found = []
        for folder, dirs, names in os.walk(path):
            here = Path(folder)
            keep = []
            for d in sorted(dirs):
                if d.startswith("."):
                    continue
                if _is_repository(here / d) or (store is not None and _same_folder(here / d, store)):
                    skipped.append(str(here / d))
                else:
                    keep.append(d)
            dirs[:] = keep
            found += [here / n for n in names if not n.startswith(".") and n not in MANIFEST_NAMES
                      and (here / n).is_file()]
        for f in sorted(found):
            files.append(str(f))
            roots[str(f)] = str(path)
    return Found(files, roots, sorted(skipped))


def _is_repository(folder: Path) -> bool:
    """A git repository, working tree or bare (a store, a clone, someone's own project)."""
    return (folder / ".git").exists() or ((folder / "HEAD").is_file() and (folder / "objects").is_dir()
                                          and (folder / "refs").is_dir())


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def worker_count(requested: int | None, documents: int) -> int:
    """Never more processes than documents, CPUs (unless asked) or `MAX_WORKERS`."""
    wanted = requested if requested is not None else (os.cpu_count() or 1)
    return max(1, min(wanted, documents, MAX_WORKERS))


def _prepare_within(job: _Job, budget: Budget, identity: Identity) -> Prepared:
    return prepare(job.path, identity, budget, job.root)


def _job_path(job: _Job) -> str:
    return job.path


def prepare_all(files: list[str], identity: Identity, workers: int | None, progress: bool,
                budget: Budget = DEFAULT, roots: dict[str, str] | None = None) -> list[Prepared]:
    """Every file through `prepare`, in bounded worker processes (policydiff.budget): a document that runs
    out of time or memory comes back failed, and the others go on. `roots`: the folder given on the command
    line each file was found under (default: its own folder), up to which manifests describe it."""
    from tqdm import tqdm

    if not files:
        return []
    jobs = [_Job(f, (roots or {}).get(f, str(Path(f).parent))) for f in files]
    bar = tqdm(total=len(files), desc="extracting", unit="doc", disable=not progress, leave=False)
    try:
        outcomes = run_bounded(partial(_prepare_within, identity=identity), jobs, budget,
                               worker_count(workers, len(files)), on_done=lambda _index, _outcome: bar.update(),
                               name=_job_path)
    finally:
        bar.close()
    return [o.value if o.value is not None else Prepared(f, error=o.error) for f, o in zip(files, outcomes)]


__all__ = ["Found", "Identity", "Prepared", "add", "as_given", "collect", "plan", "prepare", "prepare_all", "expand",
           "renumbered", "worker_count"]
