"""Plain text and Markdown → `Line`s.

Text copied out of PDFs carries Markdown-like artefacts (`**bold**`,
"- I." list markers, `[†]` and `^{††}` footnote marks). Those are removed here
so the outline stage sees the document's own numbering. Real Markdown goes
through markdown-it-py, whose block tokens carry source line maps, so
provenance survives the parse.
"""
from __future__ import annotations

import re
from dataclasses import replace

from markdown_it import MarkdownIt

from ...budget import DEFAULT, Budget, over
from ...errors import ExtractionError
from ..markers import BULLET_BEFORE_ENUMERATOR, SENTENCE_BREAK
from ..types import Line
from .clean import cap_gaps, clean_text

_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+\S")
_TABLE_CELL_RULE = re.compile(r":?-{3,}:?")


def _is_table_rule(line: str) -> bool:
    """A pipe table's rule row ("|---|:--:|"): two or more cells of dashes. Cells are split first, so no
    pattern ever scans a long run of spaces or dashes twice."""
    row = line.strip()
    if "|" not in row or "---" not in row:
        return False
    cells = row.strip("|").split("|")
    return len(cells) >= 2 and all(_TABLE_CELL_RULE.fullmatch(cell.strip()) for cell in cells)


def looks_like_markdown(text: str) -> bool:
    """Markdown by content: ATX headings or a pipe table, not merely stray `**`."""
    lines = text.splitlines()
    headings = sum(1 for ln in lines if _MD_HEADING.match(ln))
    return headings >= 2 or any(_is_table_rule(ln) for ln in lines)


def _check_length(raw: str, lineno: int, budget: Budget) -> None:
    if len(raw) > budget.line_chars:
        raise ExtractionError(over(f"line {lineno} has {len(raw)} characters", "line_chars", budget))


_ARTEFACTS = [
    (re.compile(r"\^\{[^}]*\}"), ""),  # ^{††}
    (re.compile(r"\[\s*[†‡*§¶]+\s*\]"), ""),  # [†]
    (re.compile(r"(?<=\w)[†‡]+"), ""),  # T2b†
    (re.compile(r"\*\*|__"), ""),
    (re.compile(r"<(https?://[^>\s]+)>"), r"\1"),
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), r"\1"),
]


def clean_line(raw: str) -> str:
    text = clean_text(raw)
    for pattern, repl in _ARTEFACTS:
        text = pattern.sub(repl, text)
    return cap_gaps(BULLET_BEFORE_ENUMERATOR.sub(r"\1", text))




def _split_flattened(text: str) -> list[str]:
    """A capture whose whitespace was flattened into one huge line: give it back its sentences."""
    if len(text) < 1500:
        return [text]
    return [part for part in SENTENCE_BREAK.split(text) if part.strip()]


_MARK_ONLY = re.compile(r"^(?:®|™|℠|©|TM|SM)$")
"""A trademark sign alone on its line: a superscript the capture set on a line of its own."""


def _marks_joined(lines: list[Line]) -> list[Line]:
    """"FoundationOne" / "®" / "Heme, ..." → "FoundationOne® Heme, ...": the sign goes back to its word, and
    the words after it to the sentence the sign broke."""
    out: list[Line] = []
    k = 0
    while k < len(lines):
        line = lines[k]
        if out and _MARK_ONLY.match(line.text.strip()) and not line.blank_before and out[-1].page == line.page:
            prev = out[-1]
            text = prev.text.rstrip() + line.text.strip()
            joined = prev.joined + (line.line,)
            nxt = lines[k + 1] if k + 1 < len(lines) else None
            if nxt is not None and not nxt.blank_before and nxt.page == line.page \
                    and not _MARK_ONLY.match(nxt.text.strip()):
                text = f"{text} {nxt.text.strip()}"
                joined += (nxt.line,)
                k += 1
            out[-1] = replace(prev, text=text, joined=joined)
            k += 1
            continue
        out.append(line)
        k += 1
    return out


def text_lines(text: str, budget: Budget = DEFAULT) -> list[Line]:
    """Plain text → lines; form feeds start new pages; flattened captures are split into sentences; a line
    break is "\n", "\r\n" or a lone "\r" (old Mac files)."""
    out: list[Line] = []
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    pages = text.split("\f")
    lineno = 0
    blank = False
    for page_index, page in enumerate(pages):
        page_no = page_index + 1 if len(pages) > 1 else None
        for raw in page.split("\n"):
            lineno += 1
            _check_length(raw, lineno, budget)
            cleaned = clean_line(raw)
            if not cleaned.strip():
                blank = True
                continue
            indent = len(cleaned) - len(cleaned.lstrip())
            parts = _split_flattened(cleaned.strip())
            for part in parts:
                out.append(Line(part, lineno, page_no, indent=float(indent), blank_before=blank or len(parts) > 1))
                blank = False
    return _marks_joined(out)


def markdown_lines(text: str, budget: Budget = DEFAULT) -> list[Line]:
    """Markdown → lines: headings flagged, list nesting as indent, inline markup stripped.

    markdown-it stops nesting at `maxNesting` levels (deeper text stays literal); the limit on outline
    depth is applied to the lines, as for every format."""
    source = text.splitlines()
    for number, raw in enumerate(source, start=1):
        _check_length(raw, number, budget)
    md = MarkdownIt("commonmark", {"html": False, "maxNesting": min(budget.depth, 100)}).enable("table")
    tokens = md.parse(text)
    out: list[Line] = []
    depth = 0
    pending_marker: list[str] = []
    heading = False
    in_table_row: list[str] | None = None
    row_line = 0
    for tok in tokens:
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif tok.type == "list_item_open":
            pending_marker.append(f"{tok.info}{tok.markup}" if tok.info else "•")
        elif tok.type == "heading_open":
            heading = True
        elif tok.type == "heading_close":
            heading = False
        elif tok.type == "tr_open":
            in_table_row, row_line = [], (tok.map[0] + 1 if tok.map else 0)
        elif tok.type == "tr_close" and in_table_row is not None:
            out.append(Line("    ".join(in_table_row), row_line, None, indent=0.0, blank_before=True))
            in_table_row = None
        elif tok.type == "inline" and tok.map:
            plain = "".join(child.content if child.type in ("text", "code_inline") else "\n"
                            for child in tok.children or [] if child.type in ("text", "code_inline", "softbreak",
                                                                              "hardbreak"))
            if in_table_row is not None:
                in_table_row.append(clean_line(plain))
                continue
            first = tok.map[0]
            parts = plain.split("\n") if plain else [""]
            for offset, part in enumerate(parts):
                text_part = clean_line(part).strip()
                if not text_part:
                    continue
                marker = ""
                if offset == 0 and pending_marker:
                    marker = pending_marker.pop() + " "
                lineno = first + offset + 1
                raw = source[lineno - 1] if lineno - 1 < len(source) else ""
                blank = lineno >= 2 and not source[lineno - 2].strip()
                indent = float(max(depth - 1, 0) * 4 + (0 if marker else (len(raw) - len(raw.lstrip()))))
                out.append(Line(marker + text_part, lineno, None, indent=indent, heading=heading,
                                blank_before=blank or heading))
    return out
