"""Workflows over the store's history: load a policy from a file or a stored ref, diff stored versions,
the annual-review report, blame.

Each reads the store in a fixed number of git calls however long the
history: one `git log` for the versions (`Store.log` / `Store.index`), one
batched blob read for the policies (`Store.read`).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

from .budget import Budget
from .diffs.versions import BlameLine, Report, VersionDiff, diff_policies, only_indications
from .diffs.versions import blame as blame_lines
from .errors import ExtractionError, NothingMatched, StoreError
from .extractor import extract, extract_bounded
from .identity import read_file_name
from .normalized.dates import check_date
from .normalized.schema import Policy
from .normalized.vocabulary import path_slug, payer_name, slugify
from .store import Store, Version, parse_ref, resolve_rev


def is_stored_ref(spec: str) -> bool:
    """A stored `payer/policy[@rev]` rather than a file: no such file, and it looks like a store name."""
    return not Path(spec).exists() and "/" in spec and not spec.startswith((".", "/"))


def load(spec: str, store: Store, budget: Budget | None = None) -> Policy:
    """A file path (extracted; in a bounded worker when `budget` are given), or a stored policy
    `payer/policy[@rev]` (read from the store). A spec that is neither is first of all a file that is not there:
    a mistyped path says "no such file", whatever else it might have been."""
    if is_stored_ref(spec):
        try:
            name, _ = parse_ref(spec)
        except StoreError:
            raise ExtractionError(f"{spec}: no such file") from None
        if not store.exists():
            raise ExtractionError(f"{spec}: no such file, and no policy store at {store.path} to look it up in")
        if not store.index(policy=name):
            raise ExtractionError(f"{spec}: no such file, and no stored policy {name} in {store.path} "
                                  f"(see policydiff list)")
        return store.show(spec)
    # a missing file is reported by the extractor, naming it
    policy = extract(spec) if budget is None else extract_bounded(spec, budget)
    if not policy.payer:  # a document that never names its payer: its file name may ("payer__policy__date")
        named = read_file_name(spec).payer
        if named:
            policy = replace(policy, payer=payer_name(named))
    return policy


def diff_stored(store: Store, ref: str, from_rev: str | None = None, to_rev: str | None = None) -> VersionDiff:
    """What changed between two stored versions: `--to` (default: the newest, or the ref's own @rev) against
    `--from` (default: the version just before it)."""
    try:
        name, rev = parse_ref(ref)
    except StoreError:
        if Path(ref).exists():
            raise
        raise ExtractionError(f"{ref}: no such file, and not a stored PAYER/POLICY either (diff takes two "
                              f"documents, or one stored policy)") from None
    versions = store.log(name)
    newer = resolve_rev(versions, name, to_rev or rev)
    if from_rev:
        older = resolve_rev(versions, name, from_rev)
    else:
        position = next(i for i, v in enumerate(versions) if v.rev == newer.rev)
        if position + 1 >= len(versions):
            raise StoreError(f"{name} has no version before {newer.effective}; nothing to diff")
        older = versions[position + 1]
    old, new = store.read([older, newer])
    return diff_policies(old, new, name, older.rev, newer.rev, older.effective, newer.effective)


def annual_report(store: Store, since: str | None = None, until: str | None = None,
                  payer: str | None = None, indication: str | None = None) -> Report:
    """Every version effective in the window, diffed against the version before it; `indication` keeps only
    the changes to indications a fuzzy query names. The diffs are made as a renderer reads them."""
    since, until = check_date(since, "--since"), check_date(until, "--until")
    if since and until and since > until:
        raise StoreError(f"--since {since} is after --until {until}")
    if payer:
        _check_payer(store, payer)
    # No --until is "to today" (as the report is headed): a version effective later is not in it yet.
    chosen = store.versions_between(since, until or date.today().isoformat(), payer)
    payers = {name.split("/")[0]: v.payer for name, versions in chosen for v in versions if v.payer}
    return Report(since, until, tuple(name for name, _ in chosen), _Changes(store, chosen, indication),
                  tuple(sorted(payers.items())))


def _check_payer(store: Store, payer: str) -> None:
    """`--payer` names a payer the store holds, or the report would be one of zeros: say so, with the close
    names ("Northwind" for northwind-health-plan) and the payers there are."""
    import difflib

    stored = store.payers()
    wanted = path_slug(payer_name(payer))
    if wanted in stored:
        return
    words = set(slugify(payer).split("-")) - {""}
    close = [s for s in stored if words and words <= set(s.split("-"))]
    close += [s for s in difflib.get_close_matches(wanted, list(stored), n=3, cutoff=0.6) if s not in close]
    raise NothingMatched.listing("--payer", payer, "payers in the store", list(stored),
                                 [f"{s} ({'; '.join(stored[s])})" for s in close])


class _Changes:
    """The report's diffs, made on demand one policy at a time: memory follows the longest history, not the
    store. Iterating again reads the store again."""

    def __init__(self, store: Store, chosen: list[tuple[str, list[Version]]], indication: str | None):
        self.store, self.chosen, self.indication = store, chosen, indication

    def __iter__(self) -> Iterator[VersionDiff]:
        for name, versions in self.chosen:
            read = list(zip(versions, self.store.read(versions)))
            for (old_v, old), (new_v, new) in zip(read, read[1:]):
                d = diff_policies(old, new, name, old_v.rev, new_v.rev, old_v.effective, new_v.effective)
                yield only_indications(d, self.indication) if self.indication else d


def blame(store: Store, policy: str) -> list[BlameLine]:
    """For each criterion of the newest version, the version that introduced its current wording."""
    name, _ = parse_ref(policy)
    versions = list(reversed(store.log(name)))
    return blame_lines([(v.rev, v.effective, p) for v, p in zip(versions, store.read(versions))])
