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
import os
import posixpath
import re
import sys
import unicodedata
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
    """Identity fields for the files in a folder and below, keyed by path relative to the manifest's folder
    (`a.txt`, `2024/a.txt`); `defaults` apply to every file it describes."""

    path: Path | None = None
    defaults: dict[str, str] = field(default_factory=dict)
    files: dict[str, dict[str, str]] = field(default_factory=dict)

    def entry(self, path: str | Path) -> dict[str, str]:
        if self.path is None:
            return {}
        key = _relative(Path(path), self.path.parent)
        return {**self.defaults, **self.files.get(key or "", {})}


_FIELDS = ("payer", "policy_id", "effective")
_CSV_COLUMNS = ("file", *_FIELDS)


def _relative(path: Path, folder: Path) -> str | None:
    """`path` relative to `folder` in the manifest's spelling (`sub/a.txt`); None when it is not under it."""
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(folder)).replace(os.sep, "/")
    return None if rel == ".." or rel.startswith("../") else rel


def _row_key(name: str) -> str:
    """A manifest's name for a file, as `_relative` spells paths: `./a.txt` and `a.txt` are one file."""
    return posixpath.normpath(name.strip().replace("\\", "/"))


def manifest_near(path: str | Path, root: str | Path | None = None) -> Manifest:
    """The manifest that describes `path`: the nearest folder's, from the document's own up to `root` (the
    folder named on the command line; by default the document's own folder)."""
    folder = Path(path).parent
    top = Path(root) if root is not None else folder
    for candidate in [folder, *folder.parents]:
        found = manifest_for(str(candidate))
        if found.path is not None or _same(candidate, top):
            return found
        if _relative(candidate, top) is None:
            break
    return Manifest()


def _same(a: Path, b: Path) -> bool:
    return os.path.abspath(a) == os.path.abspath(b)


@lru_cache(maxsize=256)
def manifest_for(folder: str) -> Manifest:
    """The manifest of `folder`, if it has one (`policies.csv` first, then `.policydiff.toml`), checked whole:
    a manifest of the wrong shape, with two rows that disagree about one file or a row naming a file that is
    not there is one StoreError naming the manifest and the row or key, raised before any document is read."""
    base = Path(folder)
    csv_path, toml_path = base / MANIFEST_NAMES[0], base / MANIFEST_NAMES[1]
    if csv_path.is_file():
        return _checked(_read_csv(csv_path))
    if toml_path.is_file():
        return _checked(_read_toml(toml_path))
    return Manifest()


def _checked(manifest: Manifest) -> Manifest:
    """Every row names a file under the manifest's folder that exists, and no nearer manifest describes it."""
    assert manifest.path is not None
    folder = manifest.path.parent
    for key in manifest.files:
        target = folder / key
        if key == ".." or key.startswith("../") or key.startswith("/"):
            raise StoreError(f"{manifest.path}: {key} is outside the manifest's folder; a manifest describes the "
                             f"files in its folder and below")
        if not target.is_file():
            raise StoreError(f"{manifest.path}: names {key}, which is not there (a typo, or a renamed file?); "
                             f"fix or remove it, nothing was read")
        nearer = next((f for f in target.parents if f != folder and _relative(f, folder) is not None
                       and any((f / n).is_file() for n in MANIFEST_NAMES)), None)
        if nearer is not None:
            raise StoreError(f"{manifest.path}: names {key}, but the manifest in {nearer} describes that folder "
                             f"(the nearest manifest is the one read); move the row there")
    return manifest


def _value(value: object, where: str) -> str:
    """A manifest value: text, or a TOML date for `effective`; anything else names its key."""
    if isinstance(value, (datetime, date)):
        return value.strftime("%Y-%m-%d")
    if not isinstance(value, str):
        kind = {dict: "a table", list: "a list", bool: "true/false", int: "a number", float: "a number"}
        raise StoreError(f"{where} must be text, not {kind.get(type(value), type(value).__name__)} ({value!r})")
    return value


def _check(entry: object, where: str) -> dict[str, str]:
    if not isinstance(entry, dict):
        raise StoreError(f"{where} must be a table of {', '.join(_FIELDS)}, not {_value_kind(entry)}")
    unknown = [k for k in entry if k not in _FIELDS]
    if unknown:
        raise StoreError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(_FIELDS)})")
    out = {k: _tidy(_value(v, f"{where} {k}")) for k, v in entry.items() if v is not None}
    out = {k: v for k, v in out.items() if v}
    if "effective" in out:
        parsed = parse_date(out["effective"])
        if not parsed:
            raise StoreError(f"{where}: effective {out['effective']!r} is not a date (use YYYY-MM-DD)")
        out["effective"] = parsed
    return out


def _value_kind(value: object) -> str:
    return {str: "text", list: "a list", int: "a number", float: "a number", bool: "true/false"}.get(
        type(value), type(value).__name__) + f" ({value!r})"


