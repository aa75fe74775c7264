"""One `Comparison`, five renderings: terminal text, Markdown, standalone HTML, CSV, JSON.

Policy text is untrusted: Markdown escapes it, HTML goes through Jinja2 with
autoescaping, CSV cells that a spreadsheet would run as formulas are defused.
"""
from __future__ import annotations

import csv
import io
import json

from ..diffs.compare import Comparison
from ..diffs.limits import format_limit
from ..normalized.schema import Threshold, threshold_to_dict
from .markup import ENV, md_escape, plain_text, terminal_safe


def _headers(comparison: Comparison) -> list[str]:
    return [f"#{i + 1} {p.heading}" + (f" ({p.policy_id})" if p.policy_id else "")
            for i, p in enumerate(comparison.policies)]


def _summary_lines(comparison: Comparison) -> list[str]:
    """One line per policy: how its limits compare for eligibility ("#2 is stricter on 3 limits, ...")."""
    out = []
    for k, counts in enumerate(comparison.summary()):
        parts = [f"stricter on {counts['stricter']}", f"looser on {counts['looser']}"]
        if counts["same"]:
            parts.append(f"the same on {counts['same']}")
        parts.append(f"{counts['depends']} depend on other criteria")
        if counts["not_comparable"]:
            parts.append(f"{counts['not_comparable']} not comparable")
        out.append(f"#{k + 1} is " + ", ".join(parts))
    return out


def _eligibility_text(e) -> str:
    who = ", ".join(f"#{k + 1}" for k in e.policies)
    return f"{e.verdict}: {who}" if e.verdict == "stricter" and who else e.verdict


