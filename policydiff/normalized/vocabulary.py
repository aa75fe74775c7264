"""The vocabulary of indications and measures, kept as data in `data/*.json`.

Payers name one indication many ways ("prostate carcinoma", "prostate
cancer"); a canonical key lets comparison and version diffs line them up.
The names live in data so that adding a synonym never means changing code.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

SLUG_MAX = 64
"""Longest slug the store writes: far under the 255 bytes any filesystem accepts for one path part."""


def slugify(text: str | None) -> str:
    """Lowercase; runs of anything but a-z and 0-9 become one '-' (docs/contract.md "The store")."""
    return re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")


def path_slug(text: str | None) -> str:
    """A slug that names a folder of the store: `slugify`, and when longer than `SLUG_MAX`, its first
    characters and a short hash of the whole, so two long names that share a beginning stay apart and
    every filesystem (and every clone) accepts the path."""
    slug = slugify(text)
    if len(slug) <= SLUG_MAX:
        return slug
    digest = hashlib.sha256(slug.encode()).hexdigest()[:8]
    return f"{slug[:SLUG_MAX - 9].rstrip('-')}-{digest}"


def known_payer(text: str | None) -> str | None:
    """The canonical name (`payers.json`) of the payer `text` mentions first, or None when it names none
    the vocabulary knows: "UHC" and "United HealthCare Services" are both "UnitedHealthcare"."""
    if not text:
        return None
    from .lexicon import payer_aliases

    best: tuple[int, str] | None = None
    for pattern, name in payer_aliases():
        m = pattern.search(text)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), name)
    return best[1] if best else None


def payer_name(text: str | None) -> str | None:
    """One name per payer: the vocabulary's name when it knows the payer, else the text itself, tidied.
    The vocabulary canonicalizes; it never rejects a payer it does not know."""
    if not text or not text.strip():
        return None
    return known_payer(text) or re.sub(r"\s+", " ", text).strip()


_ASIDE = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_NOT_WORD = re.compile(r"[^a-z0-9'/ -]+")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=65536)
def normalize_label(label: str) -> str:
    """A label as the vocabulary matches it: lowercase, no parentheses, no citation marks."""
    text = label.lower().replace("’", "'")
    text = _ASIDE.sub(" ", text)
    text = _NOT_WORD.sub(" ", text)
    text = text.replace("/", " ").replace("-", " ")
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=1)
def _label_words() -> tuple[frozenset[str], tuple[tuple[str, str], ...]]:
    raw = json.loads(resources.files(__package__).joinpath("data/label_words.json").read_text("utf-8"))
    return frozenset(raw["filler"]), tuple((a, b) for a, b in raw["suffixes"])


def _folded(word: str) -> str:
    for ending, replacement in _label_words()[1]:
        if word.endswith(ending) and len(word) > len(ending) + 3 and not word.endswith("ss"):
            return word[: -len(ending)] + replacement
    return word


@lru_cache(maxsize=65536)
def content_words(label: str) -> str:
    """A normalized label without the words that name only a kind of thing ("procedures", "surgical") and
    with word forms folded: what two payers' labels must share to name the same indication. "Bariatric
    surgical procedures" and "surgical repair ... procedures" share only filler; "revisional bariatric
    surgery" and "surgical revision" share "revision". A label of filler alone is kept whole."""
    filler = _label_words()[0]
    words = [_folded(w) for w in label.split() if w not in filler]
    return " ".join(words) if words else label


@lru_cache(maxsize=1)
def _indication_data() -> dict[str, list[str]]:
    raw = json.loads(resources.files(__package__).joinpath("data/indications.json").read_text("utf-8"))
    return {k: v for k, v in raw.items() if not k.startswith("_")}


@lru_cache(maxsize=1)
def _synonym_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for key, names in _indication_data().items():
        for name in [key.replace("-", " "), *names]:
            index.setdefault(normalize_label(name), key)
    return index


def synonyms(key: str) -> list[str]:
    """Every known name of a canonical indication key (empty for keys outside the vocabulary)."""
    return [key.replace("-", " "), *_indication_data().get(key, [])]


def known_key(label: str) -> str | None:
    """The canonical key for a label, if the vocabulary knows it.

    Whole-label matches only, plus "X or Y" / "X and Y" where every part names
    the same key; a label that merely contains a known name ("bone metastases
    from renal cell carcinoma") is a different indication.
    """
    index = _synonym_index()
    norm = normalize_label(label)
    if norm in index:
        return index[norm]
    parts = [p.strip() for p in re.split(r"\s*,\s*|\s+or\s+|\s+and\s+", norm) if p.strip()]
    keys = {index.get(p) for p in parts}
    if len(parts) > 1 and len(keys) == 1 and None not in keys:
        return keys.pop()
    return None


def indication_key(label: str) -> str:
    """Canonical key: the vocabulary's, else a slug of the label as written."""
    return known_key(label) or slugify(normalize_label(label))[:80] or "unnamed"


@lru_cache(maxsize=4096)
def _spaced_synonyms(key: str) -> tuple[str, ...]:
    return tuple(f" {normalize_label(s)} " for s in synonyms(key) if len(s) > 3)


def mentions(key: str, text: str, normalized: bool = False) -> bool:
    """Does `text` name the indication `key` by any of its synonyms (as whole words)? With `normalized`,
    `text` is already " " + normalize_label(...) + " " (callers that ask many times do that once)."""
    norm = text if normalized else " " + normalize_label(text) + " "
    return any(s in norm for s in _spaced_synonyms(key))


@dataclass(frozen=True)
class Measure:
    name: str
    unit: str | None
    families: tuple[str, ...]
    words: re.Pattern[str]
    kind: str = "eligibility"
    """"eligibility", "duration" (the context decides which duration) or "administrative"."""
    implied_by: tuple[str, ...] = ()
    """Canonical units that name this measure when no naming word is near ("kg/m2" is a BMI)."""


@lru_cache(maxsize=1)
def measures() -> tuple[Measure, ...]:
    raw = json.loads(resources.files(__package__).joinpath("data/measures.json").read_text("utf-8"))
    return tuple(
        Measure(m["name"], m["unit"], tuple(m["families"]),
                re.compile(r"(?<![\w/])(?:" + "|".join(m["words"]) + r")(?![a-z0-9])", re.IGNORECASE),
                m.get("kind", "eligibility"), tuple(m.get("implied_by", ())))
        for m in raw["measures"]
    )


def measure(name: str) -> Measure | None:
    return next((m for m in measures() if m.name == name), None)


def measure_kind(name: str) -> str:
    """"eligibility" or "administrative" (approval terms, doses, frequencies) for any measure name.

    Names outside the vocabulary are eligibility limits unless their own words
    say dose or frequency.
    """
    known = measure(name)
    if known is not None:
        return "administrative" if known.kind == "administrative" else "eligibility"
    return "administrative" if re.search(r"(?:^|_)(?:dose|dosage|interval|frequency|quantity)(?:_|$)", name) \
        else "eligibility"
