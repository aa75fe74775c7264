"""Topics: which stored policies share one comparison page, by the comparison's own pairing evidence."""
from __future__ import annotations

from policydiff.diffs.align import Features
from policydiff.diffs.topics import Candidate, features_from_dict, features_to_dict, group, overlap
from policydiff.extractor import extract, extract_bytes

from .conftest import LAKESHORE, NW_2025

CRYO = """MERIDIAN CARE
Medical Policy
Policy Number: MC-77
Title: Cryosurgical Ablation
Effective Date: 01/15/2025

COVERAGE CRITERIA
I. Hepatocellular carcinoma: covered when ALL of the following are met:
   A. The member is not a candidate for surgical resection; and
   B. Each lesion is 4 cm or smaller.
II. Renal cell carcinoma: covered when ALL of the following are met:
   A. Tumor of 3 cm or less; and
   B. No evidence of metastasis.
"""

ONE = """MERIDIAN CARE
Medical Policy
Policy Number: MC-80
Title: Weight-loss Balloon
Effective Date: 01/15/2025

COVERAGE CRITERIA
I. Clinically severe obesity in adults: covered when ALL of the following are met:
   A. BMI of 30 kg/m2 or more; and
   B. Age 18 years or older.
"""


def candidate(name: str, policy, rev: str) -> Candidate:
    return Candidate(name, rev, policy.title, tuple(Features.of(i) for i in policy.indications))


def test_payers_on_one_topic_group_and_others_stay_apart():
    nw, lm = extract(NW_2025), extract(LAKESHORE)
    cryo = extract_bytes(CRYO.encode(), "meridian.txt")
    topics, _ = group([candidate("lakeshore-mutual/lm-0457", lm, "a" * 40),
                       candidate("meridian-care/mc-77", cryo, "b" * 40),
                       candidate("northwind-health-plan/nw-surg-114", nw, "c" * 40)])
    assert [t.members for t in topics] == [("lakeshore-mutual/lm-0457", "northwind-health-plan/nw-surg-114")]
    [topic] = topics
    assert topic.title == "Surgical Treatment of Obesity" and topic.slug == "surgical-treatment-of-obesity"


BROAD = CRYO.replace("Policy Number: MC-77", "Policy Number: MC-90") + """III. Prostate cancer: covered when ALL of the following are met:
   A. PSA below 10 ng/mL; and
   B. Life expectancy of more than 10 years.
IV. Clinically severe obesity in adults: covered when ALL of the following are met:
   A. BMI of 40 kg/m2 or more.
"""


def test_a_narrow_policy_does_not_join_a_broad_one_on_one_shared_indication():
    """Dice, not share-of-the-smaller: one indication in common with a policy of four is not one topic."""
    broad = extract_bytes(BROAD.encode(), "meridian-broad.txt")
    one = extract_bytes(ONE.encode(), "meridian-balloon.txt")
    a, b = tuple(Features.of(i) for i in broad.indications), tuple(Features.of(i) for i in one.indications)
    assert len(a) == 4 and overlap(a, b) == 2 * 1 / (len(a) + len(b)) < 0.5
    topics, _ = group([candidate("meridian-care/mc-80", one, "d" * 40),
                       candidate("meridian-care/mc-90", broad, "e" * 40)])
    assert topics == []


def test_overlaps_are_remembered_by_revision():
    nw, lm = extract(NW_2025), extract(LAKESHORE)
    people = [candidate("lakeshore-mutual/lm-0457", lm, "a" * 40), candidate("northwind-health-plan/nw", nw, "c" * 40)]
    first, used = group(people)
    assert list(used) == [("a" * 40, "c" * 40)]
    # a remembered score is used as given: here a made-up one that keeps the two apart
    apart, again = group(people, {("a" * 40, "c" * 40): 0.0})
    assert first and not apart and again == {("a" * 40, "c" * 40): 0.0}


def test_features_survive_their_json():
    for ind in extract(NW_2025).indications:
        f = Features.of(ind)
        assert features_from_dict(features_to_dict(f)) == f
