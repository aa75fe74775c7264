"""The pages of `policydiff site`: index, policy, topic, what changed, stored text.

Nothing here decides a verdict or reads the store: the workflow (`policydiff.site`) hands over policies,
version diffs and comparisons that `diffs/` computed, and these functions lay them out.

Policy text is untrusted. Every page is a Jinja2 template with autoescaping, and every value printed is
first made visible (control and direction-override characters shown as escapes, `markup.plain_text`).
Each page carries a Content-Security-Policy that allows only the site's own stylesheet and script
(`static/site.css`, `static/site.js`): no inline script, no inline style, nothing fetched from elsewhere,
so a `<script>` in a policy title is text. Range bars are SVG drawn here, at build time, with presentation
attributes only, so a page shows them with no script at all and opens the same from file:// or any host.
"""
from __future__ import annotations

import html
import math
import posixpath
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from ..diffs.compare import Comparison, MeasureRow
from ..diffs.limits import format_limit
from ..diffs.verdicts import is_administrative
from ..diffs.versions import VersionDiff, describe_threshold
from ..normalized.scales import admitted, scale_for
from ..normalized.schema import Criterion, Group, Indication, Policy, Source, Threshold
from ..normalized.text import CONTROLS, FORMATTING, one_line
from .markup import plain_text

CSP = ("default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; base-uri 'none'; "
       "form-action 'none'")
"""Only this site's own files: no inline script or style, no other origin. Set in a <meta> element, so it
holds on file:// and on any static host without server configuration."""

STATIC = ("site.css", "site.js")
"""Files under `static/` that every page links to, copied into the site's `static/` folder."""


def _shown(value: Any) -> Any:
    """Every `{{ value }}`: None prints as nothing; text is made visible before Jinja escapes it."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return value if value.isprintable() else plain_text(value)  # isprintable: no control or format char
    return value


ENV = Environment(loader=PackageLoader("policydiff.render", "templates"), autoescape=select_autoescape(["html"]),
                  trim_blocks=True, lstrip_blocks=True, finalize=_shown)


def static_file(name: str) -> bytes:
    return resources.files(__package__).joinpath("static").joinpath(name).read_bytes()


# -- where pages live ---------------------------------------------------------------------------------------

def policy_path(name: str) -> str:
    return f"policies/{name}.html"


def source_path(name: str, rev: str) -> str:
    return f"sources/{name}/{rev[:12]}.html"


def topic_path(slug: str) -> str:
    return f"topics/{slug}.html"


def href(page: str, target: str, anchor: str | None = None) -> str:
    """A link from one page of the site to another, relative, so the site works from any folder or host."""
    rel = posixpath.relpath(target, posixpath.dirname(page) or ".")
    return rel + (f"#{anchor}" if anchor else "")


def _root(page: str) -> str:
    depth = page.count("/")
    return "../" * depth


# -- a stored version, as pages name it ------------------------------------------------------------------------

@dataclass(frozen=True)
class Stamp:
    rev: str
    effective: str | None
    date_source: str | None = None

    @property
    def short(self) -> str:
        return self.rev[:12]

    @property
    def anchor(self) -> str:
        return f"v-{self.short}"

    @property
    def captured(self) -> bool:
        return self.date_source == "capture date"


def criterion_id(stamp: Stamp, indication: int, path: Sequence[int]) -> str:
    """The anchor of one node of a version's criteria tree: version, indication, 1-based tree path ("0" for
    the indication's own group)."""
    return f"{stamp.anchor}-i{indication + 1}-" + (".".join(str(p) for p in path) or "0")


def tree_paths(group: Group, prefix: tuple[int, ...] = ()):
    """(node, 1-based path) for every node under `group`, depth first (the export's tree paths too)."""
    for n, item in enumerate(group.items, start=1):
        yield item, prefix + (n,)
        if isinstance(item, Group):
            yield from tree_paths(item, prefix + (n,))


def provenance(source: Source | None) -> str:
    if source is None:
        return ""
    return f"p. {source.page}, line {source.line}" if source.page is not None else f"line {source.line}"


