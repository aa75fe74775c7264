"""PDF → `Line`s with page, position, font size and weight. The one module that touches PDF libraries.

Speed: characters, boxes and fonts come from PDFium (pypdfium2), about 50×
faster than pdfminer, which pdfplumber builds on. PDFium already joins
characters into lines; we ask it only for each line's first and last
character box and font, not for every character. Cells of one table row are
joined by their shared baseline, so code tables read as "code  description"
lines without a table finder.

What the text layer does not say, the page's drawing does, and one pass over
the page objects reads it:
- a "<" or ">" with a short rule drawn under it is "≤" / "≥" (Word's way of
  typing them);
- a small square image or shape just left of a line is a list bullet (Word
  and browsers often draw bullets instead of writing a glyph).
Font sizes are the size as drawn (the font size times the text matrix's
scale), because many generators set size 1 and scale the matrix.

Labels set in a left column beside the body ("Coverage Determination" next to
its first paragraph) become their own heading lines, not the start of the
paragraph.

Every row is kept: furniture (running headers and footers, page numbers,
contents lines) is the furniture stage's decision, and headers carry the
policy number and dates. The tolerances are named in `read/tolerances.py`.
"""
from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ...budget import DEFAULT, Budget, over
from ...errors import ExtractionError
from ...normalized.lexicon import table_header_cell
from ..markers import BULLET_ONLY, GLUED_CONNECTOR, LEADING_MARKER
from ..types import Document, Line
from .clean import clean_text
from .pdfscan import scan
from .tables import Grid, TableFinder, ruled_grid_likely
from .tolerances import PDF


@dataclass
class _Row:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    text_x: float
    """Where the text after a list marker begins (x0 when there is no marker)."""
    start: int = -1
    """Index of the row's first character in the page's text (for looking up more character boxes)."""
    weight: int = 400
    """The font weight PDFium reports (400 regular, 700 bold); see `_emphasis`."""
    cell: tuple[int, int, int] | None = None
    """(table, row, column) when the row stands in a cell of a ruled table."""
    header: bool = False
    """The row is in a table's header: its first rows, set in bold, naming the columns."""


def pdf_document(data: bytes, name: str, digest: str, budget: Budget = DEFAULT) -> Document:
    try:
        measured = scan(data, budget)
    except ExtractionError as exc:
        raise ExtractionError(f"{name}: {exc}") from None
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ExtractionError(f"{name}: {_why_unreadable(data, str(exc))}") from None
    try:
        n_pages = len(pdf)
        if n_pages == 0:
            raise ExtractionError(f"{name}: PDF has no pages")
        held = measured.page_objects(data, enough=n_pages) if n_pages > 1 else 0
        if held and n_pages > held:
            raise ExtractionError(f"{name}: its page tree lists {n_pages} pages but the file holds "
                                  f"{held} page object(s): the tree lists pages more than once or loops "
                                  f"(amplification); not read")
        if n_pages > budget.pages:
            raise ExtractionError(f"{name}: " + over(f"has {n_pages} pages", "pages", budget))
        pages: list[list[_Row]] = []
        tables = TableFinder(data)
        numbering = [0]
        """How many tables the pages so far held: each table is numbered in document order."""
        try:
            for index in range(n_pages):
                pages.append(_page_rows(pdf, index, name, budget, tables, numbering))
        finally:
            tables.close()
    finally:
        pdf.close()
    if not any(rows for rows in pages):
        raise ExtractionError(f"{name}: no text layer on any of {n_pages} pages (scanned image?). "
                              f"Run OCR first, e.g. ocrmypdf in.pdf out.pdf")
    return Document(name, "pdf", digest, tuple(_page_lines(_emphasis(pages))), pages=n_pages)


