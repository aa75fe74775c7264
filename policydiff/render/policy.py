"""One normalized policy as an analyst reads it: Markdown or plain text.

Policy text is untrusted: in Markdown every piece of it is escaped so a
crafted policy cannot inject links, HTML or table breaks into a report.
"""
from __future__ import annotations

from collections.abc import Callable

from ..diffs.limits import format_limit
from ..normalized.schema import Accounting, Criterion, Group, Indication, Policy, Source, Unread
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


def reading_line(a: Accounting) -> str:
    """"read 412 of 430 coverage lines; 18 unread: p7 l3-l20": how much of the coverage text was read."""
    if not a.coverage_lines:
        return "no coverage text to read"
    text = f"read {a.read_lines} of {a.coverage_lines} coverage lines"
    if a.unread:
        text += f"; {len(a.unread)} unread: {line_runs(a.unread)}"
    if a.unread_numbers:
        text += f"; {len(a.unread_numbers)} number(s) unread"
    return text


def line_runs(items: tuple[Unread, ...] | list[Unread], most: int = 6) -> str:
    """Unread lines as page/line runs: "p7 l3-l20, p9 l1"."""
    runs: list[list[Source]] = []
    for u in items:
        if runs and runs[-1][-1].page == u.source.page and 0 <= u.source.line - runs[-1][-1].line <= 2:
            runs[-1].append(u.source)
        else:
            runs.append([u.source])
    shown = []
    for run in runs[:most]:
        page = f"p{run[0].page} " if run[0].page is not None else ""
        shown.append(page + f"l{run[0].line}" + (f"-l{run[-1].line}" if len(run) > 1 else ""))
    return ", ".join(shown) + (f" and {len(runs) - most} more" if len(runs) > most else "")


def _where(source: Source) -> str:
    return (f"p{source.page} " if source.page is not None else "") + f"line {source.line}"


def kind_words(policy: Policy) -> str:
    return policy.kind.replace("_", " ")


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
    out.append(f"- Kind: {kind_words(policy)}")
    out.append(f"- Reading: {md_escape(reading_line(policy.accounting))}")
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
    a = policy.accounting
    if a.unread or a.unread_numbers:
        out += ["## Unread", "", md_escape(reading_line(a)), ""]
        out += [f"- {_where(u.source)}: {md_escape(u.text)} ({md_escape(u.reason)})" for u in a.unread]
        out += [f"- number at {_where(u.source)}: {md_escape(u.text)} ({md_escape(u.reason)})"
                for u in a.unread_numbers]
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
    out.append(f"kind: {kind_words(policy)}; {reading_line(policy.accounting)}")
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
    a = policy.accounting
    if a.unread or a.unread_numbers:
        out.append("")
        out += [f"unread {_where(u.source)}: {plain(u.text)} ({u.reason})" for u in a.unread]
        out += [f"unread number {_where(u.source)}: {plain(u.text)} ({u.reason})" for u in a.unread_numbers]
    for w in policy.warnings:
        out.append(f"warning: {w}")
    return "\n".join(out) + "\n"
