"""Escaping and pages: how untrusted policy text becomes Markdown and HTML safely.

Every renderer goes through here. Markdown escapes metacharacters so a
crafted policy cannot inject links, HTML or table breaks; HTML is either a
Jinja2 template with autoescaping or Markdown rendered by markdown-it-py with
raw HTML disabled, inside one standalone page with a strict
Content-Security-Policy.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec

from jinja2 import Environment, PackageLoader, select_autoescape
from markdown_it import MarkdownIt

from ..normalized.text import CONTROLS, FORMATTING

_MD_SPECIAL = re.compile(r"([\\`*{}\[\]<>!|~]|(?<!\w)_|_(?!\w)|^#|^[+-](?=\s))")

ENV = Environment(loader=PackageLoader("policydiff.render", "templates"), autoescape=select_autoescape(["html"]),
                  trim_blocks=True, lstrip_blocks=True)
"""The templates of every HTML page (base.html holds the page and its Content-Security-Policy)."""


P = ParamSpec("P")

_CONTROL = re.compile(f"[{CONTROLS}{FORMATTING}]")
"""Control characters (terminal escapes, a carriage return) and bidirectional overrides: shown, never obeyed."""


def _shown(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group(0)):04x}"


def plain_text(text: str | None) -> str:
    """Untrusted text for a terminal: on one line, with control and direction-override characters shown
    as escapes ("\\u001b") so they cannot move the cursor, colour the screen or reverse a line."""
    if text is None:
        return ""
    return _CONTROL.sub(_shown, text.replace("\r\n", " ").replace("\n", " ").replace("\r", " "))


_UNSAFE_IN_A_LINE = re.compile(f"[{CONTROLS}{FORMATTING}\n\ud800-\udfff]")


def _shown_in_line(match: re.Match[str]) -> str:
    char = match.group(0)
    if "\udc80" <= char <= "\udcff":  # a byte that is not UTF-8, as the OS hands file names over
        return f"\\x{ord(char) - 0xdc00:02x}"
    return f"\\u{ord(char):04x}"


def terminal_line(text: str) -> str:
    """A line about files for a terminal (a status line, an error naming a file): every control character,
    newline included, and every invisible or direction-override character shown as an escape, and a file
    name's bytes that are not UTF-8 as `\\xff`: a name can neither forge a line nor reach the terminal as a
    command, and printing it can never fail."""
    return _UNSAFE_IN_A_LINE.sub(_shown_in_line, text)


def terminal_safe(render: Callable[P, str]) -> Callable[P, str]:
    """For renderers of plain-text output: the whole rendered text keeps its newlines and tabs, and every
    other control or direction-override character is shown as an escape, whichever field it came in."""
    @wraps(render)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> str:
        return _CONTROL.sub(_shown, render(*args, **kwargs).replace("\r\n", "\n"))
    return wrapper


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A CSV cell that no spreadsheet runs as a formula: text that starts with = + - @ is quoted."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def md_escape(text: str | None) -> str:
    """Escape Markdown and HTML metacharacters in untrusted text (also safe inside table cells)."""
    if text is None:
        return ""
    text = plain_text(text).replace("&", "&amp;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def heading_id(text: str) -> str:
    """The id of a heading: lowercase words joined by '-', as GitHub makes them (tables of contents link here)."""
    return re.sub(r"[^\w\- ]", "", text.lower()).strip().replace(" ", "-")


def markdown_to_html(markdown: str, title: str) -> str:
    """Markdown → standalone page; markdown-it-py with raw HTML disabled, so no policy text becomes markup.
    Headings get ids, so a table of contents can link to them."""
    head, tail = page(title)
    return head + markdown_fragment(markdown) + tail


_MARK = "\x00body\x00"


def page(title: str) -> tuple[str, str]:
    """The standalone page around a body (its head, its tail), for writing a long body piece by piece."""
    head, _, tail = ENV.get_template("markdown.html").render(title=title, body=_MARK).partition(_MARK)
    return head, tail


def markdown_fragment(markdown: str) -> str:
    """Markdown → HTML, raw HTML disabled, headings with ids. Blocks render alone, so a long document can be
    rendered block group by block group and the pieces joined."""
    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    tokens = md.parse(markdown)
    for opening, inline in zip(tokens, tokens[1:]):
        if opening.type == "heading_open" and inline.children is not None:
            opening.attrSet("id", heading_id("".join(c.content for c in inline.children)))
    return str(md.renderer.render(tokens, md.options, {}))
