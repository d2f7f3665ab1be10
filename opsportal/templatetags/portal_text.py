"""Text helpers every page uses the same way (``{% load portal_text %}``).

- ``{{ user|person }}``: a person's display name, the same everywhere (full name, else username).
- ``{{ text|web_links }}``: the text escaped, with its http:// and https:// addresses as links
  (no other scheme, so a ``javascript:`` text never becomes a link).
"""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# An address ends at white space or at a character that cannot be part of it on a page.
WEB_ADDRESS = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
TRAILING_PUNCTUATION = ".,;:!?)]"


def display_name(user: Any, default: str = "someone") -> str:
    """Return ``user``'s display name: the full name, else the username; ``default`` for nobody."""
    if user is None:
        return default
    full_name = user.get_full_name().strip() if hasattr(user, "get_full_name") else ""
    return full_name or user.get_username()


@register.filter
def person(user: Any, default: str = "someone") -> str:
    """Return a person's display name (full name, else username), the same on every page."""
    return display_name(user, default)


@register.filter(is_safe=True)
def web_links(text: Any) -> SafeString:
    """Return ``text`` escaped, with its http(s) addresses turned into links."""
    escaped = str(escape("" if text is None else text))
    # Escaping turned & into &amp;: match on the escaped text and link what it shows.
    return mark_safe(WEB_ADDRESS.sub(_link_escaped, escaped))  # noqa: S308  (escaped above)


def _link_escaped(match: re.Match[str]) -> str:
    address = match.group(0)
    trail = ""
    while address and address[-1] in TRAILING_PUNCTUATION:
        address, trail = address[:-1], address[-1] + trail
    # The address is already escaped text; it is used as is in both the attribute and the text.
    return f'<a href="{address}" rel="noopener noreferrer">{address}</a>{trail}'


@register.filter
def active_filters(query: Any) -> int:
    """Return how many filters a list's query string sets (the page number is no filter)."""
    if not hasattr(query, "lists"):
        return 0
    return sum(1 for key, values in query.lists() if key != "page" and any(value.strip() for value in values))
