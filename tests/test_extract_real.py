"""Real documents from ../shared: the seeds against gold, every corpus document through the whole pipeline."""
import subprocess
import sys

from policydiff.extractor import extract

from .conftest import SHARED, need_shared, policydiff_cmd

CORPUS = sorted(p for p in (SHARED / "corpus").iterdir() if p.suffix in (".pdf", ".txt")) if SHARED.is_dir() else []
CORPUS_TEXTS = [p for p in CORPUS if p.suffix == ".txt"]


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


def test_corpus_texts_are_present_in_ci():
    need_shared()
    assert len(CORPUS_TEXTS) >= 20 and len(CORPUS) >= 45
