"""policydiff: payer medical policies → normalized criteria, versioned in git, compared and diffed.

The public API, all importable from here:

- `extract(path)` → `Policy`: one PDF, text or Markdown policy, normalized;
- `compare([policy, ...])` → `Comparison`: payers side by side, indication by indication;
- `diff(old, new)` → `VersionDiff`: what changed between two versions of one policy;
- `Store(path)`: every version in a git repository; `add(store, paths)` extracts and commits;
- `load(spec, store)`: a file or a stored `payer/policy[@rev]`;
- `render`: text, Markdown, HTML, CSV and JSON for each of the above;
- the errors: `PolicyDiffError` and its kinds `ExtractionError`, `StoreError`.

Names load on first use, so importing the package (and starting the CLI)
does not pull in PDF or git libraries it may not need.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import ExtractionError, PolicyDiffError, StoreError

__version__ = "0.1.0"

_LAZY = {
    "extract": ("policydiff.extractor", "extract"),
    "compare": ("policydiff.diffs.compare", "compare"),
    "diff": ("policydiff.diffs.versions", "diff_policies"),
    "Store": ("policydiff.store", "Store"),
    "add": ("policydiff.ingest", "add"),
    "Identity": ("policydiff.ingest", "Identity"),
    "load": ("policydiff.history", "load"),
    "Policy": ("policydiff.normalized.schema", "Policy"),
    "Comparison": ("policydiff.diffs.compare", "Comparison"),
    "VersionDiff": ("policydiff.diffs.versions", "VersionDiff"),
    "render": ("policydiff.render", None),
}

__all__ = [
    "Comparison", "ExtractionError", "Identity", "Policy", "PolicyDiffError", "Store", "StoreError", "VersionDiff",
    "__version__", "add", "compare", "diff", "extract", "load", "render",
]

if TYPE_CHECKING:
    from . import render
    from .diffs.compare import Comparison, compare
    from .diffs.versions import VersionDiff
    from .diffs.versions import diff_policies as diff
    from .extractor import extract
    from .history import load
    from .ingest import Identity, add
    from .normalized.schema import Policy
    from .store import Store


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'policydiff' has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value
