"""Reading history costs a fixed number of git calls, however many versions a policy has.

A `git` wrapper first on PATH logs every call (GitPython's and our own
subprocesses alike) and then runs the real git.
"""
from __future__ import annotations

import os
import shutil
import stat

import pytest

from .conftest import run_cli
from .fixtures.variants import variant
from .test_store import FIXED

NAME = "example-payer0007-health-plan/ex-0007"


@pytest.fixture
def counting_git(tmp_path):
    real = shutil.which("git")
    wrapper = tmp_path / "bin" / "git"
    wrapper.parent.mkdir()
    log = tmp_path / "git-calls.log"
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{real}" "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    env = {**FIXED, "PATH": f"{wrapper.parent}{os.pathsep}{os.environ['PATH']}"}

    def calls(*args: str) -> int:
        log.write_text("")
        run_cli(*args, env=env)
        return len(log.read_text().splitlines())
    return calls


def _store_with(tmp_path, versions: int) -> str:
    folder = tmp_path / f"in{versions}"
    folder.mkdir()
    for v in range(versions):
        (folder / f"v{v}.txt").write_text(variant(7, v))
    store = str(tmp_path / f"store{versions}")
    run_cli("--store", store, "add", str(folder), env=FIXED)
    return store


def test_diff_and_blame_read_the_store_in_a_constant_number_of_git_calls(tmp_path, counting_git):
    small, large = _store_with(tmp_path, 2), _store_with(tmp_path, 9)
    for command in (["diff", NAME], ["diff", NAME, "--from", "~1"], ["blame", NAME]):
        few = counting_git("--store", small, *command)
        many = counting_git("--store", large, *command)
        assert few == many, (command, few, many)
        assert few <= 5, (command, few)  # git version (x2, GitPython), HEAD check, one log, one blob read