# -- the criteria tree ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Node:
    id: str
    group: bool
    phrase: str
    text: str
    limits: tuple[tuple[str, str], ...]
    """(css class, text) per threshold: "limit", "example" or "administrative"."""
    negated: bool
    provenance: str
    line: int | None
    """Line of the stored text where this node's words are, for the link (None: not found there)."""
    children: tuple[Node, ...] = ()


def _limit_chip(t: Threshold) -> tuple[str, str]:
    text = f"{t.measure} {format_limit(t)}"
    if t.example:
        return "example", text + " (an example, not a requirement)"
    if is_administrative(t.measure):
        return "administrative", text + " (administrative term)"
    return "limit", text


class _Finder:
    """Where a node's words are in the stored text. Provenance (page, line) is the document's; the stored
    text has lost blank lines and page breaks, so the link finds the words instead, in document order."""

    def __init__(self, text: str):
        self.lines = [_squash(line) for line in text.splitlines()]
        self.at = 0

    def find(self, words: str) -> int | None:
        probe = _squash(words)[:48]
        if len(probe) < 8:
            return None
        for start in (self.at, 0):
            for n in range(start, len(self.lines)):
                if probe[:24] in self.lines[n] and probe in " ".join(self.lines[n:n + 3]):
                    self.at = n
                    return n + 1
        return None


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _node(item: Criterion | Group, stamp: Stamp, indication: int, path: tuple[int, ...], finder: _Finder) -> Node:
    ident = criterion_id(stamp, indication, path)
    line = finder.find(item.text) if item.text else None
    if isinstance(item, Group):
        children = tuple(_node(child, stamp, indication, path + (n,), finder)
                         for n, child in enumerate(item.items, start=1))
        return Node(ident, True, item.phrase, item.text, tuple(_limit_chip(t) for t in item.thresholds), False,
                    provenance(item.source), line, children)
    return Node(ident, False, "", item.text, tuple(_limit_chip(t) for t in item.thresholds), item.negated,
                provenance(item.source), line)


def tree_html(node: Node, source: str) -> Markup:
    """A criteria tree as nested lists (built here, not in a template macro: a store has many trees)."""
    out: list[str] = []

    def emit(n: Node) -> None:
        classes = ("group" if n.group else "criterion") + (" negated" if n.negated else "")
        out.append(f'<li id="{_escaped(n.id)}" class="{classes}">')
        if n.group:
            out.append(f'<span class="logic">{_escaped(n.phrase)}</span> ')
        if n.text:
            out.append(f'<span class="text">{_escaped(one_line(n.text))}</span>')
        for cls, chip in n.limits:
            out.append(f' <span class="chip {cls}">{_escaped(chip)}</span>')
        if n.negated:
            out.append(' <span class="chip negated">stated as an exclusion</span>')
        if n.provenance:
            target = source + (f"#L{n.line}" if n.line else "")
            out.append(f' <a class="prov" href="{_escaped(target)}" title="in the stored text">'
                       f'{_escaped(n.provenance)}</a>')
        if n.children:
            out.append("<ul>")
            for child in n.children:
                emit(child)
            out.append("</ul>")
        out.append("</li>\n")

    emit(node)
    return Markup("".join(out))


def tree(ind: Indication, stamp: Stamp, indication: int, finder: _Finder) -> Node:
    root = ind.criteria
    line = finder.find(root.text) if root.text else None
    children = tuple(_node(child, stamp, indication, (n,), finder) for n, child in enumerate(root.items, start=1))
    return Node(criterion_id(stamp, indication, ()), True, root.phrase, root.text,
                tuple(_limit_chip(t) for t in root.thresholds), False, provenance(root.source), line, children)


# -- policy pages -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExclusionChanges:
    """Not-covered items a version added or dropped, by label."""

    added: tuple[Indication, ...] = ()
    removed: tuple[Indication, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed)


@dataclass(frozen=True)
class VersionPage:
    stamp: Stamp
    policy: Policy
    source_text: str
    diff: VersionDiff | None = None
    """From the version before (None for the first)."""
    previous: Stamp | None = None
    exclusions: ExclusionChanges = field(default_factory=ExclusionChanges)


