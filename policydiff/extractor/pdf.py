"""PDF → `Line`s with page, indent, font size and weight. The one module that touches PDF libraries.

Speed: characters, boxes and fonts come from PDFium (pypdfium2), about 50×
faster than pdfminer, which pdfplumber builds on. PDFium already joins
characters into lines; we ask it only for each line's first and last
character box and font, not for every character. Underlined comparison signs
are found from PDFium's path objects, and only on pages that have a "<" or
">" at all. Cells of one table row are joined by their shared baseline, so
code tables read as "code  description" lines without a table finder.

Furniture: running headers and footers (lines repeated near the top or
bottom of most pages), page numbers and tables of contents are removed;
`Document.raw_lines` keeps them, because headers carry the policy number and
dates.
"""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ..errors import ExtractionError
from .furniture import furniture_key, repeated_edges
from .lines import Document, Line, clean_text

_BAND = 2.5
"""Points: lines whose tops differ by less than this are one visual row."""
_TOC_LEADER = re.compile(r"(?:\.\s*){4,}\s*\d+\s*$|\s{3,}\d{1,3}\s*$")
_BULLET_ONLY = re.compile(r"^[•o\-–*▪■◦●○§]$")


@dataclass
class _Row:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool


def pdf_document(data: bytes, name: str, digest: str) -> Document:
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ExtractionError(f"{name}: {_why_unreadable(data, str(exc))}") from None
    try:
        n_pages = len(pdf)
        if n_pages == 0:
            raise ExtractionError(f"{name}: PDF has no pages")
        pages: list[list[_Row]] = []
        for index in range(n_pages):
            pages.append(_page_rows(pdf, index))
    finally:
        pdf.close()
    if not any(rows for rows in pages):
        raise ExtractionError(f"{name}: no text layer on any of {n_pages} pages (scanned image?). "
                              f"Run OCR first, e.g. ocrmypdf in.pdf out.pdf")
    raw_lines, lines = _to_lines(pages)
    return Document(name, "pdf", digest, lines, pages=n_pages, raw_lines=raw_lines)


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


def _page_rows(pdf: pdfium.PdfDocument, index: int) -> list[_Row]:
    """One page's visual rows in reading order; page objects are released before returning."""
    page = pdf[index]
    textpage = page.get_textpage()
    try:
        height = page.get_height()
        width = page.get_width()
        text = textpage.get_text_range()
        rows = _rows_from_text(textpage, text, height)
        if "<" in text or ">" in text:
            rows = _underlined_signs(page, textpage, text, rows, height)
        return _reading_order(rows, width)
    finally:
        textpage.close()
        page.close()


def _font(textpage, index: int) -> tuple[float, bool]:
    raw = textpage.raw
    size = pdfium_c.FPDFText_GetFontSize(raw, index)
    weight = pdfium_c.FPDFText_GetFontWeight(raw, index)
    bold = weight >= 600
    if not bold:
        buffer = (pdfium_c.c_char * 128)()
        flags = pdfium_c.c_int()
        n = pdfium_c.FPDFText_GetFontInfo(raw, index, buffer, 128, flags)
        font_name = bytes(buffer[: max(n - 1, 0)]).decode("latin-1", "replace").lower()
        bold = any(word in font_name for word in ("bold", "black", "heavy", "semibold", "demi"))
    return float(size), bold


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
            size, bold = _font(textpage, first)
            if bold and last != first:
                bold = _font(textpage, last)[1]
            rows.append(_Row(stripped, float(l0), float(max(r0, r1)), float(height - max(t0, t1)),
                             float(height - min(b0, b1)), size, bold))
        start = end
    return rows


