"""The few exceptions policydiff raises on purpose.

The CLI turns any of them into one line on stderr and exit code 2, so each
message must name the file (or store ref) and say what is wrong and, where it
can, how to fix it.
"""
from __future__ import annotations


class PolicyDiffError(Exception):
    """Base class: a problem with the user's input, not a bug in policydiff."""


class ExtractionError(PolicyDiffError):
    """A document could not be read: missing, empty, corrupt, encrypted, scanned or binary."""


class StoreError(PolicyDiffError):
    """The version store cannot do what was asked: unknown policy or revision, missing identity."""


class OutputError(PolicyDiffError):
    """An output (a site folder, an export file) cannot be written where asked: it holds something else."""
