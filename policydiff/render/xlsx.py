"""Comparisons, version diffs and annual reports as Excel workbooks (openpyxl).

Analysts share comparisons as spreadsheets, so every table of the other
formats becomes a sheet: a frozen, bold header row, limits as typed cells (a
number stays a number, its unit in the next column, so a sheet can sort and
filter them) and the stricter value highlighted. Policy text is untrusted: a
cell that would start with `=`, `+`, `-` or `@` is written as text, never as a
formula.
"""
from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..diffs.compare import Comparison
from ..diffs.versions import Report, ReportEntry, VersionDiff, status_words, summarize
from ..normalized.schema import Threshold
from .diff import group_effect
from .markup import plain_text

STRICTER = PatternFill("solid", start_color="FFF2CC", end_color="FFF2CC")
"""The fill of the stricter value: a pale amber that prints legibly in black and white."""
_BOLD = Font(bold=True)


def _cell_value(value: Any) -> Any:
    if isinstance(value, str):
        return plain_text(value)
    return value


def _sheet(wb: Workbook, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Worksheet:
    ws = wb.create_sheet(title[:31])
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = _BOLD
    widths = [len(h) for h in header]
    for row in rows:
        ws.append([_cell_value(v) for v in row])
        for k, v in enumerate(row):
            widths[k] = min(max(widths[k], len(str(v)) if v is not None else 0), 60)
    for row in ws.iter_rows(min_row=1):
        for cell in row:
            if cell.data_type == "f":  # a text that looks like a formula stays text
                cell.data_type = "s"
    for k, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(k)].width = width + 2
    ws.freeze_panes = "A2"
    return ws


def _value(t: Threshold | None) -> Any:
    """A limit's value as a typed cell: the number itself (a range's low end), or text for a stage."""
    if t is None:
        return None
    if t.op == "between" and isinstance(t.value, tuple):
        return t.value[0]
    return t.value


def _high(t: Threshold | None) -> Any:
    """A range's high end, typed; empty for a limit that is not a range."""
    if t is None or t.op != "between" or not isinstance(t.value, tuple):
        return None
    return t.value[1]


def _op(t: Threshold | None) -> str | None:
    return None if t is None else {"<=": "≤", ">=": "≥"}.get(t.op, t.op)


def _bytes(wb: Workbook) -> bytes:
    del wb[wb.sheetnames[0]]  # the empty default sheet
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# -- comparison -----------------------------------------------------------------------------------------------

def compare_xlsx(c: Comparison) -> bytes:
    wb = Workbook()
    _sheet(wb, "Policies", ["#", "payer", "policy", "title", "source"],
           [(k + 1, p.payer, p.policy_id, p.title, p.source) for k, p in enumerate(c.policies)])
    names = [f"#{k + 1} {p.heading}" for k, p in enumerate(c.policies)]
    _sheet(wb, "Indications", ["indication", *names, "alignment"],
           [(row.key, *row.labels, min(s for s in row.scores if s is not None)) for row in c.rows])
    header = ["indication", "measure", "bound"]
    for name in names:
        header += [f"{name} op", f"{name} value", f"{name} unit", f"{name} role"]
    header += ["cutoff verdict", "eligibility verdict", "eligibility reason", "eligibility policies"]
    rows, marks = [], []
    for row in c.rows:
        for m in row.thresholds:
            cells: list[Any] = [row.key, m.measure, m.kind]
            for value, role in zip(m.values, m.roles):
                cells += [_op(value), _value(value), value.unit if value else None, role]
            cells += [m.verdict, m.eligibility.verdict, m.eligibility.reason,
                      ", ".join(f"#{k + 1}" for k in m.eligibility.policies) or None]
            rows.append(cells)
            marks.append(m.strictest if len(m.strictest) < len(m.values) else ())
    ws = _sheet(wb, "Thresholds", header, rows)
    for r, strictest in enumerate(marks, start=2):
        for k in strictest:  # highlight op, value and unit of the stricter policy
            for offset in range(3):
                ws.cell(row=r, column=4 + 4 * k + offset).fill = STRICTER
    _sheet(wb, "Criteria", ["indication", *names, "similarity"],
           [(row.key, *cr.texts, round(cr.similarity, 2)) for row in c.rows for cr in row.criteria])
    return _bytes(wb)


