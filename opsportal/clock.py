"""The portal clock: "now", the portal's zone, local dates and elapsed-time arithmetic.

One home for time. Two kinds of time exist in the portal and must not be mixed:

- **Elapsed time** (an SLA of 60 minutes, a review due 48 hours after resolution, a reminder
  after 24 hours) is added to UTC instants with :func:`after`. Python adds a ``timedelta`` to
  an aware datetime on its *wall clock*, so ``local + timedelta(hours=1)`` across a
  daylight-saving change is 0 or 2 real hours; converting to UTC first makes it exactly one.
- **A time of day** ("at 09:00 on Mondays", business hours, a report's build time) is read
  in the portal's zone with :func:`portal_zone`, :func:`local_date` and
  :func:`local_day_bounds`, and only where a procedure names one.

The zone is read from ``settings.TIME_ZONE`` at call time, never at import time, so tests
that override the setting see it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def now() -> datetime:
    """Return the current instant (aware, UTC)."""
    return timezone.now()


def portal_zone() -> ZoneInfo:
    """Return the portal's zone (``settings.TIME_ZONE``), in which schedules are read."""
    return ZoneInfo(settings.TIME_ZONE)


def to_utc(instant: datetime) -> datetime:
    """Return ``instant`` as a UTC datetime; refuse a naive one."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("a naive datetime is not an instant; give it a zone")
    return instant.astimezone(UTC)


def after(instant: datetime, duration: timedelta) -> datetime:
    """Return the instant ``duration`` of elapsed time after ``instant``, in UTC."""
    return to_utc(instant) + duration


def before(instant: datetime, duration: timedelta) -> datetime:
    """Return the instant ``duration`` of elapsed time before ``instant``, in UTC."""
    return to_utc(instant) - duration


def local_date(instant: datetime) -> date:
    """Return the date on the portal's wall clock at ``instant``."""
    return to_utc(instant).astimezone(portal_zone()).date()


def local_today() -> date:
    """Return today's date in the portal's zone."""
    return local_date(now())


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """Return the UTC instants where the portal's local ``day`` starts and the next one starts.

    A day of a daylight-saving change lasts 23 or 25 hours; both bounds are local midnights.
    """
    zone = portal_zone()
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def local_midnight(day: date) -> datetime:
    """Return the UTC instant of local midnight at the start of ``day`` in the portal's zone."""
    return local_day_bounds(day)[0]
