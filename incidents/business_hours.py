"""Business time: add working minutes to an instant, count working minutes between two.

Pure: no Django. A :class:`BusinessCalendar` names a time zone, the working intervals of each
weekday in local wall-clock time, and holidays (local dates with no working time).

Working intervals are built one local day at a time and only then converted to UTC, so a day
of 23 or 25 hours (a daylight-saving change) still works 09:00–17:00 on the wall clock; a
working minute is one whose wall-clock reading lies inside a working interval, so a
spring-forward gap counts nothing and a repeated autumn hour counts twice where it is working time.
All arithmetic between intervals is done on absolute (UTC) instants.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
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
        found: list[tuple[datetime, datetime]] = []
        for start, end in sorted(self.working_hours.get(day.weekday(), ())):
            if not start < end:
                continue
            for piece in _wall_clock_preimage(day, start, end, zone):
                if found and found[-1][1] >= piece[0]:
                    found[-1] = (found[-1][0], max(found[-1][1], piece[1]))
                else:
                    found.append(piece)
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


def _wall_clock_preimage(day: date, start: time, end: time, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """Return the UTC intervals whose wall clock in ``zone`` reads ``day`` from ``start`` to ``end``.

    1. Bound the search by the earliest and latest readings of both ends (``fold`` 0 and 1).
    2. Cut it where the zone's offset changes (a daylight-saving change; at most one a day).
    3. On each piece the offset is fixed, so the wall-clock interval maps to one UTC interval.
    A spring-forward gap thus counts no time at all, and a repeated autumn hour counts twice
    where its wall-clock readings fall inside the interval, exactly as a minute-by-minute walk.
    """
    naive_start, naive_end = datetime.combine(day, start), datetime.combine(day, end)
    readings = [
        value.replace(tzinfo=zone, fold=fold).astimezone(UTC) for value in (naive_start, naive_end) for fold in (0, 1)
    ]
    low, high = min(readings), max(readings)
    cuts = [low, *_offset_changes(low, high, zone), high]
    pieces = []
    for piece_start, piece_end in pairwise(cuts):
        offset = piece_start.astimezone(zone).utcoffset() or timedelta(0)
        begin = max(piece_start, (naive_start - offset).replace(tzinfo=UTC))
        finish = min(piece_end, (naive_end - offset).replace(tzinfo=UTC))
        if begin < finish:
            pieces.append((begin, finish))
    return pieces


def _offset_changes(low: datetime, high: datetime, zone: ZoneInfo) -> list[datetime]:
    """Return the instant in (low, high] where the offset of ``zone`` changes, if it does (to the second)."""
    before = low.astimezone(zone).utcoffset()
    if high.astimezone(zone).utcoffset() == before:
        return []
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if middle <= low:
            break
        if middle.astimezone(zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    return [high]


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