def _emphasis(pages: list[list[_Row]]) -> list[list[_Row]]:
    """Rows set in a clearly heavier weight than the body text count as bold.

    Some fonts name no weight ("AvenirLTPro-Roman" headings over "-Book" body text): what marks a
    heading is the step up from the document's usual weight, not an absolute 600.
    """
    weights: Counter[int] = Counter()
    for rows in pages:
        for r in rows:
            weights[r.weight] += len(r.text)
    if not weights:
        return pages
    body = weights.most_common(1)[0][0]
    heavy = max(body + PDF.heavier_than_body, PDF.emphasis_weight)
    return [[replace(r, bold=True) if not r.bold and r.weight >= heavy else r for r in rows] for rows in pages]


def _why_unreadable(data: bytes, pdfium_message: str) -> str:
    """PDFium says only "failed to load"; pdfplumber (pdfminer) tells encrypted, empty and broken apart."""
    encrypted = "PDF is encrypted (password protected); decrypt it first, e.g. qpdf --decrypt in.pdf out.pdf"
    if "password" in pdfium_message.lower():
        return encrypted
    import io

    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        with pdfplumber.open(io.BytesIO(data)) as doc:
            if len(doc.pages) == 0:
                return "PDF has no pages"
    except PDFPasswordIncorrect:
        return encrypted
    except Exception:
        pass
    return f"PDF is corrupt or truncated (PDFium could not open it: {pdfium_message})"


def _page_rows(pdf: pdfium.PdfDocument, index: int, name: str, budget: Budget, tables: TableFinder,
               numbering: list[int]) -> list[_Row]:
    """One page's visual rows in reading order; page objects are released before returning."""
    try:
        page = pdf[index]
    except pdfium.PdfiumError:
        raise ExtractionError(f"{name}: page {index + 1} cannot be loaded: its page tree is broken, loops or "
                              f"nests too deeply") from None
    try:
        textpage = page.get_textpage()
    except pdfium.PdfiumError:
        page.close()
        raise ExtractionError(f"{name}: page {index + 1} has no readable text layer (PDFium failed)") from None
    try:
        height = page.get_height()
        width = page.get_width()
        text = textpage.get_text_range()
        longest = max(map(len, text.splitlines()), default=0)
        if longest > budget.line_chars:
            raise ExtractionError(f"{name}: " + over(f"page {index + 1} has a line of {longest} characters",
                                                     "line_chars", budget))
        rows = _rows_from_text(textpage, text, height)
        if rows:
            rows = _split_side_labels(textpage, rows)
            strokes, dots, rules = _drawn_marks(page, height, want_strokes="<" in text or ">" in text)
            if rules and ruled_grid_likely(rules, [(r.x0, r.top, r.x1, r.bottom) for r in rows]):
                rows = _in_cells(textpage, rows, tables.grids(index), numbering)
            if strokes:
                rows = _underlined_signs(textpage, text, rows, strokes, height)
            if dots:
                rows = _drawn_bullets(rows, dots)
        return _reading_order(rows, width)
    finally:
        textpage.close()
        page.close()


def _font(textpage, index: int) -> tuple[float, bool]:
    """(size as drawn, bold) of one character."""
    size, bold, _ = _font_weight(textpage, index)
    return size, bold


def _font_weight(textpage, index: int) -> tuple[float, bool, int]:
    """(size as drawn, bold, weight) of one character."""
    raw = textpage.raw
    size = pdfium_c.FPDFText_GetFontSize(raw, index)
    matrix = pdfium_c.FS_MATRIX()
    if pdfium_c.FPDFText_GetMatrix(raw, index, matrix):
        scale = math.hypot(matrix.c, matrix.d)
        if scale > 0:
            size *= scale
    weight = pdfium_c.FPDFText_GetFontWeight(raw, index)
    bold = weight >= PDF.bold_weight
    if not bold:
        buffer = (pdfium_c.c_char * 128)()
        flags = pdfium_c.c_int()
        n = pdfium_c.FPDFText_GetFontInfo(raw, index, buffer, 128, flags)
        font_name = bytes(buffer[: max(n - 1, 0)]).decode("latin-1", "replace").lower()
        bold = any(word in font_name for word in ("bold", "black", "heavy", "semibold", "demi"))
    return round(float(size), 1), bold, int(weight)


