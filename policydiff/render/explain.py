"""`extract --explain`: every line of the document with what each stage decided about it, and the rule."""
from __future__ import annotations

import json

from ..normalized.explained import STAGES, Decision, Explained
from .markup import plain_text, terminal_safe
from .policy import reading_line


def _by_line(e: Explained) -> dict[tuple[int | None, int], list[Decision]]:
    out: dict[tuple[int | None, int], list[Decision]] = {}
    for d in e.decisions:
        if d.source is not None:
            out.setdefault((d.source.page, d.source.line), []).append(d)
    for decisions in out.values():
        decisions.sort(key=lambda d: STAGES.index(d.stage))
    return out


def _lines(e: Explained) -> list[tuple[int | None, int, str, list[Decision]]]:
    """Each line once (a text line split into sentences is one line), with its decisions."""
    decided = _by_line(e)
    out: list[tuple[int | None, int, str, list[Decision]]] = []
    seen: set[tuple[int | None, int]] = set()
    for page, line, text in e.lines:
        key = (page, line)
        if key in seen:
            out[-1] = (page, line, f"{out[-1][2]} {text}", out[-1][3])
            continue
        seen.add(key)
        out.append((page, line, text, decided.get(key, [])))
    return out


@terminal_safe
def render_text(e: Explained) -> str:
    p = e.policy
    out = [f"{p.document.name}: {p.kind.replace('_', ' ')}; {reading_line(p.accounting)}", ""]
    for page, line, text, decisions in _lines(e):
        where = (f"p{page} " if page is not None else "") + f"l{line}"
        out.append(f"{where:<9} {plain_text(text)[:100]}")
        for d in decisions:
            out.append(f"{'':9}   {d.stage:<10} {plain_text(d.decision)}  [{d.rule}]")
    return "\n".join(out) + "\n"


def render_json(e: Explained) -> str:
    lines = [{"page": page, "line": line, "text": text,
              "decisions": [{"stage": d.stage, "decision": d.decision, "rule": d.rule} for d in decisions]}
             for page, line, text, decisions in _lines(e)]
    return json.dumps({"document": e.policy.document.name, "kind": e.policy.kind, "lines": lines}, indent=2,
                      ensure_ascii=False) + "\n"


RENDERERS = {"text": render_text, "json": render_json}
