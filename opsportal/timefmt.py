"""How the portal writes time for people: relative, absolute and durations. Pure.

One format everywhere (pages, e-mails, reports), so "3 h ago" on a page and "Mon 30 Nov 14:05"
in an e-mail name the same instant the same way:

- :func:`relative` is what a page shows: "in 25 min", "3 h ago", "in 2 days"; far instants
  become a date ("12 Mar", "12 Mar 2025") because "412 days ago" helps nobody.
- :func:`absolute` is the wall-clock text in a zone, with the year whenever it is not the year
  of ``now`` there, and the zone's abbreviation (so a daylight-saving night is unambiguous).
- :func:`duration` writes elapsed time in h and min ("1 h 05 min"), never "0:30:00" or
  "498.74 min".

Nothing here reads the clock or settings: callers pass ``now`` and the zone
(``opsportal.clock``), so tests need no frozen clock to check the words.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR
# Beyond this many days a relative text ("53 days ago") is worse than the date itself.
RELATIVE_DAYS = 45


def _local(instant: datetime, zone: tzinfo) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("a naive datetime is not an instant; give it a zone")
    return instant.astimezone(zone)


def absolute_date(day: date, *, today: date) -> str:
    """Return ``day`` as "Mon 30 Nov", with the year when it is not the year of ``today``."""
    text = f"{day:%a} {day.day} {day:%b}"
    return text if day.year == today.year else f"{text} {day.year}"


def absolute(instant: datetime, *, now: datetime, zone: tzinfo) -> str:
    """Return ``instant`` on the wall clock of ``zone``: "Mon 30 Nov 14:05 CET".

    The year is added whenever it differs from the year of ``now`` in that zone.
    """
    local = _local(instant, zone)
    today = _local(now, zone).date()
    abbreviation = local.tzname() or ""
    text = f"{absolute_date(local.date(), today=today)} {local:%H:%M}"
    return f"{text} {abbreviation}".rstrip()


def relative(instant: datetime, *, now: datetime, zone: tzinfo) -> str:
    """Return how far ``instant`` is from ``now``: "in 25 min", "3 h ago", "in 2 days".

    Elapsed time is measured on UTC instants, so a daylight-saving night changes nothing.
    Instants further away than ``RELATIVE_DAYS`` are written as their local date instead.
    """
    # Both in UTC: Python subtracts two datetimes of one zone on their wall clocks.
    seconds = (_local(instant, UTC) - _local(now, UTC)).total_seconds()
    future = seconds > 0
    distance = abs(seconds)
    if distance < MINUTE:
        return "in under a minute" if future else "just now"
    if distance < HOUR:
        amount = f"{int(distance // MINUTE)} min"
    elif distance < DAY:
        amount = f"{int(distance // HOUR)} h"
    elif distance < RELATIVE_DAYS * DAY:
        days = int(distance // DAY)
        amount = f"{days} day{'s' if days != 1 else ''}"
    else:
        local = _local(instant, zone)
        return f"on {absolute_date(local.date(), today=_local(now, zone).date())}"
    return f"in {amount}" if future else f"{amount} ago"


def duration(value: timedelta | float | int | Decimal | None, *, unit: str = "min") -> str:
    """Return elapsed time in h and min: "1 h 05 min", "30 min", "2 days 3 h".

    ``value`` is a ``timedelta`` or a number of ``unit`` ("s", "min" or "h"). It is rounded
    to the minute; under half a minute reads "under 1 min". ``None`` is an empty text.
    """
    if value is None:
        return ""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    else:
        seconds = float(value) * {"s": 1, "min": MINUTE, "h": HOUR}[unit]
    sign = "-" if seconds < 0 else ""
    minutes = round(abs(seconds) / MINUTE)
    if minutes == 0:
        return "0 min" if seconds == 0 else "under 1 min"
    hours, minutes = divmod(minutes, 60)
    if hours == 0:
        return f"{sign}{minutes} min"
    if hours >= 48:
        days, hours = divmod(hours, 24)
        return f"{sign}{days} days" + (f" {hours} h" if hours else "")
    return f"{sign}{hours} h" + (f" {minutes:02d} min" if minutes else "")
