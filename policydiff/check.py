"""`policydiff check`: how completely each of many documents was read, worst first.

Analysts use it to know which policies need a human read; the project uses it over its whole corpus as a
ratchet (tests/corpus_floors.json). Each document is extracted in a bounded worker, as `add` does, and
summarized from its accounting: nothing here re-reads text.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path

from .budget import DEFAULT, Budget, run_bounded
from .errors import PolicyDiffError
from .normalized.checked import Checked, summarize
from .normalized.lexicon import folder_note_stems


def _check_one(path: str, budget: Budget) -> Checked:
    from .extractor import extract

    try:
        return summarize(path, extract(path, budget))
    except PolicyDiffError as exc:
        return Checked(path, error=str(exc))


def documents(paths: Sequence[str | Path]) -> tuple[list[str], list[str]]:
    """(files to check, a folder's own notes left out): files as given, and every file under each folder."""
    files: list[str] = []
    notes: list[str] = []
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise PolicyDiffError(f"{path}: no such file or folder")
        if path.is_dir():
            for f in sorted(path.rglob("*")):
                if not f.is_file() or any(part.startswith(".") for part in f.relative_to(path).parts):
                    continue
                (notes if f.stem.lower() in folder_note_stems() else files).append(str(f))
        else:
            files.append(str(path))
    return files, notes


def check(paths: Sequence[str | Path], workers: int | None = None, budget: Budget = DEFAULT,
          progress: bool = False) -> list[Checked]:
    """Every document's accounting, worst first; a folder's notes come back as skipped."""
    from tqdm import tqdm

    from .ingest import worker_count

    files, notes = documents(paths)
    bar = tqdm(total=len(files), desc="checking", unit="doc", disable=not progress, leave=False)
    try:
        outcomes = run_bounded(partial(_check_one), files, budget, worker_count(workers, len(files)),
                               on_done=lambda _index, _outcome: bar.update(), name=lambda p: Path(p).name)
    finally:
        bar.close()
    rows = [o.value if o.value is not None else Checked(f, error=o.error) for f, o in zip(files, outcomes)]
    rows.sort(key=lambda r: r.worst_first)
    return rows + [Checked(n, skipped="a folder's own notes, not a policy document") for n in notes]


__all__ = ["Checked", "check", "documents", "summarize"]
