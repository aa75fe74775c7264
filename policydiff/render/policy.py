"""One normalized policy as an analyst reads it: Markdown or plain text.

Policy text is untrusted: in Markdown every piece of it is escaped so a
crafted policy cannot inject links, HTML or table breaks into a report.
"""
from __future__ import annotations

from collections.abc import Callable

from ..diffs.limits import format_limit
from ..normalized.schema import Criterion, Group, Indication, Policy
from .markup import md_escape, terminal_safe


def _tree_lines(group: Group, depth: int, escape: Callable[[str | None], str]) -> list[str]:
    out: list[str] = []
    pad = "  " * depth
    for item in group.items:
        if isinstance(item, Group):
            lead = f" {escape(item.text)}" if item.text else ""
            out.append(f"{pad}- **{item.phrase}**{lead}" if escape is md_escape
                       else f"{pad}- [{item.phrase}]{lead}")
            out += _tree_lines(item, depth + 1, escape)
        else:
            out.append(f"{pad}- {_criterion_line(item, escape)}")
    return out


def _criterion_line(c: Criterion, escape: Callable[[str | None], str]) -> str:
    parts = [escape(c.text)]
    if c.thresholds:
        parts.append("[" + "; ".join(f"{t.measure} {format_limit(t)}" for t in c.thresholds) + "]")
    if c.negated:
        parts.append("(negated)")
    if c.source:
        page = f"p{c.source.page} " if c.source.page else ""
        parts.append(f"({page}line {c.source.line})")
    return " ".join(parts)


def _indication_md(ind: Indication) -> list[str]:
    out = [f"### {md_escape(ind.label)}", "", f"- key: `{ind.key}`; status: {ind.status.replace('_', ' ')}"]
    if ind.codes:
        out.append(f"- codes: {', '.join(ind.codes)}")
    out.append(f"- criteria: **{ind.criteria.phrase}**" + (f" {md_escape(ind.criteria.text)}"
                                                                  if ind.criteria.text else ""))
    out += _tree_lines(ind.criteria, 1, md_escape)
    out.append("")
    return out


def render_markdown(policy: Policy) -> str:
    title = policy.title or policy.document.name or "Policy"
    out = [f"# {md_escape(title)}", ""]
    meta = [("Payer", policy.payer), ("Policy", policy.policy_id)] + [
        (k.capitalize(), v) for k, v in (("effective", policy.dates.effective), ("revised", policy.dates.revised),
                                         ("reviewed", policy.dates.reviewed), ("original", policy.dates.original))]
    out += [f"- {k}: {md_escape(v)}" for k, v in meta if v]
    out += ["", f"## Indications ({len(policy.indications)})", ""]
    for ind in policy.indications:
        out += _indication_md(ind)
    if policy.exclusions:
        out += [f"## Not covered ({len(policy.exclusions)})", ""]
        for ind in policy.exclusions:
            out.append(f"- {md_escape(ind.label)} ({ind.status.replace('_', ' ')})")
        out.append("")
    if policy.sections:
        # Why text was or was not read: only coverage sections give indications.
        read = [sum(1 for i in policy.indications if i.section == n) for n in range(len(policy.sections))]
        out += ["## Sections", "", "| section | role | pages | indications |", "| --- | --- | --- | --- |"]
        out += [f"| {md_escape(s.heading) or '(untitled)'} | {s.role.replace('_', ' ')} | "
                f"{'-'.join(map(str, s.pages)) if s.pages else ''} | {read[n] or ''} |"
                for n, s in enumerate(policy.sections)]
        out.append("")
    if policy.codes:
        out += ["## Codes", "", "| system | code | prior auth | description |", "| --- | --- | --- | --- |"]
        out += [f"| {c.system} | {c.code} | {'yes' if c.prior_auth else ''} | {md_escape(c.description)} |"
                for c in policy.codes]
        out.append("")
    if policy.warnings:
        out += ["## Warnings", ""] + [f"- {md_escape(w)}" for w in policy.warnings] + [""]
    return "\n".join(out)


@terminal_safe
def render_text(policy: Policy) -> str:
    def plain(text: str | None) -> str:
        return (text or "").replace("\n", " ")

    out = [policy.title or policy.document.name or "Policy"]
    meta = [("payer", policy.payer), ("policy", policy.policy_id), ("effective", policy.dates.effective),
            ("revised", policy.dates.revised), ("reviewed", policy.dates.reviewed)]
    out.append("  ".join(f"{k}: {v}" for k, v in meta if v))
    out.append("")
    for ind in policy.indications:
        codes = f"  codes {', '.join(ind.codes)}" if ind.codes else ""
        out.append(f"{ind.label}  [{ind.key}]{codes}")
        out.append(f"  {ind.criteria.phrase}:")
        out += ["  " + line for line in _tree_lines(ind.criteria, 1, plain)]
        out.append("")
    for ind in policy.exclusions:
        out.append(f"NOT COVERED ({ind.status.replace('_', ' ')}): {ind.label}")
    if policy.sections:
        out.append("")
        out += [f"section [{s.role}] {plain(s.heading) or '(untitled)'}" for s in policy.sections]
    if policy.codes:
        out.append("")
        out.append("codes: " + ", ".join(c.code + (" (PA)" if c.prior_auth else "") for c in policy.codes))
    for w in policy.warnings:
        out.append(f"warning: {w}")
    return "\n".join(out) + "\n"
