"""Documents → text lines → sections with roles → outline → indications: the extraction pipeline.

`extract(path)` is the one call most users need. Each stage is its own
module and can be used alone: `sources` (bytes → lines; `pdf` and `text`
underneath), `furniture` (page headers and footers), `sections` (headings and
roles), `outline` (lines → trees), `logic`, `thresholds`, `codes`,
`metadata`, `indications` (trees → schema objects).
"""
from __future__ import annotations

from pathlib import Path

from ..normalized.schema import DocumentInfo, Policy, SectionInfo
from .codes import read_codes
from .furniture import drop_running_lines, is_noise
from .indications import assemble
from .lines import Document
from .metadata import read_dates, read_payer, read_policy_id, read_title, title_from_layout
from .outline import build_outline, walk
from .sections import split_sections
from .sources import read_bytes, read_document

__all__ = ["extract", "extract_bytes", "extract_document"]

# Codes named where a policy says what it covers, codes and documents; not those in references or history, and
# not those named only where the policy excludes something (they belong to that exclusion).
_CODE_ROLES = ("coverage", "coding", "documentation", "other", "background", "definitions", "administrative")


def extract(path: str | Path) -> Policy:
    """Read a PDF, text or Markdown policy and return its normalized form."""
    return extract_document(read_document(path))


def extract_bytes(data: bytes, name: str) -> Policy:
    return extract_document(read_bytes(data, name))


def extract_document(doc: Document) -> Policy:
    geometry = doc.format == "pdf"
    lines = [ln for ln in doc.lines if not is_noise(ln.text)] if geometry else drop_running_lines(doc.lines)
    sections = split_sections(lines, geometry)
    outlines = [build_outline(s.lines, geometry, lines) for s in sections]
    raw = doc.raw_lines or doc.lines
    all_text = [ln.text for ln in raw]
    title = read_title(raw, title_from_layout(raw, markdown=doc.format == "markdown"))
    built = assemble(sections, outlines, title)
    coding = [ln.text for s in sections if s.role == "coding" for ln in s.lines]
    sentences = [n.text for s, nodes in zip(sections, outlines) if s.role in _CODE_ROLES for n in walk(nodes)]
    warnings = list(dict.fromkeys(built.warnings))
    if not built.indications and not built.exclusions:
        warnings.append("no indications found: no section states coverage criteria")
    return Policy(
        payer=read_payer(all_text),
        policy_id=read_policy_id(all_text),
        title=title,
        dates=read_dates(all_text),
        codes=tuple(read_codes(coding, sentences)),
        indications=tuple(built.indications),
        exclusions=tuple(built.exclusions),
        sections=tuple(SectionInfo(s.heading, s.role, s.pages) for s in sections),
        warnings=tuple(warnings),
        document=DocumentInfo(doc.name, doc.format, doc.sha256, doc.pages),
    )