# -- version diffs and reports ----------------------------------------------------------------------------------

def _limit_cells(t: Threshold | None) -> tuple[Any, Any, Any, Any]:
    """op, value (a range's low end), high (a range's high end) and unit, each its own typed cell."""
    return _op(t), _value(t), _high(t), t.unit if t else None


def _diff_rows(d: VersionDiff) -> tuple[list[tuple], ...]:
    head = (d.payer, d.policy, d.new_title)
    indications = [(*head, "added", i.label, True) for i in d.added]
    indications += [(*head, "removed", i.label, True) for i in d.removed]
    indications += [(*head, "changed", c.label, c.material) for c in d.changed]
    thresholds = [(*head, c.label, t.measure, *_limit_cells(t.old), *_limit_cells(t.new),
                   f"{t.term} (administrative term)" if t.term else t.direction)
                  for c in d.changed for t in c.thresholds]
    criteria: list[tuple] = [(*head, c.label, "added" if x.old is None and x.classification != "unread" else
                 "removed" if x.new is None and x.classification != "unread" else x.classification, x.old, x.new)
                for c in d.changed for x in c.criteria]
    criteria += [(*head, c.label, f"group {group_effect(g)}", "; ".join((g.where, *g.criteria)) if g.change ==
                  "removed" else None, "; ".join((g.where, *g.criteria)) if g.change == "added" else None)
                 for c in d.changed for g in c.groups]
    codes: list[tuple] = [(*head, None, "added", code) for code in d.codes_added]
    codes += [(*head, None, "removed", code) for code in d.codes_removed]
    codes += [(*head, c.label, change, code) for c in d.changed
              for change, listed in (("added", c.codes_added), ("removed", c.codes_removed)) for code in listed]
    exclusions = [(*head, change, x.label, status_words(x.status)) for change, listed in
                  (("added", d.exclusions_added), ("removed", d.exclusions_removed)) for x in listed]
    exclusions += [(*head, "changed", x.label, f"{status_words(x.old_status)} → {status_words(x.new_status)}")
                   for x in d.exclusions_changed]
    return indications, thresholds, criteria, codes, exclusions


_HEAD = ["payer", "policy", "title"]
_LIMIT = ["op", "value", "high", "unit"]
SHEETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Indications", (*_HEAD, "change", "indication", "material")),
    ("Thresholds", (*_HEAD, "indication", "measure", *(f"from {c}" for c in _LIMIT), *(f"to {c}" for c in _LIMIT),
                    "direction")),
    ("Criteria", (*_HEAD, "indication", "change", "from", "to")),
    ("Codes", (*_HEAD, "indication", "change", "code")),
    ("Exclusions", (*_HEAD, "change", "not covered", "kind")),
)
"""The diff's sheets and their columns; a Codes row with no indication is a change to the policy's own list."""
_STRICTER_COLUMNS = tuple(range(10, 14))
"""The Thresholds columns (from 1) of the newer limit, filled when it is stricter."""


def _diff_sheets(wb: Workbook, diffs: Sequence[VersionDiff]) -> None:
    parts: list[list[tuple]] = [[] for _ in SHEETS]
    for d in diffs:
        for bucket, rows in zip(parts, _diff_rows(d)):
            bucket += rows
    for (title, header), rows in zip(SHEETS, parts):
        ws = _sheet(wb, title, header, rows)
        if title == "Thresholds":
            for r, row in enumerate(rows, start=2):
                if row[-1] == "stricter":
                    for col in _STRICTER_COLUMNS:
                        ws.cell(row=r, column=col).fill = STRICTER