def _left_of(textpage, index: int, default: float) -> float:
    """The left edge of one character, or the default where PDFium has no box for it."""
    try:
        return float(textpage.get_charbox(index)[0])
    except pdfium.PdfiumError:
        return float(default)


def _rows_from_text(textpage, text: str, height: float) -> list[_Row]:
    """Split PDFium's text at its line breaks; measure each line by its first and last real character."""
    rows: list[_Row] = []
    start = 0
    n_chars = textpage.count_chars()
    for part in re.split(r"(\r\n|\n|\r)", text):
        if part in ("\r\n", "\n", "\r"):
            start += len(part)
            continue
        end = start + len(part)
        stripped = part.strip()
        if stripped and end <= n_chars:
            first = start + (len(part) - len(part.lstrip()))
            last = start + len(part.rstrip()) - 1
            try:
                l0, b0, r0, t0 = textpage.get_charbox(first)
                l1, b1, r1, t1 = textpage.get_charbox(last)
            except pdfium.PdfiumError:
                start = end
                continue
            text_x = float(l0)
            glued = GLUED_CONNECTOR.match(stripped)
            if glued:  # "-AND-ii. One ...": a centred connector drawn before the item; the item sets the indent
                l0 = _left_of(textpage, first + glued.end(), l0)
                text_x = float(l0)
                rest = LEADING_MARKER.match(stripped[glued.end():])
                if rest:
                    text_x = _left_of(textpage, first + glued.end() + rest.end(), text_x)
                marker = None
            else:
                marker = LEADING_MARKER.match(stripped)
                if marker:
                    text_x = _left_of(textpage, first + marker.end(), text_x)
            probe = first + (marker.end() if marker else 0)
            size, bold, weight = _font_weight(textpage, probe if probe <= last else first)
            if last != first:
                _, bold_last, weight_last = _font_weight(textpage, last)
                bold, weight = bold and bold_last, min(weight, weight_last)
            rows.append(_Row(stripped, float(l0), float(max(r0, r1)), float(height - max(t0, t1)),
                             float(height - min(b0, b1)), size, bold, text_x, first, weight))
        start = end
    return rows


def _split_side_labels(textpage, rows: list[_Row]) -> list[_Row]:
    """A row that starts far left of the page's body and has a wide gap after its first few words is a label
    column beside the body ("Description    A sleep study is ..."): two rows, label first."""
    body_left = statistics.median(r.x0 for r in rows)
    out: list[_Row] = []
    for row in rows:
        if row.x0 >= body_left - PDF.label_margin or row.start < 0 or " " not in row.text:
            out.append(row)
            continue
        split = None
        for m in list(re.finditer(r" +", row.text))[:PDF.label_probe_gaps]:
            try:
                before = textpage.get_charbox(row.start + m.start() - 1)[2]
                after_x = textpage.get_charbox(row.start + m.end())[0]
            except pdfium.PdfiumError:
                break
            if after_x - before > PDF.label_gap:
                split = (m.start(), m.end(), before, after_x)
                break
        if split is None:
            out.append(row)
            continue
        cut, resume, label_end, x = split
        label = replace(row, text=row.text[:cut], x1=label_end, text_x=row.x0)
        try:
            size, bold = _font(textpage, row.start + resume)
        except pdfium.PdfiumError:
            size, bold = row.size, row.bold
        out += [label, replace(row, text=row.text[resume:], x0=x, text_x=x, size=size, bold=bold,
                               start=row.start + resume)]
    return out


_Box = tuple[float, float, float, float]
"""(left, top, right, bottom) in points from the page's top-left corner."""


