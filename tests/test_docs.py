"""The README tells the truth: every command and option is documented, the examples are real output,
and CI runs exactly the README's test command."""
import re

import click

from policydiff.cli import main

from .conftest import ROOT, run_cli

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands():
    ctx = click.Context(main)
    return {name: main.get_command(ctx, name) for name in main.list_commands(ctx)}


def test_every_command_and_option_is_in_the_readme():
    for name, command in _commands().items():
        assert f"policydiff {name}" in README or f"] {name}" in README, name
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("--"):
                    assert opt in README, f"{name} {opt}"
    for param in main.params:
        for opt in param.opts:
            if opt.startswith("--"):
                assert opt in README, opt


def _blocks():
    folded = re.sub(r"\\\n\s*", " ", README)  # shell line continuations
    return re.findall(r"```\n\$ (policydiff [^\n]*)\n(.*?)```", folded, re.S)


def test_readme_examples_are_real_output():
    blocks = [(cmd, out) for cmd, out in _blocks() if out.strip()]
    assert len(blocks) >= 2
    for command, expected in blocks:
        args = command.split()[1:]
        proc = run_cli(*args, cwd=ROOT)
        assert proc.stdout == expected, command


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    commands = re.findall(r"```\n(python3 -m venv[^\n]*)\n```", README)
    assert len(commands) == 2, commands
    test_command = next(c for c in commands if "pytest" in c)
    assert test_command in ci.splitlines()


def test_readme_python_example_runs(tmp_path):
    """The README's Python example, run as written, in a folder holding a copy of examples/."""
    import shutil
    import subprocess
    import sys

    [code] = re.findall(r"```python\n(.*?)```", README, re.S)
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    env = {"GIT_AUTHOR_NAME": "Doc Test", "GIT_AUTHOR_EMAIL": "doc@example.org", "GIT_COMMITTER_NAME": "Doc Test",
           "GIT_COMMITTER_EMAIL": "doc@example.org", "HOME": str(tmp_path), "PATH": __import__("os").environ["PATH"]}
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "# Policy comparison" in proc.stdout and "| adolescent-obesity |" not in proc.stdout.split("##")[0]
    assert "NW-SURG-114: 2025-03-01 -> 2026-03-01  (MATERIAL)" in proc.stdout
    assert (tmp_path / "policy-store" / "northwind-health-plan" / "nw-surg-114" / "policy.json").exists()
