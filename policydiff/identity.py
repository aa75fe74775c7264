"""Which policy a document is a version of, and when: payer, policy number and version date.

Each field comes from the best source there is, and the source is kept, so
an analyst can see why a document landed where it did:

1. what the user passes (`--payer`, `--policy-id`, `--effective`);
2. a manifest beside the files (`policies.csv` or `.policydiff.toml`);
3. the document itself (its letterhead, labelled fields and dates);
4. the file name, when it follows `payer__policy__YYYY-MM-DD` (the
   convention of the shared corpus);
5. for the date only: the file's modification date, the day it was
   captured, with a warning, since it says nothing about the policy.

Payer names go through the payer vocabulary, so every spelling of one payer
lands in one store folder.
"""
from __future__ import annotations

import csv
import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path

from .errors import StoreError
from .normalized.dates import parse_date
from .normalized.schema import Policy
from .normalized.text import printable
from .normalized.vocabulary import path_slug, payer_name, slugify

MANIFEST_NAMES = ("policies.csv", ".policydiff.toml")
DATE_SOURCES = ("flag", "manifest", "document", "file name", "capture date")


@dataclass(frozen=True)
class Given:
    """What the user states for every document of one call; it overrides every other source."""

    payer: str | None = None
    policy_id: str | None = None
    effective: str | None = None


@dataclass(frozen=True)
class Sourced:
    value: str | None
    source: str | None = None
    """Where the value came from: one of "flag", "manifest", "document", "file name", "capture date"."""