def _read_csv(path: Path) -> Manifest:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            columns = list(reader.fieldnames or [])
    except (UnicodeDecodeError, csv.Error) as exc:
        raise StoreError(f"{path}: not a readable CSV manifest ({exc})") from None
    except OSError as exc:
        raise StoreError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    unknown = [c for c in columns if c not in _CSV_COLUMNS]
    if "file" not in columns or unknown:
        what = f"unknown column {unknown[0]!r}" if unknown else "no file column"
        raise StoreError(f"{path}: {what} (columns: {', '.join(_CSV_COLUMNS)})")
    files: dict[str, dict[str, str]] = {}
    lines: dict[str, int] = {}
    for n, row in enumerate(rows, start=2):
        if None in row:
            raise StoreError(f"{path}: line {n} has more cells than the header has columns")
        name = (row.get("file") or "").strip()
        if not name:
            raise StoreError(f"{path}: line {n} names no file (columns: {', '.join(_CSV_COLUMNS)})")
        key = _row_key(name)
        entry = _check({k: v for k, v in row.items() if k != "file"}, f"{path}: line {n}")
        if key in files and files[key] != entry:
            raise StoreError(f"{path}: lines {lines[key]} and {n} both describe {key} and disagree "
                             f"({_disagreement(files[key], entry)}); keep one")
        files[key], lines[key] = entry, n
    return Manifest(path, {}, files)


def _disagreement(a: dict[str, str], b: dict[str, str]) -> str:
    key = next(k for k in _FIELDS if a.get(k) != b.get(k))
    return f"{key} {a.get(key) or '(none)'} and {b.get(key) or '(none)'}"


def _read_toml(path: Path) -> Manifest:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise StoreError(f"{path}: not a readable TOML manifest ({exc})") from None
    except OSError as exc:
        raise StoreError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    unknown = [k for k in data if k not in ("defaults", "files")]
    if unknown:
        raise StoreError(f"{path}: unknown key {unknown[0]!r} (known: defaults, files)")
    defaults = _check(data.get("defaults", {}), f"{path}: [defaults]")
    listed = data.get("files", {})
    if not isinstance(listed, dict):
        raise StoreError(f"{path}: [files] must be a table of file names, not {_value_kind(listed)}")
    files: dict[str, dict[str, str]] = {}
    names: dict[str, str] = {}
    for name, entry in listed.items():
        key = _row_key(name)
        checked = _check(entry, f"{path}: [files.{name!r}]")
        if key in files and files[key] != checked:
            raise StoreError(f"{path}: [files.{names[key]!r}] and [files.{name!r}] both describe {key} and "
                             f"disagree ({_disagreement(files[key], checked)}); keep one")
        files[key], names[key] = checked, name
    return Manifest(path, defaults, files)


def _tidy(text: str | None) -> str:
    """A name a person typed (a flag, a manifest cell, a file name) read as document text is: one clean line,
    and NFKC-folded, so "Paci\ufb01cSource" is "PacificSource" and a full-width "ＡＣＭＥ" is "ACME"."""
    return unicodedata.normalize("NFKC", printable(text))


# -- resolving ----------------------------------------------------------------------------------------------------

def version_date(policy: Policy) -> str | None:
    """The date a version took effect, from the document: its effective date, or a later revision date
    (some payers keep the first effective date in "Effective" and date each version by "Last Revised"),
    else its review date."""
    dates = [d for d in (policy.dates.effective, policy.dates.revised) if d]
    return max(dates) if dates else policy.dates.reviewed


def resolve(path: str | Path, policy: Policy, given: Given, manifest: Manifest | None = None,
            root: str | Path | None = None) -> DocumentIdentity:
    """Each field from the best source available, named; an error names what is missing and how to give it.
    `root` is the folder named on the command line: manifests up to it may describe the document."""
    manifest = manifest if manifest is not None else manifest_near(path, root)
    listed = manifest.entry(path)
    named = read_file_name(path)
    warnings: list[str] = []

    def pick(*candidates: tuple[str | None, str]) -> Sourced:
        return next((Sourced(_tidy(value), source) for value, source in candidates if value and _tidy(value)),
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
    file = str(path)
    if when.value and when.source == "file name" and named.date_kind:
        when = Sourced(when.value, "capture date" if named.date_kind == "captured" else "file name")
        if named.date_kind in ("month", "year"):
            warnings.append(f"{file}: dated {when.value} from the {named.date_kind} in its file name")
    if not when.value:
        captured = _modified(path)
        when = Sourced(captured, "capture date")
        warnings.append(f"{file}: no date in the document, a manifest or the file name; dated by its capture "
                        f"date {captured} (the file's modification date); pass --effective to correct it")
    for value, what, flag in ((payer, "payer", "--payer"), (policy_id, "policy number", "--policy-id")):
        if value.value and not slugify(payer_name(value.value) if what == "payer" else value.value):
            given_as = (f"{flag} {value.value!r}" if value.source == "flag"
                        else f"{what} {value.value!r} ({value.source})")
            raise StoreError(f"{file}: {given_as} has no letter or digit (a-z, 0-9) to name a store folder by; "
                             f"give it in Latin letters or digits")
    if not payer.value:
        raise StoreError(f"{file}: no payer in the document, a manifest or the file name; pass --payer "
                         f"or add a {MANIFEST_NAMES[0]} beside it")
    if not policy_id.value:
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
