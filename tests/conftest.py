"""Shared fixtures: where ../shared lives, how to run the installed CLI, golden-file updates."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED = Path(os.environ.get("POLICYDIFF_SHARED", ROOT.parent / "shared"))
GOLDEN = Path(__file__).resolve().parent / "golden"
NW_2025 = EXAMPLES / "northwind__bariatric-surgery__2025-03-01.txt"
NW_2026 = EXAMPLES / "northwind__bariatric-surgery__2026-03-01.txt"
LAKESHORE = EXAMPLES / "lakeshore-mutual__obesity-surgery__2025-06-15.md"
ANALYST = {"GIT_AUTHOR_NAME": "Test Analyst", "GIT_AUTHOR_EMAIL": "analyst@example.org",
           "GIT_COMMITTER_NAME": "Test Analyst", "GIT_COMMITTER_EMAIL": "analyst@example.org"}


def isolate_git(monkeypatch, home: Path, env: dict[str, str]) -> None:
    """Git as on a fresh machine: this identity, an empty home, no system configuration."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden files from current output")


@pytest.fixture
def update_golden(request) -> bool:
    return bool(request.config.getoption("--update-golden"))


def need_shared() -> Path:
    """The real documents in ../shared; a user's clone may not have them, CI always does."""
    if not SHARED.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {SHARED} is missing: real-document tests must run in CI")
        pytest.skip(f"{SHARED} not present (real payer documents live beside the repository)")
    return SHARED


@pytest.fixture
def shared() -> Path:
    return need_shared()


def policydiff_cmd() -> list[str]:
    """The installed console script, next to this interpreter when in a venv."""
    local = Path(sys.executable).with_name("policydiff")
    if local.exists():
        return [str(local)]
    found = shutil.which("policydiff")
    if found:
        return [found]
    return [sys.executable, "-m", "policydiff"]


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, check_codes=(0, 1)) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(policydiff_cmd() + list(args), capture_output=True, text=True, cwd=cwd, env=full_env,
                          timeout=600)
    if check_codes is not None:
        assert proc.returncode in check_codes, f"exit {proc.returncode}: {proc.stderr}"
    return proc


def check_golden(path: Path, actual: str, update: bool) -> None:
    if update or not path.exists():
        if not update and os.environ.get("CI"):
            pytest.fail(f"golden file {path.name} is missing; run pytest --update-golden and commit it")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8"), f"output differs from {path}; rerun with --update-golden if intended"
