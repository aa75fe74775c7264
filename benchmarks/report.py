"""Annual-review report speed: 1,000 policies × 2 versions, one `policydiff report`.

    python benchmarks/report.py [--policies 1000]

Builds the store with the batch `add` (not timed here; see store.py), then
times the report as the CLI runs it: reading every version's policy.json
from git, diffing consecutive versions, rendering Markdown and HTML. The
same-run baseline is reading the versions alone, so the ratio shows what
diffing and rendering add. Target: under 10 s.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--policies", type=int, default=1000)
    args = parser.parse_args()
    for role in ("AUTHOR", "COMMITTER"):
        os.environ.setdefault(f"GIT_{role}_NAME", "bench")
        os.environ.setdefault(f"GIT_{role}_EMAIL", "bench@localhost")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "store")
        for version in range(2):
            folder = Path(tmp) / f"v{version}"
            folder.mkdir()
            for p in range(args.policies):
                (folder / f"p{p:04d}.txt").write_text(variant(p, version), encoding="utf-8")
            add(store, [folder])
        start = time.perf_counter()
        history = store.versions_between()
        store.read([v for _, versions in history for v in versions])
        read = time.perf_counter() - start
        exe = Path(sys.executable).with_name("policydiff")
        cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "policydiff"]
        timings = {}
        for fmt in ("md", "html", "json"):
            start = time.perf_counter()
            out = subprocess.run(cmd + ["--store", str(store.path), "report", "--format", fmt], capture_output=True,
                                 text=True, check=True).stdout
            timings[fmt] = time.perf_counter() - start
        versions = sum(len(v) for _, v in history)
        print(f"{len(history)} policies, {versions} versions: reading them from git {read:.2f} s (baseline)")
        for fmt, took in timings.items():
            print(f"  policydiff report --format {fmt}: {took:.2f} s ({took / read:.1f}x the read)")
        print(f"report size (json): {len(out) / 1e6:.1f} MB; target under 10 s:",
              "met" if max(timings.values()) < 10 else "NOT met")


if __name__ == "__main__":
    main()