def _drawn_marks(page, height: float, want_strokes: bool) -> tuple[list[_Box], list[_Box], list[_Box]]:
    """Thin horizontal rules (underlines), small square shapes or images (bullets), and the thin lines and
    boxes of both directions long enough to be cell borders, drawn on the page."""
    strokes: list[_Box] = []
    dots: list[_Box] = []
    rules: list[_Box] = []
    kinds = (pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_IMAGE)
    for obj in page.get_objects(filter=kinds, max_depth=2):
        left, bottom, right, top = obj.get_bounds()
        w, h = right - left, top - bottom
        box = (left, height - top, right, height - bottom)
        if obj.type == pdfium_c.FPDF_PAGEOBJ_PATH and (h < PDF.rule_height and w > PDF.rule_span
                                                       or w < PDF.rule_height and h > PDF.rule_span):
            rules.append(box)
        if want_strokes and obj.type == pdfium_c.FPDF_PAGEOBJ_PATH and h < PDF.rule_height and w > PDF.rule_length:
            strokes.append(box)
        elif PDF.dot_min <= w <= PDF.dot_max and PDF.dot_min <= h <= PDF.dot_max \
                and PDF.dot_ratio[0] <= w / h <= PDF.dot_ratio[1]:
            dots.append(box)
    return strokes, dots, rules


def _in_cells(textpage, rows: list[_Row], grids: list[Grid], numbering: list[int]) -> list[_Row]:
    """Rows inside a ruled table, cut at the table's inner rules where the text layer ran across them, and
    each piece put in its cell."""
    if not grids:
        return rows
    first = numbering[0]
    numbering[0] += len(grids)
    out: list[_Row] = []
    for row in rows:
        k = next((k for k, g in enumerate(grids) if g.holds(row.x0, row.top, row.x1, row.bottom)), None)
        if k is None:
            out.append(row)
            continue
        grid = grids[k]
        table_row = grid.row_of(row.top)
        for piece in _cut_at(textpage, row, grid.inner_edges(table_row)):
            out.append(replace(piece, cell=(first + k, table_row, grid.column_of(piece.x0))))
    return _headers(out)


def _headers(rows: list[_Row]) -> list[_Row]:
    """A table's first rows are its header while every row of them is short and bold or made of column
    names (`words.json`, "table_headers"): a header names the columns and is never content."""
    by_row: dict[tuple[int, int], list[_Row]] = {}
    for r in rows:
        if r.cell is not None:
            by_row.setdefault(r.cell[:2], []).append(r)
    header: set[tuple[int, int]] = set()
    for (table, number), members in sorted(by_row.items()):
        named = all(table_header_cell().match(r.text.strip()) for r in members)
        if (number == 0 or (table, number - 1) in header) and (named or all(r.bold for r in members)) \
                and sum(len(r.text.split()) for r in members) <= PDF.header_words:
            header.add((table, number))
    return [replace(r, header=True) if r.cell is not None and r.cell[:2] in header else r for r in rows]


def _cut_at(textpage, row: _Row, edges: tuple[float, ...]) -> list[_Row]:
    """A row cut at each edge it runs across: the piece after an edge starts at the first character right
    of it."""
    inner = [x for x in edges if row.x0 < x - PDF.cell_slack and row.x1 > x + PDF.cell_slack]
    if not inner or row.start < 0:
        return [row]
    pieces: list[_Row] = []
    text, start, x0 = row.text, row.start, row.x0
    for edge in inner:
        cut = None
        for i, ch in enumerate(text):
            if ch.isspace() or i == 0:
                continue
            try:
                left = textpage.get_charbox(start + i)[0]
            except pdfium.PdfiumError:
                break
            if left >= edge - 1:
                cut = i
                break
        if cut is None:
            continue
        head = text[:cut].rstrip()
        try:
            head_right = textpage.get_charbox(start + len(head) - 1)[2] if head else x0
            tail_left = textpage.get_charbox(start + cut)[0]
        except pdfium.PdfiumError:
            continue
        if head:
            pieces.append(replace(row, text=head, x0=x0, x1=float(head_right), start=start,
                                  text_x=row.text_x if x0 == row.x0 else x0))
        text, start, x0 = text[cut:], start + cut, float(tail_left)
        marker = LEADING_MARKER.match(text)
        row = replace(row, text_x=_left_of(textpage, start + marker.end(), x0) if marker else x0)
    pieces.append(replace(row, text=text, x0=x0, start=start))
    return pieces


