"""The package's shape: which layer may import which, lint and types clean, the contract copy in step."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, need_shared

PACKAGE = ROOT / "policydiff"


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, anywhere in it (functions included), as absolute dotted names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    if path.name != "__init__.py":
        package = package.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.add(name)
            found |= {f"{name}.{alias.name}" for alias in node.names}
    return found


def test_imported_modules_reads_relative_imports():
    names = imported_modules(PACKAGE / "ingest.py")
    assert "policydiff.extractor" in names and "policydiff.store" in names


@pytest.mark.parametrize("path", sorted((PACKAGE / "store").glob("*.py")), ids=lambda p: p.name)
def test_the_store_does_not_import_the_extractor(path):
    assert not any(m == "policydiff.extractor" or m.startswith("policydiff.extractor.")
                   for m in imported_modules(path)), path


@pytest.mark.parametrize("layer,forbidden", [
    ("normalized", ("policydiff.extractor", "policydiff.diffs", "policydiff.store", "policydiff.render",
                    "policydiff.history", "policydiff.ingest", "policydiff.check", "policydiff.cli")),
    ("extractor", ("policydiff.diffs", "policydiff.store", "policydiff.render", "policydiff.history",
                   "policydiff.ingest", "policydiff.check", "policydiff.cli")),
    ("diffs", ("policydiff.extractor", "policydiff.store", "policydiff.render", "policydiff.history",
               "policydiff.ingest", "policydiff.check", "policydiff.cli")),
    ("render", ("policydiff.extractor", "policydiff.store", "policydiff.history", "policydiff.ingest",
                "policydiff.check", "policydiff.cli")),
])
def test_data_flows_one_way(layer, forbidden):
    """extractor → normalized → store/diffs → renderers; nothing reaches back up."""
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        bad = {m for m in imported_modules(path) if m.startswith(forbidden)}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def _tool(name: str) -> list[str]:
    local = Path(sys.executable).with_name(name)
    return [str(local)] if local.exists() else [sys.executable, "-m", name]


def test_ruff_is_clean():
    proc = subprocess.run(_tool("ruff") + ["check", "policydiff", "benchmarks"], cwd=ROOT, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_is_clean():
    proc = subprocess.run(_tool("mypy"), cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_contract_copy_is_in_step_with_shared():
    shared = need_shared()
    assert (ROOT / "docs" / "contract.md").read_text() == (shared / "CONTRACT.md").read_text(), \
        "docs/contract.md differs from ../shared/CONTRACT.md: copy it again"


def test_docstrings_cite_the_contract_in_the_repository():
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "CONTRACT.md" not in text and "../shared" not in text, path
