"""Documents → text lines → outline → criteria: the extraction pipeline.

`extract(path)` is the one call most users need. Each stage is its own
module and can be used alone: `sources` (bytes → lines), `outline` (lines →
sections and trees), `thresholds`, `logic`, `codes`, `metadata`,
`indications` (trees → schema objects).
"""
from __future__ import annotations

from pathlib import Path

from ..normalized.schema import DocumentInfo, Policy
from .codes import read_codes
from .indications import assemble
from .lines import Document
from .metadata import read_dates, read_payer, read_policy_id, read_title
from .outline import build_sections
from .sources import read_bytes, read_document

__all__ = ["extract", "extract_bytes", "extract_document"]

# Codes named only where a policy excludes something belong to that exclusion, not to the policy's code list.
_TEXT_KINDS = ("criteria", "coding", "documentation", "limits", "front", "background", "definitions")


def extract(path: str | Path) -> Policy:
    """Read a PDF, text or Markdown policy and return its normalized form."""
    return extract_document(read_document(path))


def extract_bytes(data: bytes, name: str) -> Policy:
    return extract_document(read_bytes(data, name))


def extract_document(doc: Document) -> Policy:
    sections = build_sections(doc.lines, geometry=doc.format == "pdf")
    all_text = [ln.text for ln in (doc.raw_lines or doc.lines)]
    front = all_text[:80]
    title = read_title(all_text[:60], _first_heading(doc))
    built = assemble(sections, title)
    coding = [ln.text for s in sections if s.kind == "coding" for ln in s.lines]
    sentences = [ln.text for s in sections if s.kind in _TEXT_KINDS for ln in s.lines] + \
                [_node_text for s in sections if s.kind in _TEXT_KINDS for _node_text in _texts(s.nodes)]
    warnings = list(dict.fromkeys(built.warnings))
    if not built.indications and not built.exclusions:
        warnings.append("no indications found: no criteria section with an enumerated list was recognised")
    # Dates stand in front matter and page headers, sometimes in closing lines; the body never dates the policy.
    dates = read_dates(all_text[:120] + all_text[-60:] if len(all_text) > 180 else all_text)
    return Policy(
        payer=read_payer(all_text),
        policy_id=read_policy_id(front),
        title=title,
        dates=dates,
        codes=tuple(read_codes(coding, sentences)),
        indications=tuple(built.indications),
        exclusions=tuple(built.exclusions),
        warnings=tuple(warnings),
        document=DocumentInfo(doc.name, doc.format, doc.sha256, doc.pages),
    )


def _texts(nodes):
    for node in nodes:
        yield node.text
        yield from _texts(node.children)


def _first_heading(doc: Document) -> str | None:
    for line in (doc.raw_lines or doc.lines)[:40]:
        if line.heading and len(line.text.split()) <= 12:
            return line.text.strip(" :#")
    return None