def to_json(comparison: Comparison) -> str:
    """docs/contract.md "Comparison JSON", plus roles, verdicts, alignment scores and criteria rows."""
    data = {
        "policies": [{"payer": p.payer, "policy_id": p.policy_id, "title": p.title, "source": p.source}
                     for p in comparison.policies],
        "rows": [
            {
                "key": row.key,
                "labels": row.labels,
                "alignment": [{"score": s, "method": m} for s, m in zip(row.scores, row.methods)],
                "low_confidence": row.low_confidence,
                "thresholds": [
                    {"measure": m.measure, "kind": m.kind,
                     "values": [threshold_to_dict(v) if v else None for v in m.values],
                     "roles": m.roles, "strictest": m.strictest, "verdict": m.verdict,
                     "eligibility": {"verdict": m.eligibility.verdict, "policies": list(m.eligibility.policies),
                                     "reason": m.eligibility.reason}}
                    for m in row.thresholds
                ],
                "criteria": [{"texts": c.texts, "similarity": round(c.similarity, 3)} for c in row.criteria],
            }
            for row in comparison.rows
        ],
        "summary": [{"policy": k, **counts} for k, counts in enumerate(comparison.summary())],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _cell(t: Threshold | None, role: str | None) -> str:
    if t is None:
        return "not specified"
    return format_limit(t) + (f" ({role})" if role else "")


def render_markdown(comparison: Comparison) -> str:
    heads = _headers(comparison)
    out = ["# Policy comparison", ""]
    out += [f"- {md_escape(h)} ({md_escape(p.source)})" for h, p in zip(heads, comparison.policies)]
    out += ["", "Eligibility, over every limit compared: " + "; ".join(_summary_lines(comparison)) + "."]
    out += ["", "## Indications", "", "| indication | " + " | ".join(md_escape(h) for h in heads) + " | match |",
            "| --- | " + " | ".join("---" for _ in heads) + " | --- |"]
    for row in comparison.rows:
        cells = [md_escape(label) if label else "—" for label in row.labels]
        match = "; ".join(f"{m} {s:.2f}" for s, m in zip(row.scores[1:], row.methods[1:]) if s is not None)
        match = match or "only one"
        if row.low_confidence:
            match += " (low confidence)"
        out.append(f"| `{row.key}` | " + " | ".join(cells) + f" | {match} |")
    for row in comparison.rows:
        if not row.thresholds and not row.criteria:
            continue
        title = next(label for label in row.labels if label)
        out += ["", f"### {md_escape(title)}", ""]
        if row.thresholds:
            out += ["| measure | " + " | ".join(md_escape(h) for h in heads) + " | tighter cutoff | eligibility |",
                    "| --- | " + " | ".join("---" for _ in heads) + " | --- | --- |"]
            for m in row.thresholds:
                cells = []
                for i, (v, role) in enumerate(zip(m.values, m.roles)):
                    text = md_escape(_cell(v, role))
                    cells.append(f"**{text}**" if i in m.strictest and len(m.strictest) < len(m.values) else text)
                reason = f" ({md_escape(m.eligibility.reason)})" if m.eligibility.reason else ""
                out.append(f"| {m.measure} | " + " | ".join(cells) + f" | {md_escape(m.verdict)} | "
                           f"{md_escape(_eligibility_text(m.eligibility))}{reason} |")
            out.append("")
        only = [c for c in row.criteria if sum(t is not None for t in c.texts) == 1]
        if only and len(comparison.policies) > 1:
            out.append("Criteria only one policy states:")
            out.append("")
            for c in only:
                i = next(k for k, t in enumerate(c.texts) if t is not None)
                out.append(f"- {md_escape(heads[i])}: {md_escape(c.texts[i])}")
            out.append("")
    return "\n".join(out).rstrip() + "\n"


@terminal_safe
def render_text(comparison: Comparison) -> str:
    """A terminal table: one block per indication, limits side by side."""
    heads = _headers(comparison)
    width = max(22, *(len(h) for h in heads))
    out = ["   ".join(heads), ""]
    for row in comparison.rows:
        labels = [label or "—" for label in row.labels]
        flag = "  [low-confidence match]" if row.low_confidence else ""
        out.append(f"{row.key}{flag}")
        out.append("  " + " | ".join(label.ljust(width)[:width] for label in labels))
        for m in row.thresholds:
            cells = [(format_limit(v) if v else "not specified") + (" *" if i in m.strictest and
                     len(m.strictest) < len(m.values) else "") for i, v in enumerate(m.values)]
            out.append(f"    {m.measure:<18} " + " | ".join(c.ljust(16) for c in cells) + f"  cutoff {m.verdict}")
            out.append(f"    {'':<18} eligibility {_eligibility_text(m.eligibility)}"
                       + (f": {plain_text(m.eligibility.reason)}" if m.eligibility.reason else ""))
        out.append("")
    out += _summary_lines(comparison)
    out.append("* tighter cutoff; eligibility reads each limit's role (README: How verdicts are made)")
    return "\n".join(plain_text(line) for line in out) + "\n"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe_cell(value: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas; policy text must not be able to."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def render_csv(comparison: Comparison) -> str:
    """One row per indication × measure, for spreadsheets."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    heads = [p.name for p in comparison.policies]
    header = ["indication_key", "measure", "kind"]
    for h in heads:
        header += [f"{h} label", f"{h} limit", f"{h} role"]
    header += ["strictest", "verdict", "eligibility", "eligibility reason"]
    writer.writerow([_safe_cell(c) for c in header])
    for row in comparison.rows:
        for m in row.thresholds:
            line = [row.key, m.measure, m.kind]
            for label, v, role in zip(row.labels, m.values, m.roles):
                line += [label or "", format_limit(v) if v else "not specified", role or ""]
            line += [";".join(heads[i] for i in m.strictest), m.verdict, _eligibility_text(m.eligibility),
                     m.eligibility.reason]
            writer.writerow([_safe_cell(str(c)) for c in line])
        if not row.thresholds:
            writer.writerow([_safe_cell(str(c)) for c in [row.key, "", ""] +
                             [x for label in row.labels for x in (label or "", "", "")] + ["", "", "", ""]])
    return buffer.getvalue()


def render_html(comparison: Comparison) -> str:
    """Standalone, printable HTML: inline CSS, no scripts, no external assets, every text escaped."""
    template = ENV.get_template("compare.html")
    return template.render(c=comparison, heads=_headers(comparison), fmt=lambda v: format_limit(v) if v else None,
                           eligibility=_eligibility_text, summary=_summary_lines(comparison))
