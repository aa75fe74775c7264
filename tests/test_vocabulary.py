import pytest

from policydiff.normalized.vocabulary import indication_key, mentions, slugify


@pytest.mark.parametrize("label,key", [
    ("Hepatocellular carcinoma (HCC)", "hepatocellular-carcinoma"),
    ("HCC", "hepatocellular-carcinoma"),
    ("Primary hepatocellular origin", "hepatocellular-carcinoma"),
    ("Prostate carcinoma", "prostate-cancer"),
    ("Prostate cancer11,12", "prostate-cancer"),
    ("Renal mass or renal cell carcinoma", "renal-cell-carcinoma"),
    ("Renal cell carcinoma", "renal-cell-carcinoma"),
    ("Soft Tissue Sarcoma", "soft-tissue-sarcoma"),
    ("Desmoid tumors (aggressive fibromatosis)", "desmoid-tumors"),
])
def test_synonyms_share_one_key(label, key):
    assert indication_key(label.rstrip("0123456789,")) == key


def test_containing_a_known_name_is_not_the_same_indication():
    assert indication_key("Bone metastases from renal cell carcinoma") != "renal-cell-carcinoma"


def test_unknown_labels_get_a_slug():
    assert indication_key("Frobnication of the widget") == "frobnication-of-the-widget"


def test_mentions_finds_synonyms_in_criteria_text():
    assert mentions("hepatocellular-carcinoma", "Primary hepatocellular origin or colorectal cancer metastases")
    assert not mentions("hepatocellular-carcinoma", "Symptoms refractory to systemic therapy")


@pytest.mark.parametrize("name,slug", [("Medical Mutual", "medical-mutual"), ("../../etc/passwd", "etc-passwd"),
                                       ("  Blue Cross & Blue Shield  ", "blue-cross-blue-shield"), ("5.21.054", "5-21-054")])
def test_slugs(name, slug):
    assert slugify(name) == slug
