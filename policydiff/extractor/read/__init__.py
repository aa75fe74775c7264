"""Reading a document from disk: which kind it is (by content), its bytes' hash, its lines.

The kind is read from the bytes, never from the name alone: a PDF by its header, HTML by its doctype or
outer elements (or a page of markup), Markdown by its headings or tables, anything else as plain text. A
name that promises a kind the bytes do not hold (a ".pdf" or ".html" download error page saved as text)
is an error, not a guess.

Every way a file can be unusable ends here as an ExtractionError that names
the file and says why, so the CLI can print one line and exit 2.
"""
from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
from pathlib import Path
from typing import BinaryIO

from ...budget import DEFAULT, Budget, over
from ...errors import ExtractionError
from ..types import Document
from .text import looks_like_markdown, markdown_lines, text_lines

_HTML_SUFFIXES = (".html", ".htm", ".xhtml")
_HTML_START = re.compile(r"<!doctype\s+html|<(?:html|head|body)\b", re.I)
_LEADING_DECLARATIONS = re.compile(r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*", re.S)
_HTML_TAG = re.compile(r"</?(?:p|div|span|h[1-6]|ul|ol|li|table|tr|td|th|br|a|b|i|strong|em|section|article)\b[^<>]*>",
                       re.I)


def looks_like_html(text: str) -> bool:
    """HTML by content: a doctype, `<html>`, `<head>` or `<body>` near the start, or markup making up a large
    share of the text (a page saved without its outer elements). A text capture that quotes a few tags
    (a flattened web page with `<i>` left in it) is text."""
    if _HTML_START.match(_LEADING_DECLARATIONS.sub("", text[:4096])):
        return True
    sample = text[:200_000]
    tags = _HTML_TAG.findall(sample)
    solid = len(re.sub(r"\s+", "", sample))
    return len(tags) >= 5 and sum(len(t) for t in tags) >= 0.15 * max(solid, 1)


def _is_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return control > len(sample) * 0.05


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
"""Longest first: a UTF-32 LE mark begins with the UTF-16 LE one."""


def unicode_bom(data: bytes) -> str | None:
    """The encoding a byte-order mark names (UTF-8, UTF-16 or UTF-32), if the data starts with one."""
    return next((encoding for bom, encoding in _BOMS if data.startswith(bom)), None)


def decode_text(data: bytes) -> tuple[str, list[int]]:
    """Text, and the numbers of the lines that were not UTF-8.

    A byte-order mark decides the encoding. Otherwise each line is UTF-8 where it decodes and Windows-1252
    where it does not: one stray byte pasted from a Word document must not turn every "≤" of an otherwise
    UTF-8 file into "â‰¤", so the fallback is per line, and those lines are reported.
    """
    bom = unicode_bom(data)
    if bom is not None:
        try:
            return data.decode(bom), []
        except UnicodeDecodeError as exc:
            raise ExtractionError(f"starts with a {bom.upper().replace('-SIG', '')} byte-order mark but is not "
                                  f"{bom.upper().replace('-SIG', '')} ({exc.reason} at byte {exc.start})") from None
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    fallback = []
    out = []
    for number, raw in enumerate(lines, start=1):
        try:
            out.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(raw.decode("cp1252", errors="replace"))
            fallback.append(number)
    return "\n".join(out), fallback


def _line_list(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:8])
    return shown + (f" and {len(numbers) - 8} more" if len(numbers) > 8 else "")


def document_name(path: str | Path) -> str:
    """The name a document is stored and reported under: its file name, with any byte that is not UTF-8
    (which the OS hands over as a lone surrogate) written as `\\xff`, so it can go into JSON and commits."""
    return Path(path).name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def read_document(path: str | Path, budget: Budget = DEFAULT) -> Document:
    """A file's document. Only regular files are read: a FIFO would block until its writer came (for the
    whole timeout) and a device never ends, so both are refused before a byte is read; opening does not block
    either (O_NONBLOCK), so a FIFO swapped in after the check is refused too."""
    p = Path(path)
    if not p.exists():
        raise ExtractionError(f"{p}: no such file")
    if p.is_dir():
        raise ExtractionError(f"{p}: is a directory, not a policy document")
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise ExtractionError(f"{p}: is not a regular file (a pipe, socket or device); save the document "
                                      f"to a file and read that")
            os.set_blocking(fd, True)
            if info.st_size > budget.input_bytes:
                raise ExtractionError(f"{p}: " + over("is too large to read", "input_bytes", budget))
            data = _read_at_most(handle, budget.input_bytes + 1, info.st_size + 1)
    except OSError as exc:
        raise ExtractionError(f"{p}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > budget.input_bytes:
        raise ExtractionError(f"{p}: " + over("is too large to read", "input_bytes", budget))
    return read_bytes(data, document_name(p), budget)


def _read_at_most(handle: BinaryIO, limit: int, expected: int) -> bytes:
    """Up to `limit` bytes, asking for no more than the file is expected to hold at once (a read asks the
    allocator for all it is told it may get, so a huge limit must not become the request)."""
    chunks, got = [], 0
    want = min(limit, expected)
    while got < limit:
        chunk = handle.read(min(want, limit - got))
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
        want = 1 << 23  # the file grew while being read: go on in 8 MiB steps
    return b"".join(chunks)


def read_bytes(data: bytes, name: str, budget: Budget = DEFAULT) -> Document:
    if len(data) > budget.input_bytes:
        raise ExtractionError(f"{name}: " + over("is too large to read", "input_bytes", budget))
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise ExtractionError(f"{name}: file is empty")
    if data[:1024].lstrip().startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        from .pdf import pdf_document  # the only module that imports PDF libraries

        return pdf_document(data, name, digest, budget)
    if name.lower().endswith(".pdf"):
        raise ExtractionError(f"{name}: named .pdf but is not a PDF (no %PDF header); is it a download error page?")
    if unicode_bom(data) is None and _is_binary(data):
        raise ExtractionError(f"{name}: binary data, not a text, Markdown, HTML or PDF policy")
    try:
        text, fallback = decode_text(data)
    except ExtractionError as exc:
        raise ExtractionError(f"{name}: {exc}") from None
    warnings = []
    if fallback:
        warnings.append(f"line(s) {_line_list(fallback)} are not UTF-8; read as Windows-1252: check their "
                        f"symbols (≤, ≥, µ) against the original")
    html = looks_like_html(text)
    if not html and name.lower().endswith(_HTML_SUFFIXES):
        raise ExtractionError(f"{name}: named {Path(name).suffix} but holds no HTML markup; if it is a text policy, "
                              f"name it .txt")
    try:
        if html:
            from .html import html_lines  # lxml is imported only for a page

            lines, hidden = html_lines(text, budget)
            return Document(name, "html", digest, tuple(lines), warnings=tuple(warnings + hidden))
        if looks_like_markdown(text):
            return Document(name, "markdown", digest, tuple(markdown_lines(text, budget)), warnings=tuple(warnings))
        return Document(name, "text", digest, tuple(text_lines(text, budget)), warnings=tuple(warnings))
    except ExtractionError as exc:
        raise ExtractionError(f"{name}: {exc}") from None
