"""How fast is `policydiff extract` on PDFs, against the parsers' own floor, measured in one run.

    python benchmarks/extract.py [--repeat 3] [--corpus ../shared/corpus]

For 5-, 40- and 200-page policy-like PDFs (made here with fpdf2), prints ms
per page for:
  - pypdfium2     bare `get_text_range()` on every page: the floor;
  - pdfplumber    bare `extract_text()` on every page: the usual way;
  - extract()     policydiff's whole pipeline, in process;
  - CLI           `policydiff extract --format json` as a subprocess (adds start-up
                  and the bounded worker that enforces the time and memory budget);
  - guards        the input budget's own work (the raw scan of compressed streams
                  for bombs, the page-object count for amplification), which
                  extract() includes: shown as a share of extract();
  - explain()     the same pipeline with the trace on (`extract --explain`), as a
                  ratio to extract(): what the trace costs when asked for (when
                  not asked for, no trace object exists at all).
Then, for the largest corpus PDF, how many times reading it reaches the regular-
expression compiler (`re._compile`, cache hits included): a pattern compiled
inside a per-line loop shows as calls proportional to the lines.
Figures are reported as ratios to the pypdfium2 floor measured in the same
run, so they compare across machines. With --corpus, the same for real PDFs.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
from fpdf import FPDF

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from policydiff.budget import DEFAULT
from policydiff.extractor import explain, extract
from policydiff.extractor.read.pdfscan import scan


def make_pdf(pages: int, path: Path) -> Path:
    pdf = FPDF(format="letter")
    pdf.set_auto_page_break(False)
    for n in range(pages):
        pdf.add_page()
        pdf.set_font("helvetica", size=8)
        pdf.cell(0, 5, f"Acme Health Plan  |  Medical Policy MP-{pages:03d}  |  Effective 01/01/2026")
        pdf.ln(8)
        pdf.set_font("helvetica", "B", 12)
        pdf.cell(0, 6, "Coverage Criteria" if n % 3 == 0 else "Background")
        pdf.ln(8)
        for k in range(24):
            pdf.set_font("helvetica", size=10)
            pdf.set_x(20 + 8 * (k % 3))
            pdf.cell(0, 8, f"{chr(65 + k % 20)}. The member has a BMI of at least {30 + k % 10} kg/m2 and age 18 "
                           f"years or older; and")
            pdf.ln(8)
        pdf.set_y(-18)
        pdf.set_font("helvetica", size=7)
        pdf.cell(0, 4, f"Confidential. Subject to the plan disclaimer.   Page {n + 1} of {pages}")
    pdf.output(str(path))
    return path


def time_it(fn, repeat: int) -> float:
    best = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best.append(time.perf_counter() - start)
    return min(best)


def bare_pdfium(path: Path) -> None:
    doc = pdfium.PdfDocument(str(path))
    for i in range(len(doc)):
        page = doc[i]
        textpage = page.get_textpage()
        textpage.get_text_range()
        textpage.close()
        page.close()
    doc.close()


def bare_pdfplumber(path: Path) -> None:
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_text()
            page.flush_cache()


def guards(path: Path, pages: int) -> None:
    """What `pdf_document` does before PDFium sees the file, with the default budget."""
    data = path.read_bytes()
    measured = scan(data, DEFAULT)
    if pages > 1:
        measured.page_objects(data, enough=pages)


def cli(path: Path) -> None:
    exe = Path(sys.executable).with_name("policydiff")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "policydiff"]
    subprocess.run(cmd + ["extract", str(path), "--format", "json"], check=True, capture_output=True)


def measure(path: Path, pages: int, repeat: int) -> dict[str, float]:
    return {
        "pypdfium2": time_it(lambda: bare_pdfium(path), repeat) * 1000 / pages,
        "pdfplumber": time_it(lambda: bare_pdfplumber(path), 1) * 1000 / pages,
        "extract()": time_it(lambda: extract(path), repeat) * 1000 / pages,
        "CLI": time_it(lambda: cli(path), repeat) * 1000 / pages,
        "guards": time_it(lambda: guards(path, pages), repeat) * 1000 / pages,
        "explain()": time_it(lambda: explain(path), 1) * 1000 / pages,
    }


def compile_calls(path: Path) -> int:
    """Calls reaching `re._compile` while one document is extracted (after a warm-up run)."""
    import re

    extract(path)
    original = re._compile  # type: ignore[attr-defined]
    calls = 0

    def counting(*args, **kwargs):
        nonlocal calls
        calls += 1
        return original(*args, **kwargs)

    re._compile = counting  # type: ignore[attr-defined]
    try:
        extract(path)
    finally:
        re._compile = original  # type: ignore[attr-defined]
    return calls


def report(rows: list[tuple[str, int, dict[str, float]]]) -> None:
    print(f"{'document':<46} {'pages':>5} {'pypdfium2':>10} {'pdfplumber':>11} {'extract()':>10} {'CLI':>8} "
          f"{'extract/floor':>14} {'CLI/floor':>10} {'pdfplumber/extract':>19} {'guards':>7} {'explain/extract':>16}")
    for name, pages, m in rows:
        print(f"{name[:46]:<46} {pages:>5} {m['pypdfium2']:>8.2f}ms {m['pdfplumber']:>9.1f}ms {m['extract()']:>8.2f}ms "
              f"{m['CLI']:>6.1f}ms {m['extract()'] / m['pypdfium2']:>13.1f}x {m['CLI'] / m['pypdfium2']:>9.1f}x "
              f"{m['pdfplumber'] / m['extract()']:>18.1f}x {100 * m['guards'] / m['extract()']:>6.1f}% "
              f"{m['explain()'] / m['extract()']:>15.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=None)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for pages in (5, 40, 200):
            path = make_pdf(pages, Path(tmp) / f"synthetic-{pages}.pdf")
            extract(path)  # warm imports and caches once, outside the timings
            rows.append((f"synthetic {pages}-page policy", pages, measure(path, pages, args.repeat)))
    if args.corpus:
        for path in sorted(args.corpus.glob("*.pdf")):
            pages = len(pdfium.PdfDocument(str(path)))
            rows.append((path.name, pages, measure(path, pages, args.repeat)))
    report(rows)
    if args.corpus:
        real = [m for name, _, m in rows if not name.startswith("synthetic")]
        total = {k: statistics.fmean(m[k] for m in real) for k in real[0]}
        print(f"\nreal PDFs, mean ms/page: pypdfium2 {total['pypdfium2']:.2f}, pdfplumber {total['pdfplumber']:.1f}, "
              f"extract() {total['extract()']:.2f} ({total['extract()'] / total['pypdfium2']:.1f}x floor), "
              f"of which the budget's guards {100 * total['guards'] / total['extract()']:.1f}%")
        largest = max((r for r in rows if not r[0].startswith("synthetic")), key=lambda r: r[1])
        calls = compile_calls(args.corpus / largest[0])
        print(f"largest corpus PDF {largest[0]} ({largest[1]} pages): {calls} calls reach re._compile")


if __name__ == "__main__":
    main()
