"""The corpus as a second ratchet: what `policydiff check` says of every real document in ../shared/corpus.

No gold is needed: the figures measure the genre, not the gold documents. Per document, the floors in
`tests/corpus_floors.json` hold

- `share_read`: the share of coverage lines read (a floor: it may only rise);
- `unread_numbers`: numbers in coverage text that nothing accounts for (a ceiling: it may only fall);
- `criteria_without_indication`: whether the document reads like criteria but yields no indication
  (once false, it stays false).

`tests/test_corpus.py` asserts them; after an improvement, raise them with

    python -m tests.corpus --raise

which only ever moves a figure the good way. A figure that moved the wrong way because the count itself became
more honest (text wrongly outside coverage is now counted in it; a wrong indication that held lines is gone) is
re-based only by `python -m tests.corpus --recount NAME "REASON"`, which records the old and new figures and the
reason in `tests/corpus_recounts.json` for review. Every corpus document is extracted once per test session, in
two processes, and shared by every test that reads the corpus.
"""
from __future__ import annotations

import json
import sys
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path

from policydiff.extractor import extract
from policydiff.normalized.schema import Policy

FLOORS = Path(__file__).resolve().parent / "corpus_floors.json"
RECOUNTS = Path(__file__).resolve().parent / "corpus_recounts.json"
SUFFIXES = (".pdf", ".txt", ".md", ".html", ".htm")


def corpus_files(shared: Path) -> list[Path]:
    return sorted(p for p in (shared / "corpus").iterdir() if p.suffix.lower() in SUFFIXES and p.stem != "SOURCES")


def _extract(path: Path) -> Policy:
    return extract(path)


@lru_cache(maxsize=1)
def _policies(shared: Path) -> dict[str, Policy]:
    files = corpus_files(shared)
    with ProcessPoolExecutor(max_workers=2) as pool:
        return dict(zip((p.name for p in files), pool.map(_extract, files, chunksize=4)))


def policies(shared: Path) -> dict[str, Policy]:
    """Every corpus document's policy by file name, extracted once per session."""
    return _policies(shared.resolve())


def figures(policy: Policy) -> dict:
    a = policy.accounting
    return {
        "share_read": int(a.share_read * 1000 + 1e-9) / 1000,
        "unread_numbers": len(a.unread_numbers),
        "criteria_without_indication": criteria_without_indication(policy),
    }


def criteria_without_indication(policy: Policy) -> bool:
    """Reads like criteria (a coverage section, or another section whose text states criteria) and yields no
    indication."""
    return not policy.indications and (any(s.role == "coverage" for s in policy.sections)
                                       or bool(policy.accounting.criteria_like))


def shortfalls(current: dict[str, dict], floors: dict[str, dict]) -> list[str]:
    out = []
    for name, floor in sorted(floors.items()):
        now = current.get(name)
        if now is None:
            out.append(f"{name}: no longer in the corpus figures")
            continue
        if now["share_read"] + 1e-9 < floor["share_read"]:
            out.append(f"{name}: read {now['share_read']:.3f} of its coverage lines < floor {floor['share_read']:.3f}")
        if now["unread_numbers"] > floor["unread_numbers"]:
            out.append(f"{name}: {now['unread_numbers']} unread numbers > ceiling {floor['unread_numbers']}")
        if now["criteria_without_indication"] and not floor["criteria_without_indication"]:
            out.append(f"{name}: reads like criteria but now yields no indication")
    return out


def raised(current: dict[str, dict], floors: dict[str, dict]) -> dict[str, dict]:
    out = {}
    for name, now in sorted(current.items()):
        old = floors.get(name)
        if old is None:
            out[name] = now
            continue
        out[name] = {"share_read": max(old["share_read"], now["share_read"]),
                     "unread_numbers": min(old["unread_numbers"], now["unread_numbers"]),
                     "criteria_without_indication": old["criteria_without_indication"]
                     and now["criteria_without_indication"]}
    return out


def current_figures(shared: Path) -> dict[str, dict]:
    return {name: figures(p) for name, p in policies(shared).items()}


def main(argv: list[str]) -> int:
    from .conftest import SHARED

    current = current_figures(SHARED)
    floors = json.loads(FLOORS.read_text()) if FLOORS.exists() else {}
    for line in shortfalls(current, floors):
        print("BELOW FLOOR:", line)
    total = len(current)
    print(f"{total} documents: mean share read {sum(f['share_read'] for f in current.values()) / total:.3f}, "
          f"{sum(f['unread_numbers'] for f in current.values())} unread numbers, "
          f"{sum(f['criteria_without_indication'] for f in current.values())} with criteria but no indication")
    if "--recount" in argv:
        at = argv.index("--recount")
        name, reason = argv[at + 1], argv[at + 2]
        recounts = json.loads(RECOUNTS.read_text()) if RECOUNTS.exists() else []
        recounts.append({"document": name, "was": floors[name], "now": current[name], "reason": reason})
        RECOUNTS.write_text(json.dumps(recounts, indent=1) + "\n")
        floors[name] = current[name]
        FLOORS.write_text(json.dumps(floors, indent=1, sort_keys=True) + "\n")
        print(f"{name} re-based: {reason}")
    if "--raise" in argv:
        FLOORS.write_text(json.dumps(raised(current, floors), indent=1, sort_keys=True) + "\n")
        print(f"floors raised where figures improved: {FLOORS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
