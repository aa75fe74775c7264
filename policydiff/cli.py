"""The `policydiff` command: parse arguments, call the library, print.

No logic lives here. Every PolicyDiffError becomes one line on stderr and
exit code 2; `compare` and `diff` exit 1 when they find differences, like
diff(1).
"""
from __future__ import annotations

import io
import json
import os
import sys
from functools import wraps

import click

from . import __version__
from .errors import PolicyDiffError

FORMATS_POLICY = click.Choice(["json", "md", "text"])


class _Limit(click.ParamType):
    """One limit of the reading budget: a size (1048576, 64MB, 2GiB), a number of seconds or a count, checked
    where it is parsed (policydiff.budget.out_of_range), so `inf`, `nan` or 1e23 is a usage error."""

    def __init__(self, field: str, unit: str):
        self.field, self.unit = field, unit
        self.name = {"bytes": "size", "seconds": "seconds"}.get(unit, "integer")

    def convert(self, value, param, ctx):
        from .budget import out_of_range, parse_size

        try:
            if self.unit == "bytes":
                number: float = parse_size(value)
            elif self.unit == "seconds":
                number = float(value)
            else:
                number = int(str(value).strip())
        except PolicyDiffError as exc:
            self.fail(str(exc), param, ctx)
        except ValueError:
            self.fail(f"{value!r} is not a {'number' if self.unit == 'seconds' else 'whole number'}", param, ctx)
        problem = out_of_range(self.field, number)
        if problem:
            self.fail(f"{value!r} {problem}", param, ctx)
        return number


def _with_budget(func):
    """The reading budget's options (policydiff.budget.FLAGS), each also read from its environment
    variable; the command receives them as one `budget` argument."""
    from .budget import FLAGS, Budget

    @wraps(func)
    def wrapper(*args, **kwargs):
        chosen = {f.field: kwargs.pop(f.field) for f in FLAGS}
        return func(*args, budget=Budget(**{k: v for k, v in chosen.items() if v is not None}), **kwargs)

    for flag in reversed(FLAGS):
        wrapper = click.option(flag.option, flag.field, envvar=flag.env, default=None, show_envvar=True,
                               type=_Limit(flag.field, flag.unit),
                               help=f"{flag.help} [default: {_default_shown(flag.field)}]")(wrapper)
    return wrapper


def _default_shown(field: str) -> str:
    from .budget import DEFAULT, shown

    return shown(field, DEFAULT)


def _fail_cleanly(func):
    """Turn our own errors, and a closed stdout, into the exit codes docs/contract.md promises."""
    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except PolicyDiffError as exc:
            _say(f"policydiff: {exc}", err=True)
            sys.exit(2)
        except BrokenPipeError:
            sys.exit(0)
    return wrapper


def _say(line: str, err: bool = False) -> None:
    """One line about files: names and messages reach the terminal escaped (policydiff.render.markup)."""
    from .render.markup import terminal_line

    click.echo(terminal_line(line), err=err)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="policydiff")
@click.option("--store", "store_dir", type=click.Path(), default=None,
              help="The git store (default: $POLICYDIFF_STORE or ./policy-store).")
@click.pass_context
def main(ctx: click.Context, store_dir: str | None) -> None:
    """Extract, store, compare and diff health-plan medical policies."""
    ctx.obj = {"store": store_dir or os.environ.get("POLICYDIFF_STORE") or "policy-store"}


@main.command()
@click.argument("path", type=click.Path(dir_okay=True))
@click.option("--format", "fmt", type=FORMATS_POLICY, default="text", show_default=True)
@click.option("--explain", is_flag=True, help="Every line with what each stage decided about it and the rule "
                                               "that decided (text, or JSON with --format json).")
