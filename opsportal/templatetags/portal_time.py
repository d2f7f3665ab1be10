"""The one way pages, e-mails and reports show time (``{% load portal_time %}``).

- ``{{ instant|when }}``: ``<time datetime="ISO" title="absolute">relative</time>``, e.g.
  "3 h ago" with "Mon 30 Nov 14:05 CET" on hover and in print (portal.css prints the title).
- ``{{ instant|when_text }}``: the absolute text alone, for e-mails, reports and titles.
- ``{{ value|duration }}``: elapsed time in h and min ("1 h 05 min"); a number is read as
  minutes, or in the unit given (``{{ hours|duration:"h" }}``).

Times are written in the active zone (the browser's, from the ``tz`` cookie; the portal's in
e-mails and tasks). The words come from :mod:`opsportal.timefmt`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import format_html

from opsportal import clock, timefmt

register = template.Library()


def _instant(value: Any) -> datetime | date | None:
    """Return the datetime or date ``value`` names (an ISO text is parsed), or None."""
    if isinstance(value, str):
        return parse_datetime(value) or parse_date(value)
    return value if isinstance(value, date) else None


@register.filter(is_safe=True)
def when(value: Any) -> str:
    """Render an instant as relative text in a ``<time>`` with the absolute time as its title."""
    instant = _instant(value)
    if instant is None:
        return ""
    zone = timezone.get_current_timezone()
    now = clock.now()
    if not isinstance(instant, datetime):
        text = timefmt.absolute_date(instant, today=now.astimezone(zone).date())
        return format_html('<time datetime="{}" class="when">{}</time>', instant.isoformat(), text)
    if timezone.is_naive(instant):
        instant = timezone.make_aware(instant, clock.portal_zone())
    return format_html(
        '<time datetime="{}" title="{}" class="when">{}</time>',
        clock.to_utc(instant).isoformat(timespec="seconds").replace("+00:00", "Z"),
        timefmt.absolute(instant, now=now, zone=zone),
        timefmt.relative(instant, now=now, zone=zone),
    )


@register.filter
def when_text(value: Any) -> str:
    """Return an instant's absolute text ("Mon 30 Nov 14:05 CET"; the year when not this year)."""
    instant = _instant(value)
    if instant is None:
        return ""
    zone = timezone.get_current_timezone()
    now = clock.now()
    if not isinstance(instant, datetime):
        return timefmt.absolute_date(instant, today=now.astimezone(zone).date())
    if timezone.is_naive(instant):
        instant = timezone.make_aware(instant, clock.portal_zone())
    return timefmt.absolute(instant, now=now, zone=zone)


@register.filter
def duration(value: Any, unit: str = "min") -> str:
    """Return elapsed time in h and min; a number is read in ``unit`` ("s", "min" or "h")."""
    if isinstance(value, timedelta | int | float | Decimal) and not isinstance(value, bool):
        return timefmt.duration(value, unit=unit)
    if isinstance(value, str):
        try:
            return timefmt.duration(float(value), unit=unit)
        except ValueError:
            return value
    return ""


@register.filter
def from_now(value: Any) -> datetime | None:
    """Return the instant ``value`` (a ``timedelta``) after now, e.g. when a lockout ends."""
    return clock.after(clock.now(), value) if isinstance(value, timedelta) else None


# Units whose figures are elapsed time (operational KPIs), and the unit their numbers count.
DURATION_UNITS = {"min": "min", "business min": "min", "h": "h"}


@register.filter
def figure(value: Any, unit: str) -> str:
    """Return a figure with its unit; elapsed time in h and min ("498.74", "min" -> "8 h 19 min")."""
    if value in (None, ""):
        return ""
    if unit in DURATION_UNITS:
        try:
            text = timefmt.duration(float(value), unit=DURATION_UNITS[unit])
        except (TypeError, ValueError):
            return f"{value} {unit}"
        return text  # "business min": the KPI's name says "in business hours"
    return f"{value} {unit}".strip()


@register.filter
def is_duration_unit(unit: Any) -> bool:
    """Return True when figures in ``unit`` are elapsed time, written in h and min."""
    return unit in DURATION_UNITS
