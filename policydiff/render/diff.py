"""Version diffs, annual-review reports and blame, as JSON, Markdown, text and HTML.

HTML is the Markdown rendered by markdown-it-py with raw HTML disabled, so
policy text can never inject markup, inside the same standalone, printable
page as the comparison report.
"""
from __future__ import annotations

import io
import json
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from typing import IO

from ..diffs.limits import format_limit
from ..diffs.versions import (
    BlameLine,
    GroupChange,
    Report,
    ReportEntry,
    VersionDiff,
    describe_threshold,
    status_words,
    summarize,
)
from ..normalized.schema import threshold_to_dict
from .markup import heading_id, markdown_fragment, markdown_to_html, md_escape, page, terminal_safe


def diff_to_dict(d: VersionDiff) -> dict:
    """docs/contract.md "Version diff JSON", plus logic changes, classifications, redlines and dates."""
    return {
        "policy": d.policy,
        "from": {"rev": d.old_rev, "effective": d.old_effective},
        "to": {"rev": d.new_rev, "effective": d.new_effective},
        "indications": {
            "added": [{"key": i.key, "label": i.label} for i in d.added],
            "removed": [{"key": i.key, "label": i.label} for i in d.removed],
            "changed": [
                {
                    "key": c.key, "label": c.label, "material": c.material,
                    "thresholds": [{"measure": t.measure, "from": threshold_to_dict(t.old) if t.old else None,
                                    "to": threshold_to_dict(t.new) if t.new else None, "direction": t.direction,
                                    **({"term": t.term} if t.term else {})}
                                   for t in c.thresholds],
                    "criteria": {
                        "added": [x.new for x in c.criteria if x.old is None and x.classification != "unread"],
                        "removed": [x.old for x in c.criteria if x.new is None and x.classification != "unread"],
                        "changed": [{"from": x.old, "to": x.new, "classification": x.classification,
                                     "confidence": x.confidence, "redline": [list(part) for part in x.redline]}
                                    for x in c.criteria if x.old is not None and x.new is not None],
                        "unread": [x.old or x.new for x in c.criteria if x.classification == "unread"],
                    },
                    "confidence": c.confidence,
                    "logic": [{"where": lc.where, "from": lc.old, "to": lc.new, "direction": lc.direction}
                              for lc in c.logic],
                    "groups": [{"change": g.change, "where": g.where, "logic": g.logic,
                                "role": "alternative" if g.alternative else "requirement", "direction": g.effect,
                                "criteria": list(g.criteria),
                                "thresholds": [threshold_to_dict(t) for t in g.thresholds]}
                               for g in c.groups],
                    "codes": {"added": list(c.codes_added), "removed": list(c.codes_removed)},
                }
                for c in d.changed
            ],
        },
        "codes": {"added": list(d.codes_added), "removed": list(d.codes_removed)},
        "exclusions": {
            "added": [{"key": x.key, "label": x.label, "status": x.status} for x in d.exclusions_added],
            "removed": [{"key": x.key, "label": x.label, "status": x.status} for x in d.exclusions_removed],
            "changed": [{"label": x.label, "from": x.old_status, "to": x.new_status} for x in d.exclusions_changed],
        },
        "dates": {c.slot: {"from": c.old, "to": c.new} for c in d.dates},
        "reading": None if d.reading is None else {
            "from": d.reading.old_share, "to": d.reading.new_share, "weaker": d.reading.weaker,
            "note": d.reading.sentence(), "indications_unread": {"added": list(d.unread_added),
                                                                 "removed": list(d.unread_removed)}},
        "material": d.material,
    }


def group_effect(g: GroupChange) -> str:
    """"an added alternative: looser", "a removed requirement: looser", ..."""
    return f"{'an' if g.change == 'added' else 'a'} {g.change} {'alternative' if g.alternative else 'requirement'}: " \
           f"{g.effect}"


def diff_to_json(d: VersionDiff) -> str:
    return json.dumps(diff_to_dict(d), indent=2, ensure_ascii=False) + "\n"


def _redline_md(parts: list[tuple[str, str]]) -> str:
    out = []
    for op, text in parts:
        escaped = md_escape(text)
        out.append(escaped if op == "=" else (f"~~{escaped}~~" if op == "-" else f"**{escaped}**"))
    return " ".join(out)


def _redline_text(parts: list[tuple[str, str]]) -> str:
    return " ".join(text if op == "=" else (f"[-{text}-]" if op == "-" else f"{{+{text}+}}") for op, text in parts)