@_with_budget
@_fail_cleanly
def extract(path: str, fmt: str, explain: bool, budget) -> None:
    """Extract one PDF, text or Markdown policy into the normalized schema."""
    if explain:
        from .extractor import explain_bounded
        from .render.explain import RENDERERS

        if fmt == "md":
            raise click.UsageError("--explain gives text or JSON (--format json)")
        click.echo(RENDERERS[fmt](explain_bounded(path, budget)), nl=False)
        return
    from .extractor import extract_bounded

    click.echo(_render_policy(fmt)(extract_bounded(path, budget)), nl=False)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)
@click.option("--workers", type=int, default=None, help="Extraction processes (default: one per CPU).")
@_with_budget
@_fail_cleanly
def check(paths, fmt, workers, budget) -> None:
    """How completely each document (files or folders) was read, worst first. Exit 0 when every document is
    fully read, 1 when some text is unread, 2 when a document cannot be read."""
    from .check import check as run
    from .render.check import RENDERERS

    rows = run(list(paths), workers, budget, progress=sys.stderr.isatty())
    click.echo(RENDERERS[fmt](rows), nl=False)
    if any(r.error for r in rows):
        sys.exit(2)
    if any(not r.complete for r in rows if r.skipped is None):
        sys.exit(1)


def _render_policy(fmt: str):
    from .normalized import to_json
    from .render.policy import render_markdown, render_text

    return {"json": to_json, "md": render_markdown, "text": render_text}[fmt]


def _store(ctx: click.Context, init: bool = False):
    from .store import Store

    return Store(ctx.obj["store"], init=init)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--payer", help="Payer name for every document (default: manifest, document, file name).")
@click.option("--policy-id", help="Policy number for every document (default: manifest, document, file name).")
@click.option("--effective", help="Version date YYYY-MM-DD for every document (default: manifest, document, "
                                  "file name, capture date).")
@click.option("--message", "-m", help="A note for the commit message.")
@click.option("--workers", type=int, default=None, help="Extraction processes (default: one per CPU, at most one "
                                                         "per document).")
@click.option("--dry-run", is_flag=True, help="Print what each document would be stored as; write nothing.")
@click.option("--init", "init", is_flag=True, help="Make the --store folder a store although it already holds other "
                                                    "files (they are committed first).")
@_with_budget
@click.pass_context
@_fail_cleanly
def add(ctx, paths, payer, policy_id, effective, message, workers, dry_run, init, budget) -> None:
    """Extract documents (files or folders) and commit each as a version in the store."""
    from .ingest import Identity, plan
    from .ingest import add as run

    identity = Identity(payer, policy_id, effective, message)
    if dry_run:
        prepared = plan(list(paths), identity, workers, sys.stderr.isatty(), _store(ctx, init), budget)
        for p in prepared:
            if p.not_policy:
                _say(f"would skip {p.error or p.path}")
            if p.version is None or p.identity is None:
                continue
            who = p.identity
            _say(f"would add  {p.version.name}@{p.version.effective}  {p.path}")
            _say(f"           payer {who.payer.value!r} ({who.payer.source}), policy {who.policy_id.value!r} "
                 f"({who.policy_id.source}), date ({who.date.source})")
            for w in who.warnings:
                _say(f"policydiff: warning: {w}", err=True)
        _report_failures([(p.path, p.error) for p in prepared if p.version is None and not p.not_policy],
                         sum(not p.not_policy for p in prepared), dry_run=True)
        return
    results = run(_store(ctx, init), list(paths), identity, workers=workers, progress=sys.stderr.isatty(),
                  budget=budget)
    for r in results:
        if r.status == "skipped":
            _say(f"skipped    {r.error or r.path}")
        elif r.status != "failed":
            _say(f"{r.status:<10} {r.policy}@{r.effective}  {(r.rev or '')[:10]}  {r.path}")
        for w in r.warnings:
            _say(f"policydiff: warning: {w}", err=True)
    _report_failures([(r.path, r.error) for r in results if r.status == "failed"],
                     sum(r.status != "skipped" for r in results))


