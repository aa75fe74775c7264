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
from pathlib import Path

import click

from . import __version__
from .errors import PolicyDiffError

FORMATS_POLICY = click.Choice(["json", "md", "text"])


def _fail_cleanly(func):
    """Turn our own errors, and a closed stdout, into the exit codes CONTRACT.md promises."""
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
    from .normalized import to_json
    from .diffs.render_policy import render_markdown, render_text

    policy = run(path)
    click.echo({"json": to_json, "md": render_markdown, "text": render_text}[fmt](policy), nl=False)


@main.command()
def schema() -> None:
    """Print the JSON Schema of the normalized policy."""
    from .normalized import json_schema

    click.echo(json.dumps(json_schema(), indent=2))


def run() -> None:
    main(prog_name="policydiff")


if __name__ == "__main__":  # pragma: no cover
    run()
