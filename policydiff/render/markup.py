"""Escaping and pages: how untrusted policy text becomes Markdown and HTML safely.

Every renderer goes through here. Markdown escapes metacharacters so a
crafted policy cannot inject links, HTML or table breaks; HTML is either a
Jinja2 template with autoescaping or Markdown rendered by markdown-it-py with
raw HTML disabled, inside one standalone page with a strict
Content-Security-Policy.
"""
from __future__ import annotations

import re

from jinja2 import Environment, PackageLoader, select_autoescape
from markdown_it import MarkdownIt

_MD_SPECIAL = re.compile(r"([\\`*{}\[\]<>!|~]|(?<!\w)_|_(?!\w)|^#|^[+-](?=\s))")

ENV = Environment(loader=PackageLoader("policydiff.render", "templates"), autoescape=select_autoescape(["html"]),
                  trim_blocks=True, lstrip_blocks=True)
"""The templates of every HTML page (base.html holds the page and its Content-Security-Policy)."""


def md_escape(text: str | None) -> str:
    """Escape Markdown and HTML metacharacters in untrusted text (also safe inside table cells)."""
    if text is None:
        return ""
    text = text.replace("&", "&amp;").replace("\n", " ")
    return _MD_SPECIAL.sub(r"\\\1", text)


def markdown_to_html(markdown: str, title: str) -> str:
    """Markdown → standalone page; markdown-it-py with raw HTML disabled, so no policy text becomes markup."""
    body = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"]).render(markdown)
    return ENV.get_template("markdown.html").render(title=title, body=body)