@dataclass(frozen=True)
class DocumentIdentity:
    payer: Sourced
    policy_id: Sourced
    date: Sourced
    warnings: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The store name, "payer-slug/policy-slug"."""
        return f"{path_slug(self.payer.value)}/{path_slug(self.policy_id.value)}"


# -- the file name ------------------------------------------------------------------------------------------------

_FILE_NAME = re.compile(r"^(?P<payer>[A-Za-z0-9][\w.-]*?)__(?P<policy>[\w.-]+?)(?:__(?P<date>[\w.-]+))?$")
_YEAR = re.compile(r"(?<!\d)(19|20)\d\d(?!\d)")


@dataclass(frozen=True)
class FileName:
    """What a `payer__policy__date` file name says. The date part may be a full date, a month
    ("rev-2025-08"), a capture date ("captured-2026-02-05") or a version with a year ("v2-0-2025")."""

    payer: str | None = None
    policy: str | None = None
    date: str | None = None
    date_kind: str = ""
    """"" (a full date), "month", "year" or "captured"."""


def read_file_name(path: str | Path) -> FileName:
    m = _FILE_NAME.match(Path(path).stem)
    if not m:
        return FileName()
    payer = m.group("payer").replace("-", " ").replace("_", " ")
    when, kind = _file_date(m.group("date") or "")
    return FileName(payer, m.group("policy"), when, kind)


def _file_date(text: str) -> tuple[str | None, str]:
    if not text:
        return None, ""
    kind = "captured" if text.lower().startswith("captured") else ""
    full = re.search(r"(\d{4})-(\d{2})-(\d{2})", text)
    if full:
        return parse_date(full.group(0)), kind
    month = re.search(r"(?<!\d)(\d{4})-(\d{2})(?!\d)", text)
    if month and 1 <= int(month.group(2)) <= 12:
        return f"{month.group(1)}-{month.group(2)}-01", kind or "month"
    year = _YEAR.search(text)
    if year:
        return f"{year.group(0)}-01-01", kind or "year"
    return None, ""


# -- manifests ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Manifest:
    """Identity fields for the files of one folder, keyed by file name; `defaults` apply to every file."""

    path: Path | None = None
    defaults: dict[str, str] = field(default_factory=dict)
    files: dict[str, dict[str, str]] = field(default_factory=dict)

    def entry(self, path: str | Path) -> dict[str, str]:
        return {**self.defaults, **self.files.get(Path(path).name, {})}


_FIELDS = ("payer", "policy_id", "effective")


@lru_cache(maxsize=256)
def manifest_for(folder: str) -> Manifest:
    """The manifest of `folder`, if it has one (`policies.csv` first, then `.policydiff.toml`)."""
    base = Path(folder)
    csv_path, toml_path = base / MANIFEST_NAMES[0], base / MANIFEST_NAMES[1]
    if csv_path.is_file():
        return _read_csv(csv_path)
    if toml_path.is_file():
        return _read_toml(toml_path)
    return Manifest()


def _check(entry: dict[str, str], where: str) -> dict[str, str]:
    out = {k: str(v).strip() for k, v in entry.items() if k in _FIELDS and v is not None and str(v).strip()}
    if "effective" in out:
        parsed = parse_date(out["effective"])
        if not parsed:
            raise StoreError(f"{where}: effective {out['effective']!r} is not a date (use YYYY-MM-DD)")
        out["effective"] = parsed
    return out


def _read_csv(path: Path) -> Manifest:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise StoreError(f"{path}: not a readable CSV manifest ({exc})") from None
    files: dict[str, dict[str, str]] = {}
    for n, row in enumerate(rows, start=2):
        name = (row.get("file") or "").strip()
        if not name:
            raise StoreError(f"{path}: line {n} names no file (columns: file, payer, policy_id, effective)")
        files[Path(name).name] = _check(row, f"{path}: line {n}")
    return Manifest(path, {}, files)


def _read_toml(path: Path) -> Manifest:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise StoreError(f"{path}: not a readable TOML manifest ({exc})") from None
    defaults = _check(data.get("defaults") or {}, f"{path}: [defaults]")
    files = {Path(name).name: _check(entry, f"{path}: [files.{name!r}]")
             for name, entry in (data.get("files") or {}).items() if isinstance(entry, dict)}
    return Manifest(path, defaults, files)


# -- resolving ----------------------------------------------------------------------------------------------------

def version_date(policy: Policy) -> str | None:
    """The date a version took effect, from the document: its effective date, or a later revision date
    (some payers keep the first effective date in "Effective" and date each version by "Last Revised"),
    else its review date."""
    dates = [d for d in (policy.dates.effective, policy.dates.revised) if d]
    return max(dates) if dates else policy.dates.reviewed


def resolve(path: str | Path, policy: Policy, given: Given, manifest: Manifest | None = None) -> DocumentIdentity:
    """Each field from the best source available, named; an error names what is missing and how to give it."""
    manifest = manifest if manifest is not None else manifest_for(str(Path(path).parent))
    listed = manifest.entry(path)
    named = read_file_name(path)
    warnings: list[str] = []

    def pick(*candidates: tuple[str | None, str]) -> Sourced:
        return next((Sourced(printable(value), source) for value, source in candidates if value and printable(value)),
                    Sourced(None))

    payer = pick((given.payer, "flag"), (listed.get("payer"), "manifest"), (policy.payer, "document"),
                 (named.payer, "file name"))
    policy_id = pick((given.policy_id, "flag"), (listed.get("policy_id"), "manifest"),
                     (policy.policy_id, "document"), (named.policy, "file name"))
    if given.effective and not parse_date(given.effective):
        raise StoreError(f"--effective {given.effective}: not a date (use YYYY-MM-DD)")
    when = pick((parse_date(given.effective) if given.effective else None, "flag"),
                (listed.get("effective"), "manifest"), (version_date(policy), "document"),
                (named.date, "file name"))
    file = Path(path).name
    if when.value and when.source == "file name" and named.date_kind:
        when = Sourced(when.value, "capture date" if named.date_kind == "captured" else "file name")
        if named.date_kind in ("month", "year"):
            warnings.append(f"{file}: dated {when.value} from the {named.date_kind} in its file name")
    if not when.value:
        captured = _modified(path)
        when = Sourced(captured, "capture date")
        warnings.append(f"{file}: no date in the document, a manifest or the file name; dated by its capture "
                        f"date {captured} (the file's modification date); pass --effective to correct it")
    if not payer.value or not slugify(payer_name(payer.value)):
        raise StoreError(f"{file}: no payer in the document, a manifest or the file name; pass --payer "
                         f"or add a {MANIFEST_NAMES[0]} beside it")
    if not policy_id.value or not slugify(policy_id.value):
        raise StoreError(f"{file}: no policy number in the document, a manifest or the file name; "
                         f"pass --policy-id or add a {MANIFEST_NAMES[0]} beside it")
    payer = Sourced(payer_name(payer.value), payer.source)
    return DocumentIdentity(payer, policy_id, when, tuple(warnings))


def _modified(path: str | Path) -> str:
    try:
        stamp = Path(path).stat().st_mtime
    except OSError:
        return date.today().isoformat()
    return datetime.fromtimestamp(stamp, tz=timezone.utc).date().isoformat()
