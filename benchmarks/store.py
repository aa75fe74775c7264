"""Store speed: batch add of 1,000 text policies, then log / show latency at 5,000 versions.

    python benchmarks/store.py [--policies 1000] [--versions 5]
    python benchmarks/store.py --corpus ../shared/corpus

With --corpus: `add` of the whole folder (extraction, identity, git) as a
ratio to extracting the same documents without storing them, measured in
the same run (target: store overhead ≤ 25 %).

Reports wall time, ms per document, the share of `add` spent in git versus
extraction, and `log` / `show @DATE` latency (median of 20 calls) once the
store holds policies × versions versions. Targets on a 2-core machine:
≥ 20 policies/s for the batch add with git ≤ 20 % of the time; log and show
under 200 ms at 5,000 versions.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from policydiff.ingest import Identity, expand, prepare_all
from policydiff.store import Store
from tests.fixtures.variants import variant


def corpus_overhead(corpus: Path, repeat: int = 3) -> None:
    """Whole `add` of a folder against extraction alone, best of `repeat`, in one run."""
    from policydiff.ingest import add

    files = expand([corpus])
    extract_only, with_store = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        prepare_all(files, Identity(), None, False)
        extract_only.append(time.perf_counter() - start)
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            results = add(Store(Path(tmp) / "store"), [corpus])
            with_store.append(time.perf_counter() - start)
    base, full = min(extract_only), min(with_store)
    stored = sum(r.status in ("added", "backfilled") for r in results)
    print(f"corpus: {len(files)} files, {stored} versions stored")
    print(f"extract only {base:.2f} s; add (extract + identity + git) {full:.2f} s; "
          f"store overhead {full / base - 1:+.0%} (target <= +25%)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--policies", type=int, default=1000)
    parser.add_argument("--versions", type=int, default=5)
    parser.add_argument("--corpus", type=Path, help="Measure adding this folder against extracting it.")
    args = parser.parse_args()
    if args.corpus:
        for role in ("AUTHOR", "COMMITTER"):
            os.environ.setdefault(f"GIT_{role}_NAME", "bench")
            os.environ.setdefault(f"GIT_{role}_EMAIL", "bench@localhost")
        corpus_overhead(args.corpus)
        return
    os.environ.setdefault("GIT_AUTHOR_NAME", "bench")
    os.environ.setdefault("GIT_AUTHOR_EMAIL", "bench@localhost")
    os.environ.setdefault("GIT_COMMITTER_NAME", "bench")
    os.environ.setdefault("GIT_COMMITTER_EMAIL", "bench@localhost")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "store")
        totals = {"extract": 0.0, "git": 0.0}
        for version in range(args.versions):
            folder = Path(tmp) / f"v{version}"
            folder.mkdir()
            for p in range(args.policies):
                (folder / f"p{p:04d}.txt").write_text(variant(p, version), encoding="utf-8")
            start = time.perf_counter()
            prepared = prepare_all(expand([folder]), Identity(), None, False)
            extracted = time.perf_counter()
            results = store.commit([p.version for p in prepared if p.version is not None])
            wall = time.perf_counter() - start
            timings = {"extract": extracted - start, "git": time.perf_counter() - extracted}
            for key in totals:
                totals[key] += timings[key]
            added = sum(r.status == "added" for r in results)
            share = timings["git"] / wall
            print(f"batch {version + 1}: {added} versions added in {wall:.1f} s = {wall * 1000 / len(results):.1f} "
                  f"ms/doc, {len(results) / wall:.0f} docs/s; extraction {timings['extract']:.1f} s, "
                  f"git {timings['git']:.1f} s ({share:.0%} of the time)")
        payer = 500 if args.policies > 500 else 0
        name = f"example-payer{payer:04d}-health-plan/ex-{payer:04d}"
        timings = {}
        for label, call in (("log", lambda: store.log(name)),
                            ("show @DATE", lambda: store.show(f"{name}@2022-06-01")),
                            ("show newest", lambda: store.show(name)),
                            ("list", lambda: store.list())):
            runs = []
            for _ in range(20 if label != "list" else 3):
                t = time.perf_counter()
                call()
                runs.append(time.perf_counter() - t)
            timings[label] = statistics.median(runs) * 1000
        versions = sum(s.versions for s in store.list())
        print(f"\nat {versions} versions: " + ", ".join(f"{k} {v:.0f} ms" for k, v in timings.items()))
        print(f"whole run: extraction {totals['extract']:.1f} s, git {totals['git']:.1f} s "
              f"({totals['git'] / (totals['git'] + totals['extract']):.0%} git)")


if __name__ == "__main__":
    main()