def _report_failures(failures, total: int, dry_run: bool = False) -> None:
    """Every failure at the end, one line each, then exit 2: the good documents have landed. `total` counts
    the documents read (skipped ones left out)."""
    if not failures:
        return
    for path, error in failures:
        _say(f"policydiff: failed: {error or path}", err=True)
    if total == 1:
        sys.exit(2)  # one document: its one line says it all
    if len(failures) >= total:
        rest = "nothing would be stored" if dry_run else "nothing was stored"
    else:
        rest = "the others would be stored" if dry_run else "the others were stored"
    _say(f"policydiff: {len(failures)} of {total} document(s) failed; {rest}", err=True)
    sys.exit(2)


@main.command(name="list")
@click.option("--payers", is_flag=True, help="The payer names seen and the store folder (slug) each is under.")
@click.pass_context
@_fail_cleanly
def list_cmd(ctx, payers) -> None:
    """Stored policies, their number of versions and newest effective date."""
    from .render.markup import plain_text

    store = _store(ctx)
    if payers:
        for slug, names in store.payers().items():
            click.echo(f"{slug:<40} {'; '.join(plain_text(n) for n in names)}")
        return
    for s in store.list():
        kind = f"  [{s.kind}]" if s.kind else ""  # "payment policy", "no covered criteria": why no indication
        click.echo(f"{s.name:<40} {s.versions:>3} version(s)  newest {s.newest_effective}  {plain_text(s.title)}"
                   f"{plain_text(kind)}")


@main.command()
@click.argument("policy")
@click.pass_context
@_fail_cleanly
def log(ctx, policy) -> None:
    """A stored policy's versions, newest first, with where each version's date came from."""
    from .render.markup import plain_text

    for v in _store(ctx).log(policy):
        dated = "captured " if v.captured else "effective"
        source = f"  (date: {v.date_source})" if v.date_source and v.date_source != "document" else ""
        click.echo(f"{v.rev[:10]}  {dated} {v.effective}  {plain_text(v.title)}{source}")


@main.command()
@click.argument("ref")
@click.option("--format", "fmt", type=FORMATS_POLICY, default="text", show_default=True)
@click.pass_context
@_fail_cleanly
def show(ctx, ref, fmt) -> None:
    """One stored version: POLICY, POLICY@YYYY-MM-DD, POLICY@~1 or POLICY@COMMIT."""
    store = _store(ctx)
    version = store.resolve(ref)
    policy = store.read([version])[0]
    if version.captured and fmt != "json":
        note = (f"(stored version {version.rev[:10]}: dated {version.effective}, the day it was captured; "
                f"the document states no date)\n")
        click.echo(f"> {note}\n" if fmt == "md" else note, nl=False)
    click.echo(_render_policy(fmt)(policy), nl=False)


@main.command()
@click.option("--remote", default="origin", show_default=True)
@click.pass_context
@_fail_cleanly
def sync(ctx, remote) -> None:
    """Take the shared remote's versions, put this store's own versions on top, then push."""
    result = _store(ctx).sync(remote)
    kept = f", {result.kept} other commit(s) of its own replayed" if result.kept else ""
    click.echo(f"synced with {result.remote} at {result.head[:10]}: {result.pulled} version(s) pulled, "
               f"{result.recommitted} of this store's own re-committed on top{kept}")


_OUTPUT = click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
                       help="Write to this file instead of standard output (needed for xlsx on a terminal).")


def _labels(sources) -> list[str]:
    """The names compare and diff print for their inputs: paths as given, escaped (a file name may hold bytes
    that are not UTF-8, or control characters)."""
    from .render.markup import terminal_line

    return [terminal_line(s) for s in sources]


def _emit(result, fmt: str, renderers: dict, output: str | None) -> None:
    """Text formats to stdout or --output; xlsx (bytes) to --output, or to stdout when it is not a terminal."""
    rendered = renderers[fmt](result)
    data = rendered if isinstance(rendered, bytes) else rendered.encode("utf-8")
    if output:
        _write_file(output, lambda handle: handle.write(data))
    elif isinstance(rendered, bytes):
        if sys.stdout.isatty():
            raise click.UsageError("xlsx is a binary format: pass --output FILE or redirect standard output")
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        click.echo(rendered, nl=False)