@dataclass(frozen=True)
class TopicLink:
    slug: str
    title: str


def _timeline(versions: Sequence[VersionPage], width: int = 640) -> dict:
    """Dots on a line by effective date (SVG geometry): the policy's history at a glance."""
    days = [_day(v.stamp.effective) for v in versions]
    known = [d for d in days if d is not None]
    lo, hi = (min(known), max(known)) if known else (0, 0)
    span = max(hi - lo, 1)
    margin = 40
    dots = []
    for v, d in zip(versions, days):
        x = margin + (width - 2 * margin) * ((d - lo) / span if d is not None and hi > lo else 0.5)
        dots.append({"x": round(x, 1), "stamp": v.stamp,
                     "mark": "material" if v.diff is not None and v.diff.material else
                             "first" if v.diff is None else "minor"})
    return {"width": width, "height": 56, "margin": margin, "dots": dots}


def _day(value: str | None) -> int | None:
    from datetime import date

    try:
        return date.fromisoformat(value).toordinal() if value else None
    except ValueError:
        return None


def policy_page(name: str, versions: Sequence[VersionPage], topic: TopicLink | None) -> str:
    """Every version of one policy, newest first, each with its criteria tree and its diff from the one
    before; `versions` come oldest first."""
    page = policy_path(name)
    shown = []
    for v in reversed(versions):
        finder = _Finder(v.source_text)
        shown.append({
            "v": v, "policy": v.policy, "stamp": v.stamp,
            "trees": [(ind, tree(ind, v.stamp, n, finder)) for n, ind in enumerate(v.policy.indications)],
            "tree_html": tree_html,
            "source": href(page, source_path(name, v.stamp.rev)),
            "changes": change_lines(v.diff, v.exclusions) if v.diff is not None else [],
        })
    newest = versions[-1].policy
    return ENV.get_template("site/policy.html").render(
        root=_root(page), csp=CSP, name=name, policy=newest, versions=shown, timeline=_timeline(versions),
        topic=topic, topic_href=href(page, topic_path(topic.slug)) if topic else None,
        heading=newest.title or name, describe=describe_threshold, fmt=format_limit, one_line=one_line)


_INVISIBLE = re.compile(f"[{CONTROLS}{FORMATTING}]")


def _escaped(text: str) -> str:
    """Untrusted text as HTML text, in one pass over a whole document: newlines kept, every other control
    or direction-override character shown as an escape (as `markup.plain_text` shows them)."""
    return html.escape(_INVISIBLE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text), quote=True)


def source_page(name: str, stamp: Stamp, title: str | None, text: str) -> str:
    """The stored text, a numbered line each (escaped here in one pass: a long document has many lines)."""
    page = source_path(name, stamp.rev)
    lines = Markup("".join(f'<li id="L{n}">{line}</li>\n'
                           for n, line in enumerate(_escaped(text.replace("\r", "")).split("\n"), start=1)))
    return ENV.get_template("site/source.html").render(
        root=_root(page), csp=CSP, name=name, stamp=stamp, title=title, lines=lines,
        policy_href=href(page, policy_path(name), stamp.anchor))


# -- what changed ------------------------------------------------------------------------------------------------------

