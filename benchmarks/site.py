"""Static site: first build, a rebuild after one new version, and peak memory, over a large store.

    python benchmarks/site.py [--policies 1000] [--versions 5] [--per-topic 20]

Builds a store of POLICIES policies × VERSIONS versions (the batch `add`, not timed here), made from the
Northwind example with each payer's own numbers. Policies come in topics of PER-TOPIC payers: within a
topic the indications are the same, and each topic names its indications with words no other topic uses,
as a real store holds many topics of a few dozen payers each (`--per-topic 0` puts every policy in one
topic, the worst case: one topic page of POLICIES payers, rebuilt whenever any policy changes).

Then, as a user would, `policydiff site OUT` three times, each timed with its peak resident memory taken
by a small launcher process (benchmarks/report.py LAUNCHER: a fork of this benchmark would start with its
high-water mark): the first build, a rebuild with nothing new (every page up to date), and a rebuild after
one new version of one policy. The same is done on a store a fifth the size first, as the same-run
baseline: memory should stay flat as the store grows five-fold (ratio near 1.0); the rebuild should cost
what one policy and its topic cost, not what the store costs.

Targets (2-core machine): first build of 1,000 × 5 under 60 s; rebuild after one new version under 2 s.
"""
from __future__ import annotations

import argparse
import os
import random
import string
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.report import measured_run
from policydiff.ingest import add
from policydiff.store import Store
from tests.fixtures.variants import variant

LABELS = ("Clinically severe obesity in adults", "Severe obesity in adolescents",
          "Revision of a prior bariatric procedure")


def word(topic: int, n: int) -> str:
    """A made-up word for indication `n` of topic `topic`: shares no word (and few letters in order)
    with any other topic's, so indications pair within a topic and not across."""
    rng = random.Random(topic * 7919 + n)
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(9)).capitalize()


def topical(payer: int, version: int, per_topic: int) -> str:
    """`variant(payer, version)` with its title and indications named for the payer's topic."""
    text = variant(payer, version)
    if per_topic <= 0:
        return text
    topic = payer // per_topic
    for n, label in enumerate(LABELS):
        text = text.replace(label, f"{word(topic, n)} {word(topic, n + 10)}")
    return text.replace("Bariatric and Metabolic Surgery", f"{word(topic, 20)} Procedures")


def fill(store: Store, root: Path, payers: range, versions: range, per_topic: int) -> None:
    """One batch `add` per version, of every payer's policy."""
    for version in versions:
        folder = root / f"p{payers.start}-{payers.stop}-v{version}"
        folder.mkdir()
        for p in payers:
            (folder / f"p{p:05d}.txt").write_text(topical(p, version, per_topic), encoding="utf-8")
        add(store, [folder])


def run(base_cmd: list[str], root: Path, policies: int, versions: int,
        per_topic: int) -> list[tuple[str, float, float]]:
    """(step, seconds, peak MB) for the first build, a no-change rebuild and a rebuild after one new version."""
    store = Store(root / "store")
    fill(store, root, range(policies), range(versions), per_topic)
    site = root / "site"
    cmd = [*base_cmd, "--store", str(store.path), "site", str(site)]
    steps = [("first build", *measured_run(cmd, root / "site-1.log"))]
    steps.append(("rebuild, nothing new", *measured_run(cmd, root / "site-2.log")))
    fill(store, root, range(policies // 2, policies // 2 + 1), range(versions, versions + 1), per_topic)
    steps.append(("rebuild after one new version", *measured_run(cmd, root / "site-3.log")))
    print(f"    {(root / 'site-3.log').read_text().strip()}")
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--policies", type=int, default=1000)
    parser.add_argument("--versions", type=int, default=5)
    parser.add_argument("--per-topic", type=int, default=20, help="payers per topic (0: one topic of all)")
    args = parser.parse_args()
    for role in ("AUTHOR", "COMMITTER"):
        os.environ.setdefault(f"GIT_{role}_NAME", "bench")
        os.environ.setdefault(f"GIT_{role}_EMAIL", "bench@localhost")
    exe = Path(sys.executable).with_name("policydiff")
    base_cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "policydiff"]
    small = max(1, args.policies // 5)
    results = {}
    for count in (small, args.policies):
        with tempfile.TemporaryDirectory() as tmp:
            print(f"{count} policies × {args.versions} versions, {args.per_topic or count} per topic:")
            results[count] = run(base_cmd, Path(tmp), count, args.versions, args.per_topic)
            for step, took, peak in results[count]:
                print(f"  {step}: {took:.2f} s, peak {peak:.0f} MB")
    print(f"peak memory, {args.policies} against {small} policies:")
    for (step, _, peak), (_, _, base) in zip(results[args.policies], results[small]):
        print(f"  {step}: {peak:.0f} MB / {base:.0f} MB = {peak / base:.2f}x")


if __name__ == "__main__":
    main()
