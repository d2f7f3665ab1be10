"""Collect the sections of the Today page from the apps that provide them.

Each app registers a function that returns its section for a request (or None when the
user may not see that area); Today renders them in registration order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest


@dataclass
class TodaySection:
    """One area's block on Today: a title, a template and its context."""

    area: str
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    link: str = ""


SectionProvider = Callable[[HttpRequest], TodaySection | None]
_providers: list[tuple[str, SectionProvider]] = []


def register_today_section(area: str) -> Callable[[SectionProvider], SectionProvider]:
    """Register ``provider`` as the Today section of ``area`` (a decorator)."""

    def decorator(provider: SectionProvider) -> SectionProvider:
        _providers[:] = [(name, func) for name, func in _providers if name != area]
        _providers.append((area, provider))
        return provider

    return decorator


def today_sections(request: HttpRequest) -> list[TodaySection]:
    """Return the sections the user may see, in the order the areas were registered."""
    order = {"checklists": 0, "incidents": 1, "changes": 2, "reports": 3}
    sections = []
    for _area, provider in sorted(_providers, key=lambda item: order.get(item[0], 99)):
        section = provider(request)
        if section is not None:
            sections.append(section)
    return sections