def change_lines(d: VersionDiff, exclusions: ExclusionChanges = ExclusionChanges()) -> list[tuple[str, str]]:
    """(mark, text) for every change a version diff holds: "stricter", "looser", "added", "removed",
    "changed", "wording" or "administrative"; facts from the diff, in words."""
    out: list[tuple[str, str]] = []
    out += [("added", f"indication added: {i.label}") for i in d.added]
    out += [("removed", f"indication removed: {i.label}") for i in d.removed]
    for c in d.changed:
        for t in c.thresholds:
            out.append(("administrative" if t.term else t.direction, f"{c.label}: {describe_threshold(t)}"))
        for lc in c.logic:
            out.append((lc.direction, f"{c.label}: logic {lc.old} → {lc.new} ({one_line(lc.where)[:120]})"))
        for x in c.criteria:
            mark = "wording" if x.classification == "wording" else None
            if x.old is None:
                out.append((mark or "added", f"{c.label}: criterion added: {_short(x.new)}"))
            elif x.new is None:
                out.append((mark or "removed", f"{c.label}: criterion removed: {_short(x.old)}"))
            else:
                out.append((mark or "changed", f"{c.label}: criterion reworded: {_short(x.old)} → {_short(x.new)}"))
        out += [("added", f"{c.label}: code added {code}") for code in c.codes_added]
        out += [("removed", f"{c.label}: code removed {code}") for code in c.codes_removed]
    out += [("added", f"code added: {code}") for code in d.codes_added]
    out += [("removed", f"code removed: {code}") for code in d.codes_removed]
    out += [("added", f"not covered, added: {i.label} ({i.status.replace('_', ' ')})") for i in exclusions.added]
    out += [("removed", f"not covered, dropped: {i.label} ({i.status.replace('_', ' ')})")
            for i in exclusions.removed]
    return out


def _short(text: str | None, limit: int = 160) -> str:
    text = one_line(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class ChangeEntry:
    """One material revision on the What changed page (kept between builds, so it is plain data)."""

    policy: str
    payer: str
    title: str
    old_effective: str | None
    new_effective: str | None
    rev: str
    stricter: int
    looser: int
    lines: tuple[tuple[str, str], ...]


def changes_page(entries: Iterable[ChangeEntry], count: int, since: str | None, until: str | None) -> Iterator[str]:
    """Every material revision in the window; `entries` come newest first and are written as they come."""
    page = "changes.html"
    return ENV.get_template("site/changes.html").generate(
        root=_root(page), csp=CSP, entries=entries, count=count, since=since, until=until,
        link=lambda e: href(page, policy_path(e.policy), f"v-{e.rev[:12]}"))


# -- the index ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class IndexRow:
    name: str
    payer: str
    title: str
    policy_id: str
    kind: str
    versions: int
    newest: str | None
    captured: bool
    last: Literal["first version", "material", "not material"]
    stricter: int
    looser: int
    topic: str | None = None
    topic_title: str | None = None


def index_page(rows: Iterable[IndexRow], policies: int, payers: int, topics: Sequence[tuple[TopicLink, int]],
               changes: int, since: str | None, until: str | None) -> Iterator[str]:
    """Every policy, a row each (written as they come), and every topic."""
    page = "index.html"
    return ENV.get_template("site/index.html").generate(
        root="", csp=CSP, rows=rows, policies=policies, topics=topics, payers=payers, changes=changes, since=since,
        until=until, policy_href=lambda r: href(page, policy_path(r.name)),
        topic_href=lambda slug: href(page, topic_path(slug)))


# -- topic pages: range bars on a shared axis ---------------------------------------------------------------------

WIDTH, MARGIN, LINE = 420, 16, 22
"""Bar area width, its side margins and one payer's line height, in SVG user units (CSS pixels)."""


@dataclass(frozen=True)
class Bar:
    x0: float
    x1: float
    open_lo: bool
    """Unbounded below: the bar runs to the left edge, with an arrow."""
    open_hi: bool
    lo_closed: bool
    hi_closed: bool
    from_zero: bool = False
    """A cap on a quantity that starts at zero (a size, a count): the bar starts at zero, with no end mark."""


@dataclass(frozen=True)
class GridLine:
    """One payer in one measure's grid."""

    heading: str
    state: Literal["limit", "not specified", "no indication"]
    limit: str = ""
    role: str = ""
    bar: Bar | None = None
    tightest: bool = False
    example: bool = False
    href: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Grid:
    measure: str
    kind: str
    lines: tuple[GridLine, ...]
    ticks: tuple[tuple[float, str], ...]
    cutoff: str
    """The comparison's cutoff verdict, in its words ("stricter: #2")."""
    eligibility: str
    reason: str
    drawn: bool
    """False when the limits share no axis (different units or kinds): shown as text only, and why."""
    note: str = ""


@dataclass(frozen=True)
class Span:
    lo: float
    hi: float
    lo_closed: bool
    hi_closed: bool


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def span_of(t: Threshold) -> Span | None:
    """The values a limit admits, on its measure's axis: numbers as written (so "< 18" ends at 18, an open
    end), stages and classes at their place in the scale (`normalized.scales`, as verdicts place them)."""
    scale = scale_for(t.measure)
    if scale is not None and not scale.integer:
        got = admitted(t.measure, t.op, t.value, t.unit)
        return None if got is None else Span(got.lo, got.hi, got.lo_closed, got.hi_closed)
    if t.op == "between":
        if not isinstance(t.value, tuple) or len(t.value) != 2:
            return None
        lo, hi = _number(t.value[0]), _number(t.value[1])
        return None if lo is None or hi is None else Span(lo, hi, True, True)
    v = _number(t.value)
    if v is None:
        return None
    bounds = {"<": Span(-math.inf, v, False, False), "<=": Span(-math.inf, v, False, True),
              ">": Span(v, math.inf, False, False), ">=": Span(v, math.inf, True, False)}
    return bounds.get(t.op, Span(v, v, True, True))


def _nice_ticks(lo: float, hi: float, count: int = 6) -> list[float]:
    raw = (hi - lo) / count
    if raw <= 0:
        return [lo]
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step) * step
    ticks, x = [], first
    while x <= hi + step * 1e-9:
        ticks.append(round(x, 10))
        x += step
    return ticks


