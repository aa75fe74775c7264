"""Real documents from ../shared: the seeds against gold, every corpus document through the whole pipeline."""
import json
import subprocess
import sys

import jsonschema
import pytest

from policydiff.extractor import extract
from policydiff.normalized.schema import json_schema, to_json

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


@pytest.mark.parametrize("path", CORPUS_TEXTS, ids=lambda p: p.name)
def test_corpus_texts_extract_and_yield_indications(path):
    policy = extract(path)
    assert policy.indications or policy.exclusions, policy.warnings


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_every_corpus_document_validates_and_reads_indications_only_from_coverage(path):
    policy = extract(path)
    data = json.loads(to_json(policy))
    jsonschema.validate(data, json_schema())
    roles = [s.role for s in policy.sections]
    for ind in policy.indications:
        assert ind.section is not None and roles[ind.section] == "coverage", (ind.label, ind.section, roles)
    for ind in policy.exclusions:
        assert ind.section is None or roles[ind.section] in ("coverage", "not_covered"), ind.label


def test_corpus_is_present_in_ci():
    need_shared()
    assert len(CORPUS_TEXTS) >= 20 and len(CORPUS) >= 45
