"""Annual-review report: time and peak memory of one `policydiff report` over a large store.

    python benchmarks/report.py [--policies 1000] [--versions 5]

Builds a store of POLICIES policies × VERSIONS versions with the batch `add`
(not timed here; see store.py) in two steps: first a fifth of the policies,
then the rest. After each step it runs `policydiff report` as a user would
(reading every version from git, diffing consecutive versions, rendering) and
records its wall time and its peak resident memory (`ru_maxrss` from
`wait4`, taken by a small launcher process: see LAUNCHER).

Same-run baselines: for time, reading the versions alone from git; for memory,
the report over the first fifth of the store. The report streams, so its
peak memory should stay flat as the store grows five-fold (ratio near 1.0),
while its time grows with the number of versions.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from policydiff.ingest import add
from policydiff.store import Store
from tests.fixtures.variants import variant


def fill(store: Store, root: Path, payers: range, versions: int) -> None:
    """Add `versions` versions of each payer's policy, one batch per version."""
    for version in range(versions):
        folder = root / f"p{payers.start}-v{version}"
        folder.mkdir()
        for p in payers:
            (folder / f"p{p:05d}.txt").write_text(variant(p, version), encoding="utf-8")
        add(store, [folder])


LAUNCHER = """
import os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(proc.pid, 0)
sys.stderr.write(f"{time.perf_counter() - start} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}\\n")
"""
"""Runs the measured command from a small process. Linux keeps the high-water RSS a process had before
`exec`, and a child forked from this benchmark (which holds the whole store it just built) starts as large
as the benchmark; started from a small launcher, the figure is the report's own."""


def measured_run(cmd: list[str], out: Path) -> tuple[float, float]:
    """Wall seconds and peak resident MB of the command alone."""
    with out.open("wb") as sink:
        proc = subprocess.run([sys.executable, "-c", LAUNCHER, *cmd], stdout=sink, stderr=subprocess.PIPE,
                              text=True, check=True)
    took, peak_kb, code = proc.stderr.split()[-3:]
    if code != "0":
        raise SystemExit(f"{' '.join(cmd)} failed (exit {code}): {proc.stderr}")
    return float(took), int(peak_kb) / 1024  # Linux reports kilobytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--policies", type=int, default=1000)
    parser.add_argument("--versions", type=int, default=5)
    args = parser.parse_args()
    for role in ("AUTHOR", "COMMITTER"):
        os.environ.setdefault(f"GIT_{role}_NAME", "bench")
        os.environ.setdefault(f"GIT_{role}_EMAIL", "bench@localhost")
    exe = Path(sys.executable).with_name("policydiff")
    base_cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "policydiff"]
    first = max(1, args.policies // 5)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        store = Store(root / "store")
        rows = []
        for payers in (range(first), range(first, args.policies)):
            if len(payers):
                fill(store, root, payers, args.versions)
            start = time.perf_counter()
            history = store.versions_between()
            store.read([v for _, versions in history for v in versions])
            read = time.perf_counter() - start
            count = sum(len(v) for _, v in history)
            runs = {fmt: measured_run(base_cmd + ["--store", str(store.path), "report", "--format", fmt],
                                      root / f"report.{fmt}")
                    for fmt in ("md", "html", "json")}
            rows.append((count, read, runs, (root / "report.json").stat().st_size))
        (small, _, small_runs, _), (big, read, runs, size) = rows[0], rows[-1]
        print(f"{args.policies} policies, {big} versions: reading them all from git {read:.2f} s (time baseline)")
        for fmt, (took, peak) in runs.items():
            base_peak = small_runs[fmt][1]
            print(f"  policydiff report --format {fmt}: {took:.2f} s ({took / read:.1f}x the read), "
                  f"peak {peak:.0f} MB ({peak / base_peak:.2f}x the peak over {small} versions, {base_peak:.0f} MB)")
        print(f"report size (json): {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
