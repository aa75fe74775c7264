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
    """An output cannot be written where asked: its folder does not exist, no permission, a full disk, or it
    holds something else (a site folder of other files)."""


class NothingMatched(PolicyDiffError):
    """A filter (`--payer`, `--indication`) names nothing there is: a usage error, not an empty result, so a
    mistyped name is never read as "no changes"."""

    @classmethod
    def listing(cls, option: str, query: str, what: str, there: list[str], close: list[str] | None = None,
                most: int = 12) -> NothingMatched:
        """One line: what was asked, the close names, and what there is (the first `most` of it)."""
        near = f"; close: {', '.join(close)}" if close else ""
        shown = ", ".join(there[:most]) + (f" and {len(there) - most} more" if len(there) > most else "")
        return cls(f"{option} {query}: nothing matched{near}; {what}: {shown or 'none'}")
