"""Reading a document from disk: which kind it is (by content), its bytes' hash, its lines.

Every way a file can be unusable ends here as an ExtractionError that names
the file and says why, so the CLI can print one line and exit 2.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from ..errors import ExtractionError
from .lines import Document
from .text import looks_like_markdown, markdown_lines, text_lines


def _is_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return control > len(sample) * 0.05


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, which is what most non-UTF-8 policy text is."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def read_document(path: str | Path) -> Document:
    p = Path(path)
    if not p.exists():
        raise ExtractionError(f"{p}: no such file")
    if p.is_dir():
        raise ExtractionError(f"{p}: is a directory, not a policy document")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ExtractionError(f"{p}: cannot be read ({exc.strerror or exc})") from None
    return read_bytes(data, p.name)


def read_bytes(data: bytes, name: str) -> Document:
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise ExtractionError(f"{name}: file is empty")
    if data[:1024].lstrip().startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        from .pdf import pdf_document  # the only module that imports PDF libraries

        return pdf_document(data, name, digest)
    if name.lower().endswith(".pdf"):
        raise ExtractionError(f"{name}: named .pdf but is not a PDF (no %PDF header); is it a download error page?")
    if _is_binary(data):
        raise ExtractionError(f"{name}: binary data, not a text, Markdown or PDF policy")
    text = decode_text(data)
    if looks_like_markdown(text):
        return Document(name, "markdown", digest, markdown_lines(text))
    return Document(name, "text", digest, text_lines(text))
