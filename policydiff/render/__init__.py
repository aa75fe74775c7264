"""Renderers: one computed object (a policy, a comparison, a diff, a report), many formats.

Nothing here computes a verdict; it only shows what `diffs/` and `history`
decided, escaping policy text for each format (see `markup`).
"""
from . import compare, diff, markup, policy

__all__ = ["compare", "diff", "markup", "policy"]