@main.command(name="compare")
@click.argument("sources", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md", "html", "csv", "xlsx"]), default="text",
              show_default=True)
@click.option("--indication", help="Only indications matching this (fuzzy) query.")
@_OUTPUT
@_with_budget
@click.pass_context
@_fail_cleanly
def compare_cmd(ctx, sources, fmt, indication, output, budget) -> None:
    """Compare 2 or more policies (files or stored PAYER/POLICY[@REV]) indication by indication."""
    from .diffs.compare import compare
    from .history import load
    from .render import compare as render
    from .render.xlsx import compare_xlsx

    if len(sources) < 2:
        raise click.UsageError("compare needs at least two policies")
    store = _store(ctx)
    policies = [load(s, store, budget) for s in sources]
    result = compare(policies, _labels(sources), indication)
    if indication and not result.rows:
        from .errors import NothingMatched

        raise NothingMatched.listing("--indication", indication, "indications of these policies",
                                     sorted({i.key for p in policies for i in p.indications}))
    _emit(result, fmt, {"json": render.to_json, "md": render.render_markdown, "html": render.render_html,
                        "csv": render.render_csv, "text": render.render_text, "xlsx": compare_xlsx}, output)
    sys.exit(1 if result.has_differences else 0)


@main.command(name="diff")
@click.argument("sources", nargs=-1, required=True)
@click.option("--from", "from_rev", help="Older version of a stored policy (default: the one before --to).")
@click.option("--to", "to_rev", help="Newer version of a stored policy (default: the newest).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md", "html", "xlsx"]), default="text",
              show_default=True)
@click.option("--indication", help="Only changes to indications matching this (fuzzy) query.")
@_OUTPUT
@_with_budget
@click.pass_context
@_fail_cleanly
def diff_cmd(ctx, sources, from_rev, to_rev, fmt, indication, output, budget) -> None:
    """What changed: `diff OLD_FILE NEW_FILE`, or `diff PAYER/POLICY [--from REV] [--to REV]` over the store."""
    from .diffs.versions import diff_policies, only_indications
    from .history import diff_stored, load
    from .render import diff as render
    from .render.xlsx import diff_xlsx

    store = _store(ctx)
    if len(sources) == 2:
        old, new = load(sources[0], store, budget), load(sources[1], store, budget)
        result = diff_policies(old, new, new.policy_id or "", *_labels(sources))
    elif len(sources) == 1:
        result = diff_stored(store, sources[0], from_rev, to_rev)
    else:
        raise click.UsageError("diff takes OLD NEW (two documents) or one stored PAYER/POLICY")
    if indication:
        result = only_indications(result, indication)
    _emit(result, fmt, {"json": render.diff_to_json, "md": render.diff_markdown, "html": render.diff_html,
                        "text": render.diff_text, "xlsx": diff_xlsx}, output)
    sys.exit(1 if result else 0)


@main.command()
@click.option("--since", help="First effective date in the window (YYYY-MM-DD).")
@click.option("--until", help="Last effective date in the window (YYYY-MM-DD).")
@click.option("--payer", help="Only this payer's policies.")
@click.option("--indication", help="Only changes to indications matching this (fuzzy) query.")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "json", "xlsx"]), default="md", show_default=True)
@_OUTPUT
@click.pass_context
@_fail_cleanly
def report(ctx, since, until, payer, indication, fmt, output) -> None:
    """Annual-review change report over the whole store."""
    from .history import annual_report
    from .render import diff as render
    from .render.xlsx import write_report_xlsx

    result = annual_report(_store(ctx), since, until, payer, indication)
    if fmt == "xlsx":
        _stream(lambda out: write_report_xlsx(result, out), binary=True, output=output)
        return
    writers = {"json": render.write_report_json, "md": render.write_report_markdown, "html": render.write_report_html}
    _stream(lambda out: writers[fmt](result, out), binary=False, output=output)