def _underlined_signs(textpage, text: str, rows: list[_Row], strokes: list[_Box], height: float) -> list[_Row]:
    """'>' with a drawn line under it means '≥' (and '<' means '≤'): Word's underline for the sign."""
    replacements: dict[tuple[int, int], str] = {}
    for m in re.finditer(r"[<>]", text):
        try:
            left, bottom, right, top = textpage.get_charbox(m.start())
        except pdfium.PdfiumError:
            continue
        glyph_bottom = height - bottom
        for s_left, s_top, s_right, _ in strokes:
            over, (times, plus), (above, below) = PDF.underline_overhang, PDF.underline_span, PDF.underline_drop
            if s_left <= left + over and s_right >= right - over and s_right - s_left < (right - left) * times + plus \
                    and glyph_bottom - above <= s_top <= glyph_bottom + below:
                replacements[(round(height - top), round(left))] = "≥" if m.group(0) == ">" else "≤"
                break
    if not replacements:
        return rows
    out = []
    for row in rows:
        text_row = row.text
        hits = [sign for (top, _), sign in sorted(replacements.items(), key=lambda kv: kv[0][1])
                if abs(top - row.top) <= PDF.underline_row]
        for sign in hits:
            plain = ">" if sign == "≥" else "<"
            text_row = text_row.replace(plain, sign, 1)
        out.append(replace(row, text=text_row))
    return out


def _drawn_bullets(rows: list[_Row], dots: list[_Box]) -> list[_Row]:
    """A row with a small drawn square just left of its first character, vertically within it, is a bullet item."""
    out = []
    for row in rows:
        slack = PDF.dot_slack
        bullet = next((d for d in dots if 0 < row.x0 - d[2] < PDF.dot_reach
                       and row.top - slack <= (d[1] + d[3]) / 2 <= row.bottom + slack
                       and d[3] - d[1] <= row.bottom - row.top + slack), None)
        if bullet is not None and not LEADING_MARKER.match(row.text):
            out.append(replace(row, text=f"• {row.text}", x0=bullet[0], text_x=row.x0))
        else:
            out.append(row)
    return out


def _reading_order(rows: list[_Row], width: float) -> list[_Row]:
    """Sort rows top to bottom, join cells of one visual row, and read two-column stretches column by column.
    A ruled table is read row by row, each row cell by cell (its rows are never joined across cells)."""
    in_cells = [r for r in rows if r.cell is not None]
    if in_cells:
        return _with_tables(_reading_order([r for r in rows if r.cell is None], width), in_cells)
    rows = sorted(rows, key=lambda r: (round(r.top / PDF.band), r.x0))
    bands: list[list[_Row]] = []
    for row in rows:
        if bands and abs(bands[-1][0].top - row.top) < PDF.band:
            bands[-1].append(row)
        else:
            bands.append([row])
    middle = width / 2
    body_left = statistics.median(r.x0 for r in rows) if rows else 0.0
    out: list[_Row] = []
    pending_right: list[_Row] = []
    for band in bands:
        band.sort(key=lambda r: r.x0)
        left = [r for r in band if r.x1 <= middle + PDF.column_slack]
        right = [r for r in band if r.x0 >= middle - PDF.column_slack]
        is_columns = (left and right and len(left) + len(right) == len(band)
                      and max(r.x1 - r.x0 for r in left) > width * PDF.column_width
                      and right[0].x0 - left[-1].x1 > PDF.column_gutter)
        if is_columns:
            out += left
            pending_right += right
            continue
        out += pending_right
        pending_right = []
        out += _band_rows(band, body_left)
    return _join_side_labels(out + pending_right, body_left)


