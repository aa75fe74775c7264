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


class _Size(click.ParamType):
    """A size in bytes: 1048576, 64MB, 2GiB."""

    name = "size"

    def convert(self, value, param, ctx):
        from .budget import parse_size

        try:
            size = parse_size(value)
        except PolicyDiffError as exc:
            self.fail(str(exc), param, ctx)
        if size <= 0:
            self.fail("must be greater than 0", param, ctx)
        return size


def _with_budget(func):
    """The reading budget's options (policydiff.budget.FLAGS), each also read from its environment
    variable; the command receives them as one `budget` argument."""
    from .budget import FLAGS, Budget

    kinds = {"bytes": _Size(), "seconds": click.FloatRange(min=0, min_open=True)}

    @wraps(func)
    def wrapper(*args, **kwargs):
        chosen = {f.field: kwargs.pop(f.field) for f in FLAGS}
        return func(*args, budget=Budget(**{k: v for k, v in chosen.items() if v is not None}), **kwargs)

    for flag in reversed(FLAGS):
        wrapper = click.option(flag.option, flag.field, envvar=flag.env, default=None, show_envvar=True,
                               type=kinds.get(flag.unit, click.IntRange(min=1)),
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
            click.echo(f"policydiff: {exc}", err=True)
            sys.exit(2)
        except BrokenPipeError:
            sys.exit(0)
    return wrapper


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
@_with_budget
@_fail_cleanly
def extract(path: str, fmt: str, budget) -> None:
    """Extract one PDF, text or Markdown policy into the normalized schema."""
    from .extractor import extract_bounded

    click.echo(_render_policy(fmt)(extract_bounded(path, budget)), nl=False)


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
                click.echo(f"would skip {p.path}: {p.error}")
            if p.version is None or p.identity is None:
                continue
            who = p.identity
            click.echo(f"would add  {p.version.name}@{p.version.effective}  {p.path}\n"
                       f"           payer {who.payer.value!r} ({who.payer.source}), policy "
                       f"{who.policy_id.value!r} ({who.policy_id.source}), date ({who.date.source})")
            for w in who.warnings:
                click.echo(f"policydiff: warning: {w}", err=True)
        _report_failures([(p.path, p.error) for p in prepared if p.version is None and not p.not_policy],
                         len(prepared), dry_run=True)
        return
    results = run(_store(ctx, init), list(paths), identity, workers=workers, progress=sys.stderr.isatty(),
                  budget=budget)
    for r in results:
        if r.status == "skipped":
            click.echo(f"skipped    {r.path}: {r.error}")
        elif r.status != "failed":
            click.echo(f"{r.status:<10} {r.policy}@{r.effective}  {(r.rev or '')[:10]}  {r.path}")
        for w in r.warnings:
            click.echo(f"policydiff: warning: {w}", err=True)
    _report_failures([(r.path, r.error) for r in results if r.status == "failed"], len(results))


def _report_failures(failures, total: int, dry_run: bool = False) -> None:
    """Every failure at the end, one line each, then exit 2: the good documents have landed."""
    if not failures:
        return
    for path, error in failures:
        click.echo(f"policydiff: failed: {error or path}", err=True)
    if total == 1:
        sys.exit(2)  # one document: its one line says it all
    if dry_run:
        rest = "the others would be stored"
    else:
        rest = "the others were stored" if len(failures) < total else "nothing was stored"
    click.echo(f"policydiff: {len(failures)} of {total} document(s) failed; {rest}", err=True)
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
        click.echo(f"{s.name:<40} {s.versions:>3} version(s)  newest {s.newest_effective}  {plain_text(s.title)}")


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


def _emit(result, fmt: str, renderers: dict, output: str | None) -> None:
    """Text formats to stdout or --output; xlsx (bytes) to --output, or to stdout when it is not a terminal."""
    rendered = renderers[fmt](result)
    data = rendered if isinstance(rendered, bytes) else rendered.encode("utf-8")
    if output:
        with open(output, "wb") as handle:
            handle.write(data)
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
    result = compare([load(s, store, budget) for s in sources], list(sources), indication)
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
        result = diff_policies(old, new, new.policy_id or "", sources[0], sources[1])
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
    partial = f"{output}.partial"
    try:
        with open(partial, "wb") as handle:
            write(handle if binary else io.TextIOWrapper(handle, encoding="utf-8", write_through=True))
        os.replace(partial, output)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


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
    main(prog_name="policydiff")


if __name__ == "__main__":  # pragma: no cover
    run()
