"""Real documents from ../shared: the seeds against gold, every corpus text without an error."""
import subprocess
import sys

import pytest

from policydiff.extractor import extract

from .conftest import SHARED, need_shared, policydiff_cmd

CORPUS_TEXTS = sorted((SHARED / "corpus").glob("*.txt")) if SHARED.is_dir() else []


def test_seeds_score_perfectly_against_gold():
    shared = need_shared()
    golds = sorted((shared / "gold").glob("*cryo*.json"))
    proc = subprocess.run([sys.executable, str(shared / "tools" / "score.py"), "extract", *map(str, golds),
                           "--cmd", " ".join(policydiff_cmd()), "--every", "1.0"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "errors 0" in proc.stdout.splitlines()[-1]


def test_seed_thresholds_carry_their_logic_and_source_lines():
    shared = need_shared()
    policy = extract(shared / "seeds" / "medical-mutual__cryoablation__2024-07-12.txt")
    prostate = next(i for i in policy.indications if i.key == "prostate-cancer")
    salvage = prostate.criteria.items[1]
    assert salvage.logic == "any" and "Salvage" in salvage.text
    psa = salvage.items[0]
    assert psa.thresholds[0].value == 8 and psa.source.line == 45
    lines = (shared / "seeds" / "medical-mutual__cryoablation__2024-07-12.txt").read_text().splitlines()
    assert "8 ng/ml" in lines[psa.source.line - 1]
    assert any("both 'and' and 'or'" in w and "Prostate carcinoma" in w for w in policy.warnings)


@pytest.mark.parametrize("path", CORPUS_TEXTS, ids=lambda p: p.name)
def test_corpus_texts_extract_and_yield_indications(path):
    policy = extract(path)
    assert policy.indications or policy.exclusions, policy.warnings


def test_corpus_is_present_in_ci():
    need_shared()
    assert len(CORPUS_TEXTS) >= 20