def _underlined_signs(page, textpage, text: str, rows: list[_Row], height: float) -> list[_Row]:
    """'>' with a drawn line under it means '≥' (and '<' means '≤'): Word's underline for the sign."""
    strokes = []
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_PATH,), max_depth=2):
        left, bottom, right, top = obj.get_bounds()
        if top - bottom < 1.6 and right - left > 1.5:
            strokes.append((left, bottom, right, top))
    if not strokes:
        return rows
    replacements: dict[tuple[int, int], str] = {}
    for m in re.finditer(r"[<>]", text):
        try:
            left, bottom, right, top = textpage.get_charbox(m.start())
        except pdfium.PdfiumError:
            continue
        for s_left, _, s_right, s_top in strokes:
            if s_left <= left + 1.5 and s_right >= right - 1.5 and s_right - s_left < (right - left) * 4 + 6 \
                    and bottom - 3.5 <= s_top <= bottom + 1.5:
                replacements[(round(height - top), round(left))] = "≥" if m.group(0) == ">" else "≤"
                break
    if not replacements:
        return rows
    out = []
    for row in rows:
        text_row = row.text
        hits = [sign for (top, _), sign in sorted(replacements.items(), key=lambda kv: kv[0][1])
                if abs(top - row.top) <= 4]
        for sign in hits:
            plain = ">" if sign == "≥" else "<"
            text_row = text_row.replace(plain, sign, 1)
        out.append(_Row(text_row, row.x0, row.x1, row.top, row.bottom, row.size, row.bold))
    return out


def _reading_order(rows: list[_Row], width: float) -> list[_Row]:
    """Sort rows top to bottom, join cells of one visual row, and read two-column stretches column by column."""
    rows = sorted(rows, key=lambda r: (round(r.top / _BAND), r.x0))
    bands: list[list[_Row]] = []
    for row in rows:
        if bands and abs(bands[-1][0].top - row.top) < _BAND:
            bands[-1].append(row)
        else:
            bands.append([row])
    middle = width / 2
    out: list[_Row] = []
    pending_right: list[_Row] = []
    for band in bands:
        band.sort(key=lambda r: r.x0)
        left = [r for r in band if r.x1 <= middle + 6]
        right = [r for r in band if r.x0 >= middle - 6]
        is_columns = (left and right and len(left) + len(right) == len(band)
                      and max(r.x1 - r.x0 for r in left) > width * 0.28 and right[0].x0 - left[-1].x1 > 8)
        if is_columns:
            out += left
            pending_right += right
            continue
        out += pending_right
        pending_right = []
        if len(band) == 1:
            out.append(band[0])
        else:
            out.append(_merge(band))
    return out + pending_right


def _merge(band: list[_Row]) -> _Row:
    """Cells of one row (a code and its description, a detached bullet and its item) become one line."""
    text = band[0].text
    for prev, row in zip(band, band[1:]):
        gap = "    " if row.x0 - prev.x1 > 12 else " "
        text = f"{text}{gap}{row.text}"
    return _Row(text, band[0].x0, band[-1].x1, min(r.top for r in band), max(r.bottom for r in band),
                max(band, key=lambda r: len(r.text)).size, all(r.bold for r in band))


def _to_lines(pages: list[list[_Row]]) -> tuple[list[Line], list[Line]]:
    """All pages' rows → lines; the second list without running headers, footers, page numbers and TOCs."""
    raw_lines: list[Line] = []
    for page_no, rows in enumerate(pages, start=1):
        for n, row in enumerate(rows, start=1):
            raw_lines.append(Line(clean_text(row.text), n, page_no, indent=row.x0, bold=row.bold, size=row.size,
                                  top=row.top))
    furniture = repeated_edges([[(r.text, r.top, r.bottom) for r in rows] for rows in pages])
    sizes = [ln.size for ln in raw_lines if ln.size]
    body = statistics.median(sizes) if sizes else 10.0
    lines: list[Line] = []
    previous: Line | None = None
    pending_bullet: Line | None = None
    for ln in raw_lines:
        key = (ln.page, furniture_key(ln.text))
        if key in furniture or not ln.text or _TOC_LEADER.search(ln.text):
            continue
        if _BULLET_ONLY.match(ln.text):
            pending_bullet = ln
            continue
        if pending_bullet is not None and pending_bullet.page == ln.page:
            ln.text = f"• {ln.text}" if pending_bullet.text != "-" else f"- {ln.text}"
            ln.indent = pending_bullet.indent
        pending_bullet = None
        gap = ln.top - previous.top if previous is not None and previous.page == ln.page and ln.top is not None \
            and previous.top is not None else None
        spacing = (previous.size or body) * 1.9 if previous is not None else body * 1.9
        ln.blank_before = previous is None or previous.page != ln.page or gap is None or gap > spacing
        ln.heading = bool(ln.bold or (ln.size and ln.size > body * 1.15)) and len(ln.text.split()) <= 12 \
            and not ln.text.endswith((".", ";", ","))
        lines.append(ln)
        previous = ln
    return raw_lines, lines
