"""One `Comparison`, five renderings: terminal text, Markdown, standalone HTML, CSV, JSON.

Policy text is untrusted: Markdown escapes it, HTML goes through Jinja2 with
autoescaping, CSV cells that a spreadsheet would run as formulas are defused.
"""
from __future__ import annotations

import csv
import io
import json
import textwrap

from ..diffs.compare import Comparison
from ..diffs.limits import format_limit
from ..diffs.verdicts import Eligibility
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


def eligibility_text(e: Eligibility) -> str:
    """The verdict and whom it names, as every format prints it ("stricter: #2")."""
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
                           f"{md_escape(eligibility_text(m.eligibility))}{reason} |")
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


WIDTH = 100
"""Terminal text wraps here: long labels and roles continue on the next line, indented, never cut."""


def _wrapped(text: str, indent: int, hang: int = 4, width: int = WIDTH) -> list[str]:
    """One item of the text view: wrapped at `width`, its continuation lines `hang` deeper than its first."""
    return textwrap.wrap(plain_text(text), width=width, initial_indent=" " * indent,
                         subsequent_indent=" " * (indent + hang), break_long_words=True,
                         break_on_hyphens=False) or [" " * indent]


@terminal_safe
def render_text(comparison: Comparison) -> str:
    """A terminal view: one block per indication, one line per policy's label and limit (with its role,
    as every format gives it), then both verdicts; long lines wrap, nothing is cut."""
    heads = _headers(comparison)
    out: list[str] = []
    for h in heads:
        out += _wrapped(h, 0)
    out.append("")
    for row in comparison.rows:
        out += _wrapped(row.key + ("  [low-confidence match]" if row.low_confidence else ""), 0)
        for k, label in enumerate(row.labels):
            out += _wrapped(f"#{k + 1} {label or '— (no such indication)'}", 2)
        for m in row.thresholds:
            out += _wrapped(f"{m.measure} ({m.kind} bound)", 2)
            for k, (v, role) in enumerate(zip(m.values, m.roles)):
                mark = " *" if v is not None and k in m.strictest and len(m.strictest) < len(m.values) else ""
                out += _wrapped(f"#{k + 1} {_cell(v, role)}{mark}", 4)
            out += _wrapped(f"cutoff: {m.verdict}", 4)
            out += _wrapped(f"eligibility: {eligibility_text(m.eligibility)}"
                            + (f" ({m.eligibility.reason})" if m.eligibility.reason else ""), 4)
        out.append("")
    for line in _summary_lines(comparison):
        out += _wrapped(line, 0)
    out.append("* tighter cutoff; eligibility reads each limit's role (README: How verdicts are made)")
    return "\n".join(out) + "\n"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe_cell(value: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas; document text must not be able to."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def column_name(comparison: Comparison, k: int) -> str:
    """A policy as a column names it: payer, policy number (else title) and its place, so that two policies
    of one payer (or two versions of one policy) never share a column head, and a "strictest" cell names
    the policy, not only the payer."""
    p = comparison.policies[k]
    named = f"{p.name} ({p.policy_id})" if p.policy_id else p.heading
    return f"{named} #{k + 1}"


def _csv_value(t: Threshold | None) -> float | int | str:
    if t is None:
        return ""
    if isinstance(t.value, (int, float)) and not isinstance(t.value, bool):
        return t.value
    return _safe_cell(str(t.value))


def render_csv(comparison: Comparison) -> str:
    """One row per indication × measure, for spreadsheets. Each limit is four cells (op, value, unit, role),
    so numbers stay numbers and only document text needs the formula guard."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = [column_name(comparison, k) for k in range(len(comparison.policies))]
    header = ["indication_key", "measure", "kind"]
    for name in names:
        header += [f"{name} label", f"{name} op", f"{name} value", f"{name} unit", f"{name} role"]
    header += ["strictest", "verdict", "eligibility", "eligibility reason"]
    writer.writerow([_safe_cell(c) for c in header])
    for row in comparison.rows:
        keys = [_safe_cell(row.key)]
        for m in row.thresholds:
            line: list[object] = [*keys, _safe_cell(m.measure), m.kind]
            for label, v, role in zip(row.labels, m.values, m.roles):
                line += [_safe_cell(label or ""), _op(v), _csv_value(v), (v.unit or "") if v else "",
                         _safe_cell(role or "")]
            line += [_safe_cell("; ".join(names[i] for i in m.strictest)), m.verdict,
                     eligibility_text(m.eligibility), _safe_cell(m.eligibility.reason)]
            writer.writerow(line)
        if not row.thresholds:
            writer.writerow([*keys, "", ""] + [x for label in row.labels for x in (_safe_cell(label or ""), "", "", "",
                                                                                   "")] + ["", "", "", ""])
    return buffer.getvalue()


def _op(t: Threshold | None) -> str:
    """The operator as the other formats show it (never a formula: a lone "=" runs nothing)."""
    return "" if t is None else {"<=": "≤", ">=": "≥"}.get(t.op, t.op)


def render_html(comparison: Comparison) -> str:
    """Standalone, printable HTML: inline CSS, no scripts, no external assets, every text escaped."""
    template = ENV.get_template("compare.html")
    return template.render(c=comparison, heads=_headers(comparison), fmt=lambda v: format_limit(v) if v else None,
                           eligibility=eligibility_text, summary=_summary_lines(comparison))
