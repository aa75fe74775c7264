"""Documents into the store: files and folders → parallel extraction → identity → `Store.commit`.

The store keeps versions and knows nothing of extraction; this module is
where a document becomes a version: it is extracted (in worker processes,
since extraction is CPU-bound), given its identity (payer, policy number,
version date) and serialised there, so the store lock is held only for git.
One bad document never stops a batch: it comes back as a failed result.
"""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import PolicyDiffError, StoreError
from .extractor import extract_document
from .extractor.metadata import parse_date
from .extractor.sources import read_document
from .normalized.schema import Policy, to_json
from .normalized.vocabulary import slugify
from .store import AddResult, NewVersion, Store


@dataclass(frozen=True)
class Identity:
    """What the user says about the documents of one `add`; it overrides what the documents state."""

    payer: str | None = None
    policy_id: str | None = None
    effective: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class Prepared:
    """One document after extraction: a version ready to commit, or the reason it is not."""

    path: str
    version: NewVersion | None = None
    error: str | None = None


def add(store: Store, paths: list[str | Path], identity: Identity | None = None, workers: int | None = None,
        progress: bool = False) -> list[AddResult]:
    """Extract each document (in parallel) and commit each as a version; results in input order."""
    identity = identity or Identity()
    files = expand(paths)
    if not files:
        raise StoreError("nothing to add: no files found in the paths given")
    prepared = prepare_all(files, identity, workers, progress)
    failed = {p.path: AddResult(p.path, "failed", error=p.error) for p in prepared if p.version is None}
    stored = store.commit([p.version for p in prepared if p.version is not None], identity.message)
    by_path = {r.path: r for r in stored}
    return [failed.get(f) or by_path[f] for f in files]


def prepare(path: str, identity: Identity) -> Prepared:
    """Extraction for one document, run in worker processes: no git here."""
    try:
        doc = read_document(path)
        policy = apply_identity(extract_document(doc), identity, path)
        text = "\n".join(ln.text for ln in doc.lines) + "\n"
        effective = policy.dates.effective if identity.effective else version_date(policy)
        name = f"{slugify(policy.payer)}/{slugify(policy.policy_id)}"
        return Prepared(path, NewVersion(path, name, policy, to_json(policy), text, effective or ""))
    except PolicyDiffError as exc:
        return Prepared(path, error=str(exc))
    except Exception as exc:
        return Prepared(path, error=f"{Path(path).name}: could not be extracted ({type(exc).__name__}: {exc})")


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


def expand(paths: list[str | Path]) -> list[str]:
    """Files as given, and every file under each folder (hidden files left out), in a stable order."""
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            out += [str(f) for f in sorted(path.rglob("*")) if f.is_file() and not f.name.startswith(".")]
        else:
            out.append(str(path))
    return out


def prepare_all(files: list[str], identity: Identity, workers: int | None, progress: bool) -> list[Prepared]:
    from tqdm import tqdm

    workers = workers if workers is not None else min(os.cpu_count() or 1, len(files))
    bar = tqdm(total=len(files), desc="extracting", unit="doc", disable=not progress, leave=False)
    results: list[Prepared] = []
    try:
        if workers <= 1 or len(files) < 4:
            for f in files:
                results.append(prepare(f, identity))
                bar.update()
        else:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                for result in pool.map(prepare, files, [identity] * len(files), chunksize=8):
                    results.append(result)
                    bar.update()
    finally:
        bar.close()
    return results
