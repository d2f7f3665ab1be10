"""When a checklist happens: pure calendar arithmetic, no Django.

A schedule is data (frequency, time of day, weekdays, week or day of the month). This module
answers two questions for a local date in the portal's zone:

- does the schedule open a run on that date (:func:`occurs_on`)?
- when does that run open, fall due and count as missed (:func:`run_window`)?

Week N of a month is days 7N-6 to 7N. A quarterly schedule applies its monthly rule to the
first month of each quarter. Local wall-clock times are turned into aware datetimes with
:mod:`zoneinfo`, so 08:00 stays 08:00 on both sides of a daylight-saving change.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAILY = "daily"
WEEKLY = "weekly"
MONTHLY = "monthly"
QUARTERLY = "quarterly"
ON_DEMAND = "on_demand"

# Defaults per frequency: how long after opening a run falls due, and over how many local
# days its window runs (it is missed at local midnight after the last one).
DEFAULT_DUE_AFTER: dict[str, timedelta] = {
    DAILY: timedelta(hours=1),
    WEEKLY: timedelta(hours=8),
    MONTHLY: timedelta(days=4),
    QUARTERLY: timedelta(days=4),
    ON_DEMAND: timedelta(hours=4),
}
DEFAULT_WINDOW_DAYS: dict[str, int] = {DAILY: 1, WEEKLY: 1, MONTHLY: 7, QUARTERLY: 7, ON_DEMAND: 1}
DEFAULT_TIME = time(9, 0)


@dataclass(frozen=True)
class Schedule:
    """A template's schedule, as plain values."""

    frequency: str
    time_of_day: time | None = None
    weekdays: Sequence[int] = field(default_factory=tuple)  # 0 = Monday
    week_of_month: int | None = None
    day_of_month: int | None = None
    due_after: timedelta | None = None
    window_days: int | None = None


@dataclass(frozen=True)
class Window:
    """When one run opens, falls due and is missed (aware datetimes in UTC)."""

    opens_at: datetime
    due_at: datetime
    missed_at: datetime


def _month_rule(schedule: Schedule, day: date) -> bool:
    if schedule.week_of_month:
        return day.day == 7 * schedule.week_of_month - 6
    if schedule.day_of_month:
        last = calendar.monthrange(day.year, day.month)[1]
        return day.day == min(schedule.day_of_month, last)  # day 31 means the month's last day
    return False


def occurs_on(schedule: Schedule, day: date) -> bool:
    """Return True when ``schedule`` opens a run on the local date ``day``."""
    if schedule.frequency == DAILY:
        return not schedule.weekdays or day.weekday() in schedule.weekdays
    if schedule.frequency == WEEKLY:
        return day.weekday() in schedule.weekdays
    if schedule.frequency == MONTHLY:
        return _month_rule(schedule, day)
    if schedule.frequency == QUARTERLY:
        return day.month in (1, 4, 7, 10) and _month_rule(schedule, day)
    return False


def dates_between(start: date, end: date) -> Iterator[date]:
    """Yield every date from ``start`` to ``end`` inclusive."""
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def local_datetime(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Return the aware UTC datetime of wall-clock ``at`` on ``day`` in ``zone``."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def run_window(schedule: Schedule, day: date, zone: ZoneInfo) -> Window:
    """Return the window of the run that ``schedule`` opens on ``day``.

    The opening time is wall-clock ``at`` in ``zone`` (the procedure names it); the due time is
    elapsed time after the opening instant (an hour is an hour, even across a clock change);
    the run is missed at local midnight after its last day, and never before it falls due.
    """
    at = schedule.time_of_day or DEFAULT_TIME
    opens_local = datetime.combine(day, at, tzinfo=zone)
    due_after = schedule.due_after if schedule.due_after is not None else DEFAULT_DUE_AFTER[schedule.frequency]
    window_days = schedule.window_days or DEFAULT_WINDOW_DAYS[schedule.frequency]
    missed_local = datetime.combine(day + timedelta(days=window_days), time(0), tzinfo=zone)
    opens_at, missed_at = opens_local.astimezone(UTC), missed_local.astimezone(UTC)
    due_at = opens_at + due_after  # elapsed time on the UTC instant
    missed_at = max(missed_at, due_at)
    return Window(opens_at=opens_at, due_at=due_at, missed_at=missed_at)


WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}


def describe(schedule: Schedule) -> str:
    """Return the schedule in words: "Daily at 08:00", "Weekly on Monday at 09:00"."""
    at = f" at {schedule.time_of_day:%H:%M}" if schedule.time_of_day else ""
    days = ", ".join(WEEKDAY_NAMES[index] for index in sorted(schedule.weekdays))
    if schedule.frequency == DAILY:
        return f"Daily{' on ' + days if days else ''}{at}"
    if schedule.frequency == WEEKLY:
        return f"Weekly on {days or '(no weekday)'}{at}"
    if schedule.frequency in (MONTHLY, QUARTERLY):
        unit = "month" if schedule.frequency == MONTHLY else "quarter"
        if schedule.week_of_month:
            rule = f"in the {ORDINAL_WORDS[schedule.week_of_month]} week of the {unit}"
        else:
            rule = f"on day {schedule.day_of_month} of the {unit}"
        return f"{schedule.frequency.capitalize()} {rule}{at}"
    return "On demand"
