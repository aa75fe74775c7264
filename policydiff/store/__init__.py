"""Every version of every policy, in an ordinary git repository: the store's face.

`Store` and its result types live in `store.store`; git plumbing in `store.gitio`. Nothing here does
work, so `from policydiff.store import Store` costs only the import of what it names.
"""
from .store import AddResult, NewVersion, PolicySummary, Store, SyncResult, Version, parse_ref, resolve_rev

__all__ = ["AddResult", "NewVersion", "PolicySummary", "Store", "SyncResult", "Version", "parse_ref", "resolve_rev"]