def _tick_label(value: float, unit: str | None) -> str:
    text = f"{value:g}"
    return text if unit in (None, "count") else f"{text} {unit}" if unit != "%" else f"{text}%"


def _axis(spans: list[Span], ordinal: bool, unit: str | None, labels: dict[float, str]):
    """A function from a value to an x position on the shared domain, the ticks, and whether the axis
    starts at zero because every limit is a cap on a quantity that cannot be negative."""
    finite = [x for s in spans for x in (s.lo, s.hi) if math.isfinite(x)]
    lo, hi = min(finite), max(finite)
    zero = False
    if ordinal:
        lo, hi = lo - 0.8, hi + 0.8
        ticks = [(p, labels.get(p, "")) for p in sorted(set(finite))]
    else:
        if all(not math.isfinite(s.lo) for s in spans) and lo >= 0:
            lo, zero = 0.0, True  # caps only, on a quantity that starts at zero: bars measured from zero
            hi = hi + (hi - lo) * 0.15 or 1.0
        else:
            pad = (hi - lo) * 0.15 or max(abs(hi) * 0.25, 1.0)
            lo, hi = lo - pad, hi + pad
            if min(finite) >= 0 and lo < 0:
                lo = 0.0
        ticks = [(t, _tick_label(t, unit)) for t in _nice_ticks(lo, hi)]

    def x(value: float) -> float:
        return round(MARGIN + (WIDTH - 2 * MARGIN) * (value - lo) / (hi - lo), 2)
    return x, [(x(v), label) for v, label in ticks if lo <= v <= hi], zero