def diff_markdown(d: VersionDiff, level: int = 1, titled: bool = False) -> str:
    """One version diff; `titled` heads it by the policy's title, with its store name in small print
    (the report's sections), instead of by its store name."""
    h = "#" * level
    verdict = "**material**" if d.material else "not material (wording, layout or dates only)" if d else "no changes"
    span = f"{md_escape(d.old_effective or d.old_rev)} → {md_escape(d.new_effective or d.new_rev)}"
    if titled:
        out = [f"{h} {md_escape(d.new_title or d.policy or 'Policy')}: {span}", "", f"`{d.policy}`", "",
               f"Change: {verdict}", ""]
    else:
        out = [f"{h} {md_escape(d.policy or d.new_title or 'Policy')}: {span}", "", f"Change: {verdict}", ""]
    if d.reading is not None:
        out += [f"> **Read unevenly.** {md_escape(d.reading.sentence())}", ""]
    counts = d.counts()
    if d:
        out += [f"- stricter: {counts['stricter']}, looser: {counts['looser']}; indications added: "
                f"{counts['indications_added']}, removed: {counts['indications_removed']}; not covered added: "
                f"{counts['exclusions_added']}, removed: {counts['exclusions_removed']}"]
    for i in d.added:
        out.append(f"- indication added: **{md_escape(i.label)}** (`{i.key}`)")
    for i in d.removed:
        out.append(f"- indication removed: ~~{md_escape(i.label)}~~ (`{i.key}`)")
    for label in (*d.unread_added, *d.unread_removed):
        out.append(f"- indication read in one version only (unread in the other): {md_escape(label)}")
    if d.codes_added or d.codes_removed:
        out.append(f"- codes added: {', '.join(d.codes_added) or 'none'}; removed: "
                   f"{', '.join(d.codes_removed) or 'none'}")
    if d.exclusions_added or d.exclusions_removed or d.exclusions_changed:
        out += ["", f"{h}# Not covered", "", "| change | item | kind |", "| --- | --- | --- |"]
        out += [f"| added | **{md_escape(x.label)}** | {status_words(x.status)} |" for x in d.exclusions_added]
        out += [f"| removed | ~~{md_escape(x.label)}~~ | {status_words(x.status)} |" for x in d.exclusions_removed]
        out += [f"| kind changed | {md_escape(x.label)} | {status_words(x.old_status)} → {status_words(x.new_status)} |"
                for x in d.exclusions_changed]
        out.append("")
    for dc in d.dates:
        out.append(f"- {dc.slot} date: {dc.old or 'none'} → {dc.new or 'none'} (cosmetic)")
    for c in d.changed:
        paired = f"; paired with “{md_escape(c.old_label)}”, confidence {c.confidence:.2f}" \
            if c.old_label != c.label else ""
        out += ["", f"{h}# {md_escape(c.label)}" + (" (material" if c.material else " (wording only") + paired + ")",
                ""]
        if c.thresholds:
            out += ["| measure | from | to | direction |", "| --- | --- | --- | --- |"]
            out += [f"| {t.measure} | {md_escape(format_limit(t.old)) if t.old else 'none'} | "
                    f"{md_escape(format_limit(t.new)) if t.new else 'none'} | "
                    f"{(t.term + ' (administrative term)') if t.term else t.direction} |" for t in c.thresholds]
            out.append("")
        for lc in c.logic:
            out.append(f"- logic: {md_escape(lc.where)}: {lc.old} → {lc.new} ({lc.direction})")
        for g in c.groups:
            mark = (lambda t: f"**{t}**") if g.change == "added" else (lambda t: f"~~{t}~~")
            out.append(f"- group {g.change} ({group_effect(g)}): {mark(md_escape(g.where))}")
            out += [f"  - {mark(md_escape(text))}" for text in g.criteria]
            if g.thresholds:
                out.append("  - limits: " + ", ".join(md_escape(f"{t.measure} {format_limit(t)}")
                                                      for t in g.thresholds))
        for x in c.criteria:
            if x.classification == "unread":
                out.append(f"- criterion read in one version only (unread in the other): {md_escape(x.old or x.new)}")
            elif x.old is None:
                out.append(f"- criterion added: **{md_escape(x.new)}**")
            elif x.new is None:
                out.append(f"- criterion removed: ~~{md_escape(x.old)}~~")
            else:
                out.append(f"- criterion reworded ({x.classification}, confidence {x.confidence or 1:.2f}): "
                           f"{_redline_md(x.redline)}")
        if c.codes_added or c.codes_removed:
            out.append(f"- codes added: {', '.join(c.codes_added) or 'none'}; removed: "
                       f"{', '.join(c.codes_removed) or 'none'}")
    return "\n".join(out).rstrip() + "\n"