def _stream(write, binary: bool, output: str | None) -> None:
    """Write as the result is made (a report never sits whole in memory). A file is written beside its
    final name and moved there when complete, so a failure leaves no half-written file."""
    if output is None:
        if binary and sys.stdout.isatty():
            raise click.UsageError("xlsx is a binary format: pass --output FILE or redirect standard output")
        write(sys.stdout.buffer if binary else sys.stdout)
        sys.stdout.flush()
        return
    _write_file(output, lambda handle: write(handle if binary else io.TextIOWrapper(handle, encoding="utf-8",
                                                                                     write_through=True)))


def _write_file(output: str, write) -> None:
    """`write(handle)` into `output`, beside its final name first, so a failure leaves no half-written file;
    a folder that is not there, no permission or a full disk is one line naming the file."""
    from .errors import OutputError

    partial = f"{output}.partial"
    try:
        with open(partial, "wb") as handle:
            write(handle)
        os.replace(partial, output)
    except OSError as exc:
        folder = os.path.dirname(output) or "."
        why = f"no folder {folder}" if not os.path.isdir(folder) else (exc.strerror or str(exc))
        raise OutputError(f"{output}: cannot write ({why})") from None
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


@main.command()
@click.argument("out", type=click.Path(file_okay=False))
@click.option("--since", help="What changed: first effective date in the window (YYYY-MM-DD).")
@click.option("--until", help="What changed: last effective date in the window (YYYY-MM-DD).")
@click.pass_context
@_fail_cleanly
def site(ctx, out, since, until) -> None:
    """Build a static site of the whole store in folder OUT (rebuilds rewrite only what changed)."""
    from .site import build_site

    result = build_site(_store(ctx), out, since, until)
    for name in result.skipped:
        click.echo(f"policydiff: warning: {name}: not a valid policy name in the store; left out", err=True)
    click.echo(f"site {result.out}: {result.policies} policies, {result.topics} topics, {result.changes} material "
               f"changes; {result.written} of {result.pages} pages written, {result.removed} removed "
               f"(open {result.out / 'index.html'})")


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["sqlite"]), default="sqlite", show_default=True)
@click.pass_context
@_fail_cleanly
def export(ctx, file, fmt) -> None:
    """Write the store as a SQLite database FILE (a re-export adds only what is new)."""
    from .export import export_sqlite

    result = export_sqlite(_store(ctx), file)
    click.echo(f"export {result.file}: {result.policies} policies, {result.versions} versions "
               f"({result.added} added, {result.removed} removed, {result.diffs} version diffs)")


@main.command()
@click.argument("policy")
@click.pass_context
@_fail_cleanly
def blame(ctx, policy) -> None:
    """For each current criterion, the version that introduced its current wording."""
    from .history import blame as run
    from .render.diff import blame_text

    click.echo(blame_text(run(_store(ctx), policy)), nl=False)


@main.command()
def schema() -> None:
    """Print the JSON Schema of the normalized policy."""
    from .normalized import json_schema

    click.echo(json.dumps(json_schema(), indent=2))


def run() -> None:
    """The console script. A usage error (a mistyped option, `--timeout inf`) is one line too, like every
    other fault, with where to read more."""
    try:
        code = main(prog_name="policydiff", standalone_mode=False)
    except click.ClickException as exc:
        if "\n" in exc.format_message():  # no command at all: click's help is the answer
            exc.show()
            sys.exit(exc.exit_code)
        context = getattr(exc, "ctx", None)
        hint = f" (see {context.command_path} --help)" if context is not None else ""
        _say(f"policydiff: {exc.format_message()}{hint}", err=True)
        sys.exit(exc.exit_code)
    except click.Abort:
        _say("policydiff: aborted", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    run()
