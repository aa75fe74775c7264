"""`policydiff check` as a table (text), JSON and CSV: worst-read documents first."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from ..normalized.checked import Checked
from ..normalized.schema import Unread
from .markup import csv_cell, plain_text, terminal_safe
from .policy import line_runs


def totals(rows: Sequence[Checked]) -> str:
    """"110 documents: 61 fully read, 48 with unread text (1,234 of 23,456 coverage lines, 321 numbers), ..."""
    checked = [r for r in rows if r.skipped is None]
    failed = [r for r in checked if r.error]
    unread = [r for r in checked if not r.error and not r.complete]
    lines = sum(r.coverage_lines for r in checked)
    line_text = f"{sum(len(r.unread) for r in checked):,} of {lines:,} coverage lines"
    text = (f"{len(checked)} documents: {len(checked) - len(failed) - len(unread)} fully read, {len(unread)} with "
            f"unread text ({line_text}, {sum(len(r.unread_numbers) for r in checked):,} numbers unread)")
    if failed:
        text += f", {len(failed)} unreadable"
    skipped = len(rows) - len(checked)
    return text + (f"; {skipped} skipped" if skipped else "")


def _name(path: str) -> str:
    return plain_text(path.rsplit("/", 1)[-1])


@terminal_safe
def render_text(rows: Sequence[Checked]) -> str:
    out = [totals(rows), ""]
    table = [("document", "kind", "cov", "ind", "crit", "thr", "read", "unread lines", "unread nums", "crit-like")]
    for r in rows:
        if r.skipped is not None:
            continue
        if r.error:
            table.append((_name(r.path), "unreadable", "", "", "", "", "", plain_text(r.error)[:60], "", ""))
            continue
        unread = f"{len(r.unread)}" + (f" ({line_runs(r.unread, 3)})" if r.unread else "")
        table.append((_name(r.path), r.kind.replace("_", " "), str(r.coverage_sections), str(r.indications),
                      str(r.criteria), str(r.thresholds), f"{100 * r.share_read:.0f}%", unread,
                      str(len(r.unread_numbers)), str(len(r.criteria_like))))
    widths = [min(max(len(row[i]) for row in table), 60 if i == 0 else 48) for i in range(len(table[0]))]
    for row in table:
        cells = [cell[:widths[i]].ljust(widths[i]) if i in (0, 1, 7) else cell.rjust(widths[i])
                 for i, cell in enumerate(row)]
        out.append("  ".join(cells).rstrip())
    out += [f"skipped {_name(r.path)}: {r.skipped}" for r in rows if r.skipped is not None]
    return "\n".join(out) + "\n"


def _unread(u: Unread) -> dict:
    return {"page": u.source.page, "line": u.source.line, "text": u.text, "reason": u.reason}


def to_dict(r: Checked) -> dict:
    if r.skipped is not None:
        return {"path": r.path, "skipped": r.skipped}
    if r.error:
        return {"path": r.path, "error": r.error}
    return {"path": r.path, "kind": r.kind, "coverage_sections": r.coverage_sections, "indications": r.indications,
            "criteria": r.criteria, "thresholds": r.thresholds, "coverage_lines": r.coverage_lines,
            "read_lines": r.read_lines, "share_read": round(r.share_read, 4), "numbers_read": r.numbers_read,
            "unread_lines": [_unread(u) for u in r.unread], "unread_numbers": [_unread(u) for u in r.unread_numbers],
            "criteria_like_sections": list(r.criteria_like)}


def render_json(rows: Sequence[Checked]) -> str:
    return json.dumps({"summary": totals(rows), "documents": [to_dict(r) for r in rows]}, indent=2,
                      ensure_ascii=False) + "\n"


def render_csv(rows: Sequence[Checked]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["path", "kind", "coverage_sections", "indications", "criteria", "thresholds", "coverage_lines",
                     "read_lines", "unread_lines", "numbers_read", "unread_numbers", "criteria_like_sections",
                     "error"])
    for r in rows:
        writer.writerow([csv_cell(c) for c in (
            r.path, r.kind, r.coverage_sections, r.indications, r.criteria, r.thresholds, r.coverage_lines,
            r.read_lines, len(r.unread), r.numbers_read, len(r.unread_numbers), "; ".join(r.criteria_like),
            r.error or r.skipped or "")])
    return buffer.getvalue()


RENDERERS = {"text": render_text, "json": render_json, "csv": render_csv}
