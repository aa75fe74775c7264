"""Alignment, cross-payer comparison and version diffs: the computed results every renderer shows."""