@terminal_safe
def diff_text(d: VersionDiff) -> str:
    out = [f"{d.policy}: {d.old_effective or d.old_rev} -> {d.new_effective or d.new_rev}  "
           f"({'MATERIAL' if d.material else 'not material' if d else 'no changes'})"]
    if d.reading is not None:
        out.append(f"! read unevenly: {d.reading.sentence()}")
    out += [f"+ indication {i.label} [{i.key}]" for i in d.added]
    out += [f"- indication {i.label} [{i.key}]" for i in d.removed]
    out += [f"? indication read in one version only: {label}" for label in (*d.unread_added, *d.unread_removed)]
    out += [f"+ code {c}" for c in d.codes_added] + [f"- code {c}" for c in d.codes_removed]
    out += [f"+ not covered ({status_words(x.status)}): {x.label}" for x in d.exclusions_added]
    out += [f"- not covered ({status_words(x.status)}): {x.label}" for x in d.exclusions_removed]
    out += [f"~ not covered: {x.label}: {status_words(x.old_status)} -> {status_words(x.new_status)}"
            for x in d.exclusions_changed]
    out += [f"~ {c.slot} date {c.old} -> {c.new}" for c in d.dates]
    for c in d.changed:
        out.append(f"~ {c.label} [{c.key}]")
        out += [f"    {describe_threshold(t)}" for t in c.thresholds]
        out += [f"    logic {lc.old} -> {lc.new} ({lc.direction}): {lc.where}" for lc in c.logic]
        for g in c.groups:
            sign = "+" if g.change == "added" else "-"
            out.append(f"    {sign} group ({group_effect(g)}): {g.where}")
            out += [f"        {sign} {text}" for text in g.criteria]
            if g.thresholds:
                out.append("        limits: " + ", ".join(f"{t.measure} {format_limit(t)}" for t in g.thresholds))
        for x in c.criteria:
            if x.classification == "unread":
                out.append(f"    ? (read in one version only) {x.old or x.new}")
            elif x.old is None:
                out.append(f"    + {x.new}")
            elif x.new is None:
                out.append(f"    - {x.old}")
            else:
                out.append(f"    ~ ({x.classification}, {x.confidence or 1:.2f}) {_redline_text(x.redline)}")
        out += [f"    + code {code}" for code in c.codes_added] + [f"    - code {code}" for code in c.codes_removed]
    return "\n".join(out) + "\n"


def diff_html(d: VersionDiff) -> str:
    return markdown_to_html(diff_markdown(d), f"policydiff: {d.policy}")


# -- the annual-review report ---------------------------------------------------------------------

class _Spool:
    """Rendered report bodies set aside in a temporary file in the order they were made, read back in the
    report's order: the report's head (totals, contents) needs every version first, and memory must not."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by __exit__)
        self.where: list[tuple[int, int]] = []

    def __enter__(self) -> _Spool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.file.close()

    def put(self, text: str) -> None:
        data = text.encode("utf-8")
        self.file.seek(0, io.SEEK_END)
        self.where.append((self.file.tell(), len(data)))
        self.file.write(data)

    def get(self, index: int) -> str:
        offset, size = self.where[index]
        self.file.seek(offset)
        return self.file.read(size).decode("utf-8")



def _gather(r: Report, body: Callable[[VersionDiff], str], spool: _Spool) -> list[ReportEntry]:
    """One pass over the report's diffs: an entry kept for each changed version, its body spooled."""
    entries: list[ReportEntry] = []
    for d in r.diffs:
        if d:
            entries.append(ReportEntry.of(d))
            spool.put(body(d))
    return entries


def _by_payer(r: Report, entries: list[ReportEntry]) -> list[tuple[str, str, list[int]]]:
    """(payer slug, payer name, its changed versions as entry numbers, material first) in payer-name order."""
    names: dict[str, str] = dict(r.payers)
    groups: dict[str, list[int]] = {}
    for name in r.reviewed:
        groups.setdefault(name.split("/")[0], [])
    for k, e in enumerate(entries):
        if e.payer:
            names.setdefault(e.payer_slug, e.payer)
        groups.setdefault(e.payer_slug, []).append(k)
    for numbers in groups.values():
        numbers.sort(key=lambda k: (not entries[k].material, entries[k].title or entries[k].policy))
    return sorted(((slug, names.get(slug, slug), numbers) for slug, numbers in groups.items()),
                  key=lambda g: g[1].lower())


