"""Gold figures as a ratchet: score ../shared/gold with ../shared/tools/score.py, per figure and per file.

The floors live in `tests/gold_floors.json`. `tests/test_gold.py` asserts that
no figure falls below its floor; after an improvement, raise the floors with

    python -m tests.gold --raise

which only ever moves a floor up. Figures are scored with score.py's own
functions (imported from ../shared/tools), so the ratchet and the scorer can
never disagree about what a figure means.
"""
from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import shlex
import sys
from pathlib import Path
from types import ModuleType

FLOORS = Path(__file__).resolve().parent / "gold_floors.json"
EXTRACT_FIGURES = ("threshold", "exact", "indication", "logic", "codes", "metadata", "no_errors")


def scorer(shared: Path) -> ModuleType:
    """../shared/tools/score.py as a module (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("policydiff_gold_score", shared / "tools" / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def gold_files(shared: Path, mode: str) -> list[Path]:
    kind = {"extract": "document", "compare": "left", "diff": "old"}[mode]
    return [g for g in sorted((shared / "gold").glob("*.json")) if kind in json.loads(g.read_text())]


def figures(shared: Path, cmd: list[str]) -> dict:
    """{"extract": {"overall": {...}, "files": {stem: {...}}}, "compare": {...}, "diff": {...}} for the CLI `cmd`."""
    score = scorer(shared)
    command = " ".join(shlex.quote(part) for part in cmd)
    out: dict = {}
    overall = score.Tally()
    files: dict[str, dict[str, float]] = {}
    for gold in gold_files(shared, "extract"):
        one = score.Tally()
        with contextlib.redirect_stdout(io.StringIO()):
            score.score_extract(gold, shared, command, one, False)
        for key, value in one.n.items():
            overall.n[key] += value
        files[gold.stem] = one.summary()[0]
    out["extract"] = {"overall": overall.summary()[0], "files": files}
    for mode, func in (("compare", score.score_compare), ("diff", score.score_diff)):
        hits = checks = 0
        per: dict[str, float] = {}
        for gold in gold_files(shared, mode):
            with contextlib.redirect_stdout(io.StringIO()):
                h, c = func(gold, shared, command, False)
            hits, checks = hits + h, checks + c
            per[gold.stem] = h / c if c else 1.0
        out[mode] = {"overall": hits / checks if checks else 1.0, "files": per}
    return out


def _floor(value: float) -> float:
    """Three decimals, rounded down, so a floor never sits above the figure it was taken from."""
    return int(value * 1000 + 1e-9) / 1000


def shortfalls(current: dict, floors: dict) -> list[str]:
    """Every figure that fell below its floor, in words."""
    out = []
    for mode, data in floors.items():
        now = current.get(mode, {})
        if mode == "extract":
            pairs = [("overall", data["overall"], now.get("overall", {}))]
            pairs += [(name, want, now.get("files", {}).get(name, {})) for name, want in data["files"].items()]
            for name, want, have in pairs:
                for figure, floor in want.items():
                    if have.get(figure, 0.0) + 1e-9 < floor:
                        out.append(f"extract {name} {figure}: {have.get(figure, 0.0):.3f} < floor {floor:.3f}")
        else:
            if now.get("overall", 0.0) + 1e-9 < data["overall"]:
                out.append(f"{mode} overall: {now.get('overall', 0.0):.3f} < floor {data['overall']:.3f}")
            for name, floor in data["files"].items():
                have = now.get("files", {}).get(name, 0.0)
                if have + 1e-9 < floor:
                    out.append(f"{mode} {name}: {have:.3f} < floor {floor:.3f}")
    return out


def raised(current: dict, floors: dict) -> dict:
    """Floors moved up to the current figures where those are higher; never down."""
    def up(old: float | None, new: float) -> float:
        return max(old or 0.0, _floor(new))

    out: dict = {}
    ext_old = floors.get("extract", {"overall": {}, "files": {}})
    out["extract"] = {
        "overall": {k: up(ext_old["overall"].get(k), v) for k, v in current["extract"]["overall"].items()},
        "files": {name: {k: up(ext_old["files"].get(name, {}).get(k), v) for k, v in figs.items()}
                  for name, figs in sorted(current["extract"]["files"].items())},
    }
    for mode in ("compare", "diff"):
        old = floors.get(mode, {"overall": 0.0, "files": {}})
        out[mode] = {"overall": up(old["overall"], current[mode]["overall"]),
                     "files": {name: up(old["files"].get(name), v) for name, v in sorted(current[mode]["files"].items())}}
    return out


def main(argv: list[str]) -> int:
    from .conftest import SHARED, policydiff_cmd

    current = figures(SHARED, policydiff_cmd())
    floors = json.loads(FLOORS.read_text()) if FLOORS.exists() else {}
    for line in shortfalls(current, floors):
        print("BELOW FLOOR:", line)
    ext = current["extract"]["overall"]
    print("extract:", ", ".join(f"{k} {v:.3f}" for k, v in ext.items()))
    print(f"compare: {current['compare']['overall']:.3f}  diff: {current['diff']['overall']:.3f}")
    if "--raise" in argv:
        FLOORS.write_text(json.dumps(raised(current, floors), indent=1, sort_keys=True) + "\n")
        print(f"floors raised where figures improved: {FLOORS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