_COUNTS = ("stricter", "looser", "indications_added", "indications_removed", "exclusions_added",
           "exclusions_removed")
"""`VersionDiff.counts()` in the order the sheets show them."""


def _count_heads() -> list[str]:
    return [c.replace("exclusions", "not covered").replace("_", " ") for c in _COUNTS]


def diff_xlsx(d: VersionDiff) -> bytes:
    wb = Workbook()
    counts = d.counts()
    _sheet(wb, "Summary", ["payer", "policy", "title", "from", "to", "material", *_count_heads(), "read unevenly"],
           [(d.payer, d.policy, d.new_title, d.old_effective or d.old_rev, d.new_effective or d.new_rev, d.material,
             *(counts[c] for c in _COUNTS), d.reading.sentence() if d.reading else None)])
    _diff_sheets(wb, [d])
    return _bytes(wb)


class _StreamedSheet:
    """A write-only sheet (openpyxl's constant-memory mode): rows go to disk as they are appended, so a
    report over thousands of versions never holds its cells. Column widths are set up front from the
    header, since a streamed sheet cannot be measured afterwards."""

    def __init__(self, wb: Workbook, title: str, header: Sequence[str], wide: Sequence[str] = ()):
        self.ws = wb.create_sheet(title[:31])
        self.ws.freeze_panes = "A2"
        for k, name in enumerate(header, start=1):
            self.ws.column_dimensions[get_column_letter(k)].width = 40 if name in wide else max(len(name) + 2, 12)
        self.ws.append([self._cell(h, font=_BOLD) for h in header])

    def _cell(self, value: Any, font: Font | None = None, fill: PatternFill | None = None) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.ws, value=_cell_value(value))
        if cell.data_type == "f":  # a text that looks like a formula stays text
            cell.data_type = "s"
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        return cell

    def append(self, row: Sequence[Any], filled: Sequence[int] = ()) -> None:
        """One row; the columns numbered in `filled` (from 1) get the stricter fill."""
        self.ws.append([self._cell(v, fill=STRICTER if k in filled else None) for k, v in enumerate(row, start=1)])


_WIDE = ("payer", "policy", "title", "indication", "from", "to")


def write_report_xlsx(r: Report, out: IO[bytes]) -> None:
    """The report as a workbook, streamed: each version's rows are written as its diff is made."""
    wb = Workbook(write_only=True)
    head = ["payer", "policy", "title", "from", "to", "material", *_count_heads(), "read unevenly"]
    totals = list(summarize(r.reviewed, []))
    summary = _StreamedSheet(wb, "Summary", ["since", "until", *totals])
    changes = _StreamedSheet(wb, "Changes", head, _WIDE)
    sheets = [_StreamedSheet(wb, title, header, _WIDE) for title, header in SHEETS]
    entries = []
    for d in r.diffs:
        if not d:
            continue
        entry = ReportEntry.of(d)
        entries.append(entry)
        changes.append((d.payer, d.policy, d.new_title, d.old_effective, d.new_effective, d.material,
                        *(entry.counts[c] for c in _COUNTS), d.reading.sentence() if d.reading else None))
        for k, (sheet, rows) in enumerate(zip(sheets, _diff_rows(d))):
            for row in rows:
                sheet.append(row, filled=_STRICTER_COLUMNS if k == 1 and row[-1] == "stricter" else ())
    summary.append((r.since, r.until, *(summarize(r.reviewed, entries)[t] for t in totals)))
    wb.save(out)


def report_xlsx(r: Report) -> bytes:
    buffer = io.BytesIO()
    write_report_xlsx(r, buffer)
    return buffer.getvalue()


__all__ = ["compare_xlsx", "diff_xlsx", "report_xlsx", "write_report_xlsx", "STRICTER"]