def _with_tables(rest: list[_Row], in_cells: list[_Row]) -> list[_Row]:
    """Each table's rows, row by row and cell by cell, set into the page's other rows where the table
    starts."""
    starts: dict[int, float] = {}
    for r in in_cells:
        table = r.cell[0] if r.cell else 0
        starts[table] = min(starts.get(table, r.top), r.top)
    pending = sorted(in_cells, key=lambda r: (starts[r.cell[0] if r.cell else 0], r.cell, r.top, r.x0))
    out: list[_Row] = []
    for row in rest:
        while pending and starts[pending[0].cell[0] if pending[0].cell else 0] <= row.top:
            out.append(pending.pop(0))
        out.append(row)
    return out + pending


def _band_rows(band: list[_Row], body_left: float) -> list[_Row]:
    """One visual row: a label cell set well left of body text is a line of its own; other cells (a code and
    its description) join."""
    if len(band) >= 2 and _is_side_label(band[0], band[1], body_left):
        return [band[0], band[1] if len(band) == 2 else _merge(band[1:])]
    return [band[0]] if len(band) == 1 else [_merge(band)]


def _is_side_label(label: _Row, body: _Row, body_left: float) -> bool:
    """A short cell well left of the body, styled as a heading or standing in a column left of the page's body."""
    styled = (label.bold and not body.bold) or label.size > body.size * PDF.label_size
    in_margin = label.x0 < body_left - PDF.label_margin and body.x0 >= body_left - PDF.label_body_slack \
        and body.x0 - label.x0 > PDF.label_body_offset
    return (styled or in_margin) and body.x0 - label.x1 > PDF.label_gap and len(label.text.split()) <= PDF.label_words


def _join_side_labels(rows: list[_Row], body_left: float) -> list[_Row]:
    """A side label wrapped over two rows ("Coverage" / "Determination") is one label, read before its body."""
    out: list[_Row] = []
    i = 0
    while i < len(rows):
        row = rows[i]
        nxt = rows[i + 1] if i + 1 < len(rows) else None
        after = rows[i + 2] if i + 2 < len(rows) else None
        if nxt is not None and after is not None and _is_side_label(row, nxt, body_left) \
                and (after.bold, after.size) == (row.bold, row.size) and abs(row.top - nxt.top) < PDF.band \
                and abs(after.x0 - row.x0) < PDF.label_wrap_align and after.x1 < nxt.x0 and row.x1 < nxt.x0 \
                and len(row.text.split()) + len(after.text.split()) <= PDF.label_words_wrapped:
            out.append(replace(row, text=f"{row.text} {after.text}", bottom=after.bottom))
            out.append(nxt)
            i += 3
            continue
        out.append(row)
        i += 1
    return out


def _merge(band: list[_Row]) -> _Row:
    """Cells of one row (a code and its description, a detached bullet and its item) become one line."""
    text = band[0].text
    for prev, row in zip(band, band[1:]):
        gap = "    " if row.x0 - prev.x1 > PDF.cell_gap else " "
        text = f"{text}{gap}{row.text}"
    text_x = band[1].x0 if BULLET_ONLY.match(band[0].text) else band[0].text_x
    return _Row(text, band[0].x0, band[-1].x1, min(r.top for r in band), max(r.bottom for r in band),
                max(band, key=lambda r: len(r.text)).size, all(r.bold for r in band), text_x,
                weight=min(r.weight for r in band))


def _page_lines(pages: list[list[_Row]]) -> Iterator[Line]:
    for page_no, rows in enumerate(pages, start=1):
        for n, row in enumerate(rows, start=1):
            yield Line(clean_text(row.text), n, page_no, indent=row.x0, bold=row.bold, size=row.size, top=row.top,
                       right=row.x1, text_x=row.text_x, bottom=row.bottom, cell=row.cell,
                       table_header=row.header)
