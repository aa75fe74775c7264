"""Alignment, cross-payer comparison, version diffs and their renderers."""