def grid(m: MeasureRow, headings: Sequence[str], labels: Sequence[str | None],
         links: Sequence[str | None]) -> Grid:
    """One measure of one aligned indication: each payer's limit as a bar on one axis, the comparison's
    tightest cutoff marked."""
    stated = [v for v in m.values if v is not None]
    spans = [span_of(v) if v is not None else None for v in m.values]
    units = {v.unit or "" for v in stated}
    ordinal = scale_for(m.measure) is not None and not scale_for(m.measure).integer  # type: ignore[union-attr]
    drawn = bool(stated) and len(units) == 1 and all(s is not None for v, s in zip(m.values, spans) if v is not None)
    note = "" if drawn else "not drawn on one axis: the limits are in different units or kinds" if stated else ""
    x, ticks, zero = None, [], False
    if drawn:
        point_labels: dict[float, str] = {}
        for v, s in zip(m.values, spans):
            if v is not None and s is not None and ordinal:
                values = v.value if isinstance(v.value, tuple) else (v.value, v.value)
                if math.isfinite(s.lo):
                    point_labels.setdefault(s.lo, str(values[0]))
                if math.isfinite(s.hi):
                    point_labels.setdefault(s.hi, str(values[-1]))
        x, ticks, zero = _axis([s for s in spans if s is not None], ordinal, next(iter(units)) or None,
                               point_labels)
    marked = set(m.strictest) if 0 < len(m.strictest) < len(stated) else set()
    lines = []
    for k, (heading, label) in enumerate(zip(headings, labels)):
        v, s = m.values[k], spans[k]
        if v is None:
            lines.append(GridLine(heading, "no indication" if label is None else "not specified"))
            continue
        bar = None
        if x is not None and s is not None:
            floor = zero and not math.isfinite(s.lo)
            left = x(0.0) if floor else x(s.lo) if math.isfinite(s.lo) else MARGIN / 2
            right = x(s.hi) if math.isfinite(s.hi) else WIDTH - MARGIN / 2
            bar = Bar(left, right, not math.isfinite(s.lo) and not floor, not math.isfinite(s.hi), s.lo_closed,
                      s.hi_closed, floor)
        lines.append(GridLine(heading, "limit", format_limit(v), m.roles[k] or "", bar, k in marked, v.example,
                              links[k]))
    who = ", ".join(f"#{k + 1}" for k in m.eligibility.policies)
    verdict = f"{m.eligibility.verdict}: {who}" if who else m.eligibility.verdict
    return Grid(m.measure, m.kind, tuple(lines), tuple(ticks), m.verdict, verdict, m.eligibility.reason, drawn, note)


def locate(policy: Policy, label: str | None, value: Threshold) -> tuple[int, tuple[int, ...]] | None:
    """The indication (its index) and tree path of the node a comparison's limit came from: the first node,
    in document order, of the indication with that label, that states it (a range split into its two
    bounds by the comparison is found by either bound)."""
    for n, ind in enumerate(policy.indications):
        if ind.label != label:
            continue
        nodes: list[tuple[Criterion | Group, tuple[int, ...]]] = [(ind.criteria, ())]
        nodes += list(tree_paths(ind.criteria))
        for node, path in nodes:
            for t in node.thresholds:
                if _same_limit(t, value):
                    return n, path
    return None


def _same_limit(t: Threshold, v: Threshold) -> bool:
    if (t.measure, t.unit, t.text) != (v.measure, v.unit, v.text):
        return False
    if (t.op, t.value) == (v.op, v.value):
        return True
    return t.op == "between" and isinstance(t.value, tuple) and v.op in (">=", "<=") and v.value in t.value


@dataclass(frozen=True)
class Member:
    """One policy on a topic page: its newest version and where its page is."""

    name: str
    policy: Policy
    stamp: Stamp


def topic_page(topic: TopicLink, members: Sequence[Member], comparison: Comparison) -> Iterator[str]:
    """One aligned indication after another; for each, one grid per measure (a line per payer), then the
    administrative terms and example values apart from them (they are not eligibility limits)."""
    page = topic_path(topic.slug)
    headings = [p.heading for p in comparison.policies]
    rows: list[dict[str, Any]] = []
    for row in comparison.rows:
        grids: dict[str, list[Grid]] = {"limits": [], "administrative": [], "examples": []}
        for m in row.thresholds:
            links: list[str | None] = []
            for k, v in enumerate(m.values):
                found = locate(members[k].policy, row.labels[k], v) if v is not None else None
                links.append(href(page, policy_path(members[k].name), criterion_id(members[k].stamp, *found))
                             if found else None)
            section = "administrative" if is_administrative(m.measure) else \
                "examples" if any(v is not None and v.example for v in m.values) else "limits"
            grids[section].append(grid(m, headings, row.labels, links))
        rows.append({"row": row, "label": next(label for label in row.labels if label is not None), "grids": grids,
                     "id": f"row-{len(rows) + 1}"})
    return ENV.get_template("site/topic.html").generate(
        root=_root(page), csp=CSP, topic=topic, members=members, comparison=comparison, rows=rows,
        width=WIDTH, line=LINE, margin=MARGIN,
        member_href=lambda member: href(page, policy_path(member.name), member.stamp.anchor))
