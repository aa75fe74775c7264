"""End to end: the installed `policydiff` command as a subprocess."""
import json

import pytest

from .conftest import EXAMPLES, need_shared, run_cli


@pytest.mark.parametrize("name", ["northwind__bariatric-surgery__2025-03-01.txt",
                                  "lakeshore-mutual__obesity-surgery__2025-06-15.md"])
def test_extract_examples_json(name):
    data = json.loads(run_cli("extract", str(EXAMPLES / name), "--format", "json").stdout)
    assert data["schema_version"] == 1
    adult = next(i for i in data["indications"] if i["key"] == "morbid-obesity")
    measures = json.dumps(adult["criteria"])
    assert '"measure": "bmi"' in measures and '"measure": "age"' in measures
    assert {c["code"] for c in data["codes"]} >= {"43644", "43775"}


def test_markdown_and_text_inputs_are_told_apart_by_content(tmp_path):
    md = tmp_path / "policy.txt"  # Markdown content behind a .txt name
    md.write_text((EXAMPLES / "lakeshore-mutual__obesity-surgery__2025-06-15.md").read_text())
    data = json.loads(run_cli("extract", str(md), "--format", "json").stdout)
    assert data["document"]["format"] == "markdown" and len(data["indications"]) == 3


def test_md_and_text_formats_show_logic_thresholds_and_codes():
    md = run_cli("extract", str(EXAMPLES / "northwind__bariatric-surgery__2025-03-01.txt"), "--format", "md").stdout
    assert "### Clinically severe obesity in adults" in md and "**any of**" in md and "bmi ≥ 40 kg/m2" in md
    assert "| CPT | 43644 | yes |" in md
    text = run_cli("extract", str(EXAMPLES / "northwind__bariatric-surgery__2025-03-01.txt")).stdout
    assert "NOT COVERED (investigational): Intragastric balloon placement" in text


def test_seeds_through_the_cli():
    shared = need_shared()
    for seed in sorted((shared / "seeds").glob("*.txt")):
        data = json.loads(run_cli("extract", str(seed), "--format", "json").stdout)
        assert len(data["indications"]) >= 5


def test_python_dash_m_works():
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-m", "policydiff", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and "policydiff" in proc.stdout


def test_schema_command_prints_json_schema():
    schema = json.loads(run_cli("schema").stdout)
    assert schema["$schema"].endswith("2020-12/schema") and "indication" in schema["$defs"]


def _bad(path, *extra):
    proc = run_cli("extract", str(path), *extra, check_codes=(2,))
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


def test_bad_input_is_one_line_exit_2(tmp_path):
    assert "no such file" in _bad(tmp_path / "missing.txt")
    assert "is a directory" in _bad(tmp_path)
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert "empty.txt: file is empty" in _bad(empty)
    blank = tmp_path / "blank.txt"
    blank.write_text("   \n\n  ")
    assert "file is empty" in _bad(blank)
    noise = tmp_path / "noise.bin"
    noise.write_bytes(bytes(range(256)) * 40)
    assert "noise.bin: binary data" in _bad(noise)


def test_cp1252_text_just_works(tmp_path):
    src = (EXAMPLES / "northwind__bariatric-surgery__2025-03-01.txt").read_text()
    path = tmp_path / "windows.txt"
    path.write_bytes(src.replace("Northwind Health Plan considers", "Northwind Health Plan’s committee considers")
                     .replace("≥", ">=").replace("–", "-").encode("cp1252"))
    data = json.loads(run_cli("extract", str(path), "--format", "json").stdout)
    assert data["policy_id"] == "NW-SURG-114" and len(data["indications"]) == 3
