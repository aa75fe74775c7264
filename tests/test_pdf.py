"""The PDF path: same normalized policy as the text, page provenance, real PDFs, bad PDFs, memory."""
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from fpdf import FPDF

from policydiff.errors import ExtractionError
from policydiff.extractor import extract
from policydiff.normalized.schema import Accounting, Criterion, DocumentInfo, Group, iter_criteria

from .conftest import EXAMPLES, SHARED, need_shared, policydiff_cmd, run_cli
from .fixtures.make_pdfs import render_policy_pdf

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS_PDFS = sorted((SHARED / "corpus").glob("*.pdf")) if SHARED.is_dir() else []


def without_provenance(policy):
    """The policy with sources and document info blanked, so PDF and text versions can be compared."""
    def strip(node):
        if isinstance(node, Group):
            return replace(node, source=None, items=tuple(strip(i) for i in node.items))
        return replace(node, source=None)
    return replace(policy, document=DocumentInfo(),
                   indications=tuple(replace(i, source=None, criteria=strip(i.criteria)) for i in policy.indications),
                   exclusions=tuple(replace(i, source=None, criteria=strip(i.criteria)) for i in policy.exclusions),
                   sections=tuple(replace(s, pages=None) for s in policy.sections),
                   accounting=Accounting())  # its lines are the layout's: a PDF's and a text's differ


@pytest.mark.parametrize("stem", ["northwind__bariatric-surgery__2025-03-01", "northwind__bariatric-surgery__2026-03-01"])
def test_example_pdf_and_text_give_the_same_policy(stem):
    from_pdf = extract(FIXTURES / f"{stem}.pdf")
    from_text = extract(EXAMPLES / f"{stem}.txt")
    assert from_pdf.document.format == "pdf" and from_pdf.document.pages >= 2
    assert without_provenance(from_pdf) == without_provenance(from_text)
    assert from_pdf.accounting.complete and from_text.accounting.complete


def test_every_pdf_criterion_carries_its_page():
    policy = extract(FIXTURES / "northwind__bariatric-surgery__2025-03-01.pdf")
    nodes = [n for ind in policy.indications for n, _ in iter_criteria(ind.criteria) if isinstance(n, Criterion)]
    assert nodes and all(n.source.page is not None and n.source.page >= 1 for n in nodes)


def test_underlined_sign_reads_as_or_equal():
    """The fixture draws '≥' as an underlined '>', as Word policies do."""
    policy = extract(FIXTURES / "northwind__bariatric-surgery__2025-03-01.pdf")
    bmi = [t for ind in policy.indications for n, _ in iter_criteria(ind.criteria) for t in n.thresholds
           if t.measure == "bmi" and t.op != "between"]
    assert bmi and all(t.op == ">=" for t in bmi)


def test_running_header_footer_and_page_numbers_are_gone():
    from policydiff.extractor import furniture
    from policydiff.extractor.read import read_document

    doc = read_document(FIXTURES / "northwind__bariatric-surgery__2025-03-01.pdf")
    cleaned = furniture.clean(doc)
    text = " ".join(ln.text for ln in cleaned.kept)
    assert "Printed copies are uncontrolled" not in text and "Page 1 of" not in text
    assert "Medical Coverage Policy NW-SURG-114  |" not in text
    reasons = {r.line.text: r.reason for r in cleaned.removed}
    assert any(t.startswith("Page 1 of") for t in reasons) and "repeated_row" in reasons.values()
    assert len(cleaned.kept) + len(cleaned.removed) == len(doc.lines)  # every line is kept or removed with a reason


def test_code_table_rows_keep_code_and_description_together():
    policy = extract(FIXTURES / "northwind__bariatric-surgery__2025-03-01.pdf")
    codes = {c.code: c for c in policy.codes}
    assert codes["43775"].description == "Laparoscopic sleeve gastrectomy" and codes["43775"].prior_auth


def _seed_gold(shared: Path, tmp: Path, seed: str, gold_name: str) -> Path:
    text = (shared / "seeds" / seed).read_text(encoding="utf-8")
    pdf = render_policy_pdf(text, tmp / (Path(seed).stem + ".pdf"), "Corporate Medical Policy (seed rendering)",
                            "This document is subject to the disclaimer found on the payer site.",
                            two_column_references=False)
    gold = json.loads((shared / "gold" / gold_name).read_text())
    gold["document"] = pdf.name
    out = tmp / "gold" / gold_name
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(gold))
    return out


