"""Documents → text lines → sections with roles → outline → indications: the extraction pipeline.

`extract(path)` is the one call most users need. Each stage is its own
module and can be used alone: `sources` (bytes → lines; `pdf` and `text`
underneath), `furniture` (page headers and footers), `sections` (headings and
roles), `outline` (lines → trees), `logic`, `thresholds`, `codes`,
`metadata`, `indications` (trees → schema objects).
"""
from __future__ import annotations

import statistics
from dataclasses import replace
from pathlib import Path

from ..budget import DEFAULT, Budget
from ..errors import ExtractionError
from ..normalized.explained import Explained
from ..normalized.schema import DocumentInfo, Policy, SectionInfo, Source
from . import furniture, layout
from .accounting import account, document_kind
from .codes import read_codes
from .indications import assemble
from .metadata import read_dates, read_payer, read_policy_id, read_title, title_from_layout
from .outline import build_outline, walk
from .read import read_bytes, read_document
from .sections import split_sections
from .trace import Trace
from .types import Document, Line

# Codes named where a policy says what it covers, codes and documents; not those in references or history, and
# not those named only where the policy excludes something (they belong to that exclusion).
_CODE_ROLES = ("coverage", "coding", "documentation", "other", "background", "definitions", "administrative")


def extract(path: str | Path, budget: Budget = DEFAULT) -> Policy:
    """Read a PDF, text, Markdown or HTML policy and return its normalized form.

    `budget` bounds what the reading may cost (policydiff.budget); time and memory are bounded only
    where the caller runs this in a worker (`budget.run_bounded`), as the command line does."""
    return extract_document(read_document(path, budget), budget)


def extract_bounded(path: str | Path, budget: Budget = DEFAULT) -> Policy:
    """`extract` in a worker process under the whole budget: a document that takes longer than
    `budget.seconds` or more memory than `budget.memory_bytes` is an ExtractionError, not a hang."""
    from ..budget import run_bounded

    outcome = run_bounded(extract, [str(path)], budget, name=_file_name)[0]
    if outcome.error is not None or outcome.value is None:
        raise ExtractionError(outcome.error or f"{path}: not read")
    return outcome.value


def _file_name(path: str) -> str:
    return Path(path).name


def extract_bytes(data: bytes, name: str, budget: Budget = DEFAULT) -> Policy:
    return extract_document(read_bytes(data, name, budget), budget)


def _body_size(lines: tuple[Line, ...]) -> float:
    sizes = [ln.size for ln in lines if ln.size]
    return statistics.median(sizes) if sizes else 10.0


def _rows_joined(lines: tuple[Line, ...]) -> tuple[Line, ...]:
    """The document's lines for its front matter: a table row's cells on one line ("Program Number    2025 P
    2116-22"), as a form's label and value are read together."""
    out: list[Line] = []
    for ln in lines:
        last = out[-1] if out else None
        if ln.cell is not None and last is not None and last.cell is not None and ln.cell[:2] == last.cell[:2]:
            gap = "    " if ln.cell[2] != last.cell[2] else " "
            out[-1] = replace(last, text=f"{last.text}{gap}{ln.text}", cell=ln.cell, right=ln.right)
        else:
            out.append(ln)
    return tuple(out)


def source_text(doc: Document) -> str:
    """The document's text as the store keeps it for redlines: a PDF's lines less its page furniture, with
    lone bullets joined to their items; a text or Markdown file's lines as written; an HTML page's lines as
    read (its blocks, without markup)."""
    if doc.layout == "positioned":
        lines = layout.settle(furniture.clean(doc).kept, _body_size(doc.lines))
    else:
        lines = doc.lines
    return "\n".join(ln.text for ln in lines) + "\n"


def extract_document(doc: Document, budget: Budget = DEFAULT, trace: Trace | None = None) -> Policy:
    """The pipeline: furniture → layout → sections → outline → indications → accounting, with the front
    matter read from every line. With `trace`, each stage records what it decided and by which rule."""
    cleaned = furniture.clean(doc)
    if trace is not None:
        for r in cleaned.removed:
            trace.note("furniture", Source(r.line.line, r.line.page), "page furniture", r.reason)
    positioned = doc.layout == "positioned"
    lines = list(layout.settle(cleaned.kept, _body_size(doc.lines))) if positioned else list(cleaned.kept)
    sections = split_sections(lines, doc.layout, trace)
    try:
        outlines = [build_outline(s.lines, doc.layout, lines, budget) for s in sections]
    except ExtractionError as exc:
        raise ExtractionError(f"{doc.name}: {exc}") from None
    raw = _rows_joined(doc.lines)
    all_text = [ln.text for ln in raw]
    title = read_title(raw, title_from_layout(raw, markup=doc.layout in ("markdown", "html")))
    built = assemble(sections, outlines, title, trace)
    accounting, unread_warnings = account(doc, cleaned, sections, outlines, built, trace)
    kind = document_kind(len(built.indications), title, sections, all_text)
    coding = [ln.text for s in sections if s.role == "coding" for ln in s.lines]
    sentences = [n.text for s, nodes in zip(sections, outlines) if s.role in _CODE_ROLES for n in walk(nodes)]
    warnings = list(dict.fromkeys([*doc.warnings, *built.warnings, *unread_warnings]))
    if not built.indications:
        excluded = f"; {len(built.exclusions)} exclusion(s) read" if built.exclusions else ""
        warnings.append("no indications found: no section states covered criteria "
                        f"(read as: {kind.replace('_', ' ')}{excluded})")
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
        kind=kind,
        accounting=accounting,
    )


def explain(path: str | Path, budget: Budget = DEFAULT) -> Explained:
    """`extract` with a trace: what each stage decided about each line, and by which rule."""
    doc = read_document(path, budget)
    trace = Trace()
    policy = extract_document(doc, budget, trace)
    return Explained(policy, tuple((ln.page, ln.line, ln.text) for ln in doc.lines), tuple(trace.decisions))


def explain_bounded(path: str | Path, budget: Budget = DEFAULT) -> Explained:
    """`explain` in a worker process under the whole budget (see `extract_bounded`)."""
    from ..budget import run_bounded

    outcome = run_bounded(explain, [str(path)], budget, name=_file_name)[0]
    if outcome.error is not None or outcome.value is None:
        raise ExtractionError(outcome.error or f"{path}: not read")
    return outcome.value


__all__ = ["Explained", "explain", "explain_bounded", "extract", "extract_bounded", "extract_bytes",
           "extract_document", "source_text"]
