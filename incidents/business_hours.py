"""Business time: add working minutes to an instant, count working minutes between two.

Pure: no Django. A :class:`BusinessCalendar` names a time zone, the working intervals of each
weekday in local wall-clock time, and holidays (local dates with no working time).

Working intervals are built one local day at a time and only then converted to UTC, so a day
of 23 or 25 hours (a daylight-saving change) still works 09:00–17:00 on the wall clock.
All arithmetic between intervals is done on absolute (UTC) instants.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Interval = tuple[time, time]

DEFAULT_WORKING_HOURS: dict[int, tuple[Interval, ...]] = {
    weekday: ((time(9), time(17)),)
    for weekday in range(5)  # Monday–Friday
}

# A calendar with working time at all has some within any 10 years; beyond that, give up.
_MAX_DAYS = 3700


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours per weekday (0 = Monday) in ``time_zone``, minus ``holidays``."""

    time_zone: str = "UTC"
    working_hours: Mapping[int, Sequence[Interval]] = field(default_factory=lambda: dict(DEFAULT_WORKING_HOURS))
    holidays: frozenset[date] = frozenset()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def has_working_time(self) -> bool:
        """Return True when at least one weekday has a non-empty interval."""
        return any(start < end for intervals in self.working_hours.values() for start, end in intervals)

    def intervals_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """Return the working intervals of local ``day`` as (start, end) UTC instants."""
        if day in self.holidays:
            return []
        zone = self.zone
        found = []
        for start, end in sorted(self.working_hours.get(day.weekday(), ())):
            if not start < end:
                continue
            # Wall-clock times that do not exist (a spring-forward gap) resolve to the
            # instant just after the gap; times that occur twice resolve to the first one.
            start_utc = datetime.combine(day, start, tzinfo=zone).astimezone(UTC)
            end_utc = datetime.combine(day, end, tzinfo=zone).astimezone(UTC)
            if start_utc < end_utc:
                found.append((start_utc, end_utc))
        return found

    def intervals_from(self, instant: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Yield working intervals (UTC) that end after ``instant``, in order, clipped to start at it."""
        instant = instant.astimezone(UTC)
        day = instant.astimezone(self.zone).date() - timedelta(days=1)
        for _ in range(_MAX_DAYS):
            for start, end in self.intervals_on(day):
                if end > instant:
                    yield max(start, instant), end
            day += timedelta(days=1)


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")


def is_business_time(instant: datetime, calendar: BusinessCalendar) -> bool:
    """Return True when ``instant`` lies inside a working interval (ends included)."""
    _require_aware(instant, "instant")
    instant = instant.astimezone(UTC)
    day = instant.astimezone(calendar.zone).date()
    return any(
        start <= instant <= end
        for offset in (-1, 0, 1)
        for start, end in calendar.intervals_on(day + timedelta(days=offset))
    )


def add_business_minutes(start: datetime, minutes: int, calendar: BusinessCalendar) -> datetime:
    """Return the instant ``minutes`` of working time after ``start``, in ``start``'s zone.

    1. Walk the working intervals that end after ``start`` (the first one clipped to it).
    2. Spend each interval's length until what remains fits inside one; land there.
    Zero minutes returns ``start`` unchanged, even outside working hours.
    """
    _require_aware(start, "start")
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    if minutes == 0:
        return start
    if not calendar.has_working_time():
        raise ValueError("the calendar has no working hours")
    remaining = timedelta(minutes=minutes)
    for interval_start, interval_end in calendar.intervals_from(start):
        available = interval_end - interval_start
        if remaining <= available:
            return (interval_start + remaining).astimezone(start.tzinfo)
        remaining -= available
    raise ValueError("no working time found within ten years (are all days holidays?)")


def business_time_between(start: datetime, end: datetime, calendar: BusinessCalendar) -> timedelta:
    """Return the working time between two instants (negative when ``end`` is before ``start``)."""
    _require_aware(start, "start")
    _require_aware(end, "end")
    if end < start:
        return -business_time_between(end, start, calendar)
    total = timedelta()
    end = end.astimezone(UTC)
    for interval_start, interval_end in calendar.intervals_from(start):
        if interval_start >= end:
            break
        total += min(interval_end, end) - interval_start
    return total


def business_minutes_between(start: datetime, end: datetime, calendar: BusinessCalendar) -> int:
    """Return the whole working minutes between two instants (rounded towards zero)."""
    return int(business_time_between(start, end, calendar).total_seconds() / 60)