def test_seeds_rendered_as_pdf_score_as_their_text(tmp_path):
    shared = need_shared()
    golds = [_seed_gold(shared, tmp_path, "medical-mutual__cryoablation__2024-07-12.txt",
                        "medical-mutual__cryoablation__2024-07-12.json"),
             _seed_gold(shared, tmp_path, "aspirus__cryoablation.txt", "aspirus__cryoablation.json")]
    proc = subprocess.run([sys.executable, str(shared / "tools" / "score.py"), "extract", *map(str, golds),
                           "--root", str(tmp_path), "--cmd", " ".join(policydiff_cmd()), "--every", "1.0"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout


def test_real_fep_pdfs_score_perfectly_against_gold():
    """The documents the extractor was first built on stay exact; the rest of the gold is a ratchet (test_gold)."""
    shared = need_shared()
    proc = subprocess.run([sys.executable, str(shared / "tools" / "score.py"), "extract",
                           *map(str, sorted((shared / "gold").glob("fep-bcbsa__ibrance*.json"))),
                           "--cmd", " ".join(policydiff_cmd()), "--every", "1.0"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout


def test_corpus_pdfs_present_in_ci():
    need_shared()
    assert len(CORPUS_PDFS) >= 17


# -- bad PDFs -------------------------------------------------------------------------------------

def _simple_pdf(path: Path, text: str | None = "Policy", pages: int = 1, **encryption) -> Path:
    pdf = FPDF()
    if encryption:
        pdf.set_encryption(**encryption)
    for _ in range(pages):
        pdf.add_page()
        if text:
            pdf.set_font("helvetica", size=12)
            pdf.cell(0, 10, text)
        else:
            pdf.rect(20, 20, 100, 60, style="F")  # a "scan": marks on the page, no text
    pdf.output(str(path))
    return path


def _one_line_error(path: Path) -> str:
    proc = run_cli("extract", str(path), check_codes=(2,))
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr and path.name in lines[0], proc.stderr
    return lines[0]


def test_encrypted_pdf(tmp_path):
    path = _simple_pdf(tmp_path / "locked.pdf", owner_password="owner", user_password="secret")
    assert "encrypted" in _one_line_error(path)


def test_image_only_pdf(tmp_path):
    path = _simple_pdf(tmp_path / "scan.pdf", text=None, pages=3)
    message = _one_line_error(path)
    assert "no text layer on any of 3 pages" in message and "ocrmypdf" in message


def test_truncated_pdf(tmp_path):
    good = _simple_pdf(tmp_path / "good.pdf").read_bytes()
    bad = tmp_path / "truncated.pdf"
    bad.write_bytes(good[: len(good) // 3])
    assert "corrupt or truncated" in _one_line_error(bad)


def test_not_a_pdf_despite_its_name(tmp_path):
    path = tmp_path / "policy.pdf"
    path.write_text("<html><body>404 Not Found</body></html>")
    assert "not a PDF" in _one_line_error(path)


def test_zero_page_pdf(tmp_path):
    path = tmp_path / "empty.pdf"
    head = b"%PDF-1.4\n"
    obj1 = b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    obj2 = b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    body = head + obj1 + obj2
    xref_at = len(body)
    body += (b"xref\n0 3\n0000000000 65535 f \n" + b"%010d 00000 n \n" % len(head)
             + b"%010d 00000 n \n" % (len(head) + len(obj1))
             + b"trailer << /Size 3 /Root 1 0 R >>\nstartxref\n" + str(xref_at).encode() + b"\n%%EOF\n")
    path.write_bytes(body)
    assert "no pages" in _one_line_error(path)


def test_errors_are_exceptions_in_the_library(tmp_path):
    with pytest.raises(ExtractionError, match="no text layer"):
        extract(_simple_pdf(tmp_path / "scan.pdf", text=None))


def test_500_page_pdf_stays_under_300_mb(tmp_path):
    pdf = FPDF()
    pdf.set_font("helvetica", size=10)
    for n in range(500):
        pdf.add_page()
        pdf.cell(0, 8, f"Acme Health Medical Policy 123  Page {n + 1} of 500")
        pdf.ln(10)
        for k in range(30):
            pdf.cell(0, 6, f"{k + 1}. Criterion {k} on page {n}: the member has tried therapy for at least {k % 9 + 1} months")
            pdf.ln(6)
    path = tmp_path / "big.pdf"
    pdf.output(str(path))
    code = ("import resource, sys; from policydiff.extractor import extract; p = extract(sys.argv[1]); "
            "print(p.document.pages, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    pages, peak_kb = map(int, proc.stdout.split())
    assert pages == 500 and peak_kb < 300 * 1024, f"peak RSS {peak_kb / 1024:.0f} MB"


def test_two_column_page_reads_column_by_column():
    """The fixture's references page is set in two columns; its text must come out in reading order."""
    from policydiff.extractor import furniture
    from policydiff.extractor.read import read_document

    doc = read_document(FIXTURES / "northwind__bariatric-surgery__2025-03-01.pdf")
    kept = furniture.clean(doc).kept
    last_page = max(ln.page for ln in kept)
    rows = [ln for ln in kept if ln.page == last_page]
    lefts = [ln for ln in rows if ln.indent < 200]
    rights = [ln for ln in rows if ln.indent >= 200]
    assert lefts and rights, "the page should have two columns"
    order = [id(ln) for ln in rows]
    assert max(order.index(id(ln)) for ln in lefts) < min(order.index(id(ln)) for ln in rights)
    text = " ".join(ln.text for ln in rows)
    assert text.index("Example reference list") < text.index("Further reading")
