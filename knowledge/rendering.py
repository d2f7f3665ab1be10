"""Turn a page's Markdown into safe HTML, and two versions into a line diff.

Two locks, so one failing never lets script through:

1. markdown-it-py runs with ``html`` off: raw HTML in the text is escaped, never passed on.
2. nh3 (ammonia) cleans what markdown-it produced against an allow-list: only the tags and
   attributes below, links only to http, https and mailto (``javascript:`` is dropped), every
   ``on…`` handler and ``style`` removed, and ``rel="noopener noreferrer"`` on every link.
"""

from __future__ import annotations

import difflib
import html
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)


def render_markdown(text: str) -> str:
    """Return ``text`` (Markdown) as HTML that can be shown as is: no script, handler or unsafe link."""
    rendered = _markdown.render(text or "")
    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def plain_text(text: str) -> str:
    """Return the words of ``text`` without Markdown or HTML, for the search index and excerpts."""
    return " ".join(html.unescape(nh3.clean(render_markdown(text), tags=set())).split())


@dataclass(frozen=True)
class DiffLine:
    """One line of a diff: ``kind`` is "add", "remove", "context" or "hunk"."""

    kind: str
    text: str


def diff_lines(old: str, new: str, *, context: int = 3) -> list[DiffLine]:
    """Return the unified diff of two Markdown texts as typed lines (the template escapes the text)."""
    lines: list[DiffLine] = []
    diff = difflib.unified_diff(
        (old or "").splitlines(), (new or "").splitlines(), lineterm="", n=context, fromfile="old", tofile="new"
    )
    for line in diff:
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            lines.append(DiffLine("hunk", line))
        elif line.startswith("+"):
            lines.append(DiffLine("add", line[1:]))
        elif line.startswith("-"):
            lines.append(DiffLine("remove", line[1:]))
        else:
            lines.append(DiffLine("context", line[1:]))
    return lines
