"""Comparison speed: 50 policies × 10 indications, aligned and compared in one call.

    python benchmarks/compare.py [--policies 50] [--indications 10]

Builds normalized policies directly (extraction is measured in extract.py),
with indication names drawn from the vocabulary plus payer-specific wording,
then times `compare()` and each renderer. Target: under 1 s for 50 × 10.
The baseline in the same run is a plain loop that touches every threshold
once, so the ratio shows what alignment and comparison cost on top.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from policydiff.diffs.compare import compare
from policydiff.normalized.schema import Criterion, Group, Indication, Policy, Threshold
from policydiff.normalized.vocabulary import indication_key
from policydiff.render import compare as render_compare

NAMES = ["Hepatocellular carcinoma", "Prostate cancer", "Renal cell carcinoma", "Soft tissue sarcoma",
         "Neuroendocrine tumors", "Morbid obesity", "Obstructive sleep apnea", "Atopic dermatitis", "Asthma",
         "Breast cancer", "Multiple myeloma", "Melanoma", "Colorectal cancer", "Desmoid tumors"]
WORDING = ["", " (primary)", " in adults", ", localized", " — initial therapy"]


def make_policy(n: int, indications: int, rng: random.Random) -> Policy:
    inds = []
    for name in rng.sample(NAMES, indications):
        label = name + rng.choice(WORDING)
        crit = (
            Criterion(f"Lesion ≤ {rng.randint(3, 7)} cm", (Threshold("lesion_size", "<=", rng.randint(3, 7), "cm"),)),
            Criterion(f"Age {rng.choice([18, 21])} years or older",
                      (Threshold("age", ">=", rng.choice([18, 21]), "years"),)),
            Criterion("Not a candidate for surgical resection", (), negated=True),
            Group("any", (Criterion(f"PSA < {rng.choice([8, 10, 20])} ng/mL",
                                    (Threshold("psa", "<", rng.choice([8, 10, 20]), "ng/mL"),)),
                          Criterion("Gleason score < 9", (Threshold("gleason_score", "<", 9, None),)))),
        )
        inds.append(Indication(indication_key(label), label, Group("all", crit)))
    return Policy(payer=f"Payer {n}", policy_id=f"P{n}", title="Synthetic", indications=tuple(inds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--policies", type=int, default=50)
    parser.add_argument("--indications", type=int, default=10)
    args = parser.parse_args()
    rng = random.Random(7)
    policies = [make_policy(n, args.indications, rng) for n in range(args.policies)]
    start = time.perf_counter()
    touched = sum(len(c.thresholds) for p in policies for i in p.indications for c in i.criteria.items)
    baseline = time.perf_counter() - start
    start = time.perf_counter()
    result = compare(policies)
    took = time.perf_counter() - start
    print(f"{args.policies} policies × {args.indications} indications: compare() {took * 1000:.0f} ms "
          f"({len(result.rows)} rows; baseline walk of {touched} thresholds {baseline * 1000:.2f} ms, "
          f"ratio {took / max(baseline, 1e-9):.0f}x)")
    for name, render in (("json", render_compare.to_json), ("md", render_compare.render_markdown),
                         ("html", render_compare.render_html), ("csv", render_compare.render_csv)):
        start = time.perf_counter()
        render(result)
        print(f"  render {name}: {(time.perf_counter() - start) * 1000:.0f} ms")
    print("target: compare() under 1000 ms:", "met" if took < 1.0 else "NOT met")


if __name__ == "__main__":
    main()
