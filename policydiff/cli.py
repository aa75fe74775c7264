"""The `policydiff` command: parse arguments, call the library, print.

No logic lives here. Every PolicyDiffError becomes one line on stderr and
exit code 2; `compare` and `diff` exit 1 when they find differences, like
diff(1).
"""
from __future__ import annotations

import json
import os
import sys
from functools import wraps

import click

from . import __version__
from .errors import PolicyDiffError

FORMATS_POLICY = click.Choice(["json", "md", "text"])


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
@click.option("--store", "store_dir", type=click.Path(file_okay=False), default=None,
              help="The git store (default: $POLICYDIFF_STORE or ./policy-store).")
@click.pass_context
def main(ctx: click.Context, store_dir: str | None) -> None:
    """Extract, store, compare and diff health-plan medical policies."""
    ctx.obj = {"store": store_dir or os.environ.get("POLICYDIFF_STORE") or "policy-store"}


@main.command()
@click.argument("path", type=click.Path(dir_okay=True))
@click.option("--format", "fmt", type=FORMATS_POLICY, default="text", show_default=True)
@_fail_cleanly
def extract(path: str, fmt: str) -> None:
    """Extract one PDF, text or Markdown policy into the normalized schema."""
    from .extractor import extract as run

    click.echo(_render_policy(fmt)(run(path)), nl=False)


def _render_policy(fmt: str):
    from .normalized import to_json
    from .render.policy import render_markdown, render_text

    return {"json": to_json, "md": render_markdown, "text": render_text}[fmt]


def _store(ctx: click.Context):
    from .store import Store

    return Store(ctx.obj["store"])


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--payer", help="Payer name (default: as the document states it).")
@click.option("--policy-id", help="Policy number (default: as the document states it).")
@click.option("--effective", help="Effective date YYYY-MM-DD (default: the document's).")
@click.option("--message", "-m", help="A note for the commit message.")
@click.option("--workers", type=int, default=None, help="Extraction processes (default: one per CPU).")
@click.pass_context
@_fail_cleanly
def add(ctx, paths, payer, policy_id, effective, message, workers) -> None:
    """Extract documents (files or folders) and commit each as a version in the store."""
    from .ingest import Identity
    from .ingest import add as run

    results = run(_store(ctx), list(paths), Identity(payer, policy_id, effective, message), workers=workers,
                  progress=sys.stderr.isatty())
    failed = 0
    for r in results:
        if r.status == "failed":
            failed += 1
            click.echo(f"policydiff: failed: {r.error}", err=True)
        else:
            click.echo(f"{r.status:<10} {r.policy}@{r.effective}  {(r.rev or '')[:10]}  {r.path}")
    if failed:
        rest = "the others were stored" if failed < len(results) else "nothing was stored"
        click.echo(f"policydiff: {failed} of {len(results)} document(s) failed; {rest}", err=True)
        sys.exit(2)


@main.command(name="list")
@click.pass_context
@_fail_cleanly
def list_cmd(ctx) -> None:
    """Stored policies, their number of versions and newest effective date."""
    for s in _store(ctx).list():
        click.echo(f"{s.name:<40} {s.versions:>3} version(s)  newest {s.newest_effective}  {s.title or ''}")


@main.command()
@click.argument("policy")
@click.pass_context
@_fail_cleanly
def log(ctx, policy) -> None:
    """A stored policy's versions, newest effective date first."""
    for v in _store(ctx).log(policy):
        click.echo(f"{v.rev[:10]}  effective {v.effective}  {v.title or ''}")


@main.command()
@click.argument("ref")
@click.option("--format", "fmt", type=FORMATS_POLICY, default="text", show_default=True)
@click.pass_context
@_fail_cleanly
def show(ctx, ref, fmt) -> None:
    """One stored version: POLICY, POLICY@YYYY-MM-DD, POLICY@~1 or POLICY@COMMIT."""
    click.echo(_render_policy(fmt)(_store(ctx).show(ref)), nl=False)


@main.command()
@click.option("--remote", default="origin", show_default=True)
@click.pass_context
@_fail_cleanly
def sync(ctx, remote) -> None:
    """Pull (with rebase) from the shared remote, then push."""
    head = _store(ctx).sync(remote)
    click.echo(f"synced with {remote} at {head[:10]}")


@main.command(name="compare")
@click.argument("sources", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md", "html", "csv"]), default="text",
              show_default=True)
@click.option("--indication", help="Only indications matching this (fuzzy) query.")
@click.pass_context
@_fail_cleanly
def compare_cmd(ctx, sources, fmt, indication) -> None:
    """Compare 2 or more policies (files or stored PAYER/POLICY[@REV]) indication by indication."""
    from .diffs.compare import compare
    from .history import load
    from .render import compare as render

    if len(sources) < 2:
        raise click.UsageError("compare needs at least two policies")
    store = _store(ctx)
    result = compare([load(s, store) for s in sources], list(sources), indication)
    output = {"json": render.to_json, "md": render.render_markdown, "html": render.render_html,
              "csv": render.render_csv, "text": render.render_text}[fmt]
    click.echo(output(result), nl=False)
    sys.exit(1 if result.has_differences else 0)


@main.command(name="diff")
@click.argument("sources", nargs=-1, required=True)
@click.option("--from", "from_rev", help="Older version of a stored policy (default: the one before --to).")
@click.option("--to", "to_rev", help="Newer version of a stored policy (default: the newest).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md", "html"]), default="text", show_default=True)
@click.pass_context
@_fail_cleanly
def diff_cmd(ctx, sources, from_rev, to_rev, fmt) -> None:
    """What changed: `diff OLD_FILE NEW_FILE`, or `diff PAYER/POLICY [--from REV] [--to REV]` over the store."""
    from .diffs.versions import diff_policies
    from .history import diff_stored, load
    from .render import diff as render

    store = _store(ctx)
    if len(sources) == 2:
        old, new = load(sources[0], store), load(sources[1], store)
        result = diff_policies(old, new, new.policy_id or "", sources[0], sources[1])
    elif len(sources) == 1:
        result = diff_stored(store, sources[0], from_rev, to_rev)
    else:
        raise click.UsageError("diff takes OLD NEW (two documents) or one stored PAYER/POLICY")
    output = {"json": render.diff_to_json, "md": render.diff_markdown, "html": render.diff_html,
              "text": render.diff_text}[fmt]
    click.echo(output(result), nl=False)
    sys.exit(1 if result else 0)


@main.command()
@click.option("--since", help="First effective date in the window (YYYY-MM-DD).")
@click.option("--until", help="Last effective date in the window (YYYY-MM-DD).")
@click.option("--payer", help="Only this payer's policies.")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "json"]), default="md", show_default=True)
@click.pass_context
@_fail_cleanly
def report(ctx, since, until, payer, fmt) -> None:
    """Annual-review change report over the whole store."""
    from .history import annual_report
    from .render import diff as render

    result = annual_report(_store(ctx), since, until, payer)
    output = {"json": render.report_to_json, "md": render.report_markdown, "html": render.report_html}[fmt]
    click.echo(output(result), nl=False)


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