def write_report_json(r: Report, out: IO[str]) -> None:
    with _Spool() as spool:
        entries = _gather(r, lambda d: textwrap.indent(json.dumps(diff_to_dict(d), indent=2, ensure_ascii=False),
                                                       "    "), spool)
        head = {"since": r.since, "until": r.until, "summary": summarize(r.reviewed, entries),
                "policies_reviewed": list(r.reviewed), "changes": [0] if entries else []}
        text = json.dumps(head, indent=2, ensure_ascii=False)
        if not entries:
            out.write(text + "\n")
            return
        before, _, after = text.rpartition("\n    0\n")
        out.write(before + "\n")
        for k in range(len(entries)):
            out.write(spool.get(k) + (",\n" if k + 1 < len(entries) else "\n"))
        out.write(after + "\n")


def _report_head(r: Report, entries: list[ReportEntry], groups: list[tuple[str, str, list[int]]]) -> Iterator[str]:
    """Totals, totals per payer and the contents, in Markdown: the contents one payer a piece, so that no
    piece grows with the number of versions (each piece is rendered to HTML on its own)."""
    s = summarize(r.reviewed, entries)
    window = f"{r.since or 'the beginning'} to {r.until or 'today'}"
    out = ["# Annual review: policy changes", "", f"Versions effective from {window}.", "",
           "| policies reviewed | changed | changed materially | stricter | looser | indications added | removed "
           "| not covered added | removed |",
           "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
           f"| {s['policies_reviewed']} | {s['policies_changed']} | {s['changed_materially']} | {s['stricter']} | "
           f"{s['looser']} | {s['indications_added']} | {s['indications_removed']} | {s['exclusions_added']} | "
           f"{s['exclusions_removed']} |", ""]
    out += ["## Totals by payer", "",
            "| payer | policies reviewed | changed | changed materially | stricter | looser |",
            "| --- | --- | --- | --- | --- | --- |"]
    for slug, payer, numbers in groups:
        reviewed = sum(1 for name in r.reviewed if name.split("/")[0] == slug)
        mine = [entries[k] for k in numbers]
        out.append(f"| {md_escape(payer)} | {reviewed} | {len({e.policy for e in mine})} | "
                   f"{len({e.policy for e in mine if e.material})} | {sum(e.counts['stricter'] for e in mine)} | "
                   f"{sum(e.counts['looser'] for e in mine)} |")
    out += ["", "## Contents", ""]
    yield "\n".join(out)
    for _, payer, numbers in groups:
        if not numbers:
            continue
        contents = [f"- [{md_escape(payer)}](#{heading_id(payer)})"]
        for k in numbers:
            e = entries[k]
            heading = f"{e.title or e.policy or 'Policy'}: {e.old_effective or e.old_rev} → " \
                      f"{e.new_effective or e.new_rev}"
            contents.append(f"  - [{md_escape(e.title or e.policy)}](#{heading_id(heading)}) "
                            f"({'material' if e.material else 'not material'})")
        yield "\n" + "\n".join(contents)


def _report_pieces(r: Report) -> Iterator[str]:
    """The report's Markdown in pieces: its head, then each payer's heading and versions; bodies come back
    from the spool one at a time."""
    with _Spool() as spool:
        entries = _gather(r, lambda d: diff_markdown(d, level=3, titled=True), spool)
        groups = _by_payer(r, entries)
        yield from _report_head(r, entries, groups)
        for _, payer, numbers in groups:
            if numbers:
                yield "\n".join(["", "", f"## {md_escape(payer)}", ""])
                for k in numbers:
                    yield "\n" + spool.get(k)


def write_report_markdown(r: Report, out: IO[str]) -> None:
    """Totals, totals per payer, a table of contents, then one section per payer and policy; written as it
    is made, ending in exactly one newline."""
    held = ""
    for piece in _report_pieces(r):
        kept = piece.rstrip()
        if kept:
            out.write(held + kept)
            held = piece[len(kept):]
        else:
            held += piece
    out.write("\n")


def report_markdown(r: Report) -> str:
    return _to_string(write_report_markdown, r)


def write_report_html(r: Report, out: IO[str]) -> None:
    """The Markdown report as one standalone page, each piece rendered as it comes."""
    head, tail = page("policydiff: annual review")
    out.write(head)
    for piece in _report_pieces(r):
        out.write(markdown_fragment(piece))
    out.write(tail)


def _to_string(write: Callable[[Report, IO[str]], None], r: Report) -> str:
    buffer = io.StringIO()
    write(r, buffer)
    return buffer.getvalue()


@terminal_safe
def blame_text(rows: list[BlameLine]) -> str:
    """One line per criterion, like git blame: the version, its date, the criterion."""
    return "".join(f"{r.rev[:10]} {r.effective or '':<10}  {r.text}\n" for r in rows)
