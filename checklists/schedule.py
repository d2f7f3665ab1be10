"""When a checklist happens: pure calendar arithmetic, no Django.

A schedule is data (frequency, time of day, weekdays, week or day of the month). This module
answers two questions for a local date in the portal's zone:

- does the schedule open a run on that date (:func:`occurs_on`)?
- when does that run open, fall due and count as missed (:func:`run_window`)?

Week N of a month is days 7N-6 to 7N, except the Fourth Week, which runs to the month's last
day (days 29-31 belong to it). A quarterly schedule applies its monthly rule to the first
month of each quarter. A monthly or quarterly run whose first day is not a working day of
the business calendar (a ``working_day`` predicate; the services pass the incidents app's
default calendar: weekdays with working hours, minus holidays) opens on the next working
day, and still closes at the end of its period. Local wall-clock times are turned into aware datetimes with
:mod:`zoneinfo`, so 08:00 stays 08:00 on both sides of a daylight-saving change.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterator, Sequence
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


WorkingDay = Callable[[date], bool]

# A monthly run whose opening day is not a working day opens on the next one; a calendar
# with no working day this many days ahead (none at all) opens on the nominal day instead.
MAX_SHIFT_DAYS = 14


def every_day(day: date) -> bool:
    """Treat every date as a working day (the default when no business calendar is given)."""
    return True


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _nominal_start(schedule: Schedule, year: int, month: int) -> date | None:
    """Return the first day of the schedule's period in that month (None: the month has no such day)."""
    if schedule.frequency == QUARTERLY and month not in (1, 4, 7, 10):
        return None
    last = _last_day(year, month)
    if schedule.week_of_month:
        first = 7 * schedule.week_of_month - 6
        return date(year, month, first) if first <= last else None
    if schedule.day_of_month:
        return date(year, month, min(schedule.day_of_month, last))  # day 31 means the month's last day
    return None


def _opening_day(nominal: date, working_day: WorkingDay) -> date:
    """Return the first working day on or after ``nominal`` (``nominal`` when none is near)."""
    for offset in range(MAX_SHIFT_DAYS + 1):
        day = nominal + timedelta(days=offset)
        if working_day(day):
            return day
    return nominal


def _period_of(schedule: Schedule, day: date, working_day: WorkingDay) -> date | None:
    """Return the nominal start of the monthly period that opens on ``day``, or None.

    The opening may have moved past the month's end (the 31st a Saturday), so the month
    before ``day`` is asked too.
    """
    previous = day.replace(day=1) - timedelta(days=1)
    for year, month in ((day.year, day.month), (previous.year, previous.month)):
        nominal = _nominal_start(schedule, year, month)
        if nominal is not None and nominal <= day and _opening_day(nominal, working_day) == day:
            return nominal
    return None


def period_end(schedule: Schedule, nominal: date) -> date:
    """Return the day after the last day of the monthly period that starts on ``nominal``.

    Week N of a month is days 7N-6 to 7N, except the Fourth Week, which runs to the month's
    last day (days 29-31 belong to it). A template's own ``window_days`` counts from the
    nominal start instead.
    """
    if schedule.window_days:
        return nominal + timedelta(days=schedule.window_days)
    if schedule.week_of_month == 4:
        return date(nominal.year, nominal.month, _last_day(nominal.year, nominal.month)) + timedelta(days=1)
    return nominal + timedelta(days=DEFAULT_WINDOW_DAYS[schedule.frequency])


def occurs_on(schedule: Schedule, day: date, working_day: WorkingDay = every_day) -> bool:
    """Return True when ``schedule`` opens a run on the local date ``day``.

    Monthly and quarterly runs open on their period's first day, or, when ``working_day``
    says that is not a working day (a weekend or a holiday of the business calendar), on
    the next working day.
    """
    if schedule.frequency == DAILY:
        return not schedule.weekdays or day.weekday() in schedule.weekdays
    if schedule.frequency == WEEKLY:
        return day.weekday() in schedule.weekdays
    if schedule.frequency in (MONTHLY, QUARTERLY):
        return _period_of(schedule, day, working_day) is not None
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


def run_window(schedule: Schedule, day: date, zone: ZoneInfo, working_day: WorkingDay = every_day) -> Window:
    """Return the window of the run that ``schedule`` opens on ``day``.

    The opening time is wall-clock ``at`` in ``zone`` (the procedure names it); the due time is
    elapsed time after the opening instant (an hour is an hour, even across a clock change).
    The run is missed at local midnight after its last day, and never before it falls due:
    for daily and weekly runs ``window_days`` after opening; for monthly and quarterly runs at
    the end of their period (:func:`period_end`), even when the opening moved to the next
    working day.
    """
    at = schedule.time_of_day or DEFAULT_TIME
    opens_local = datetime.combine(day, at, tzinfo=zone)
    due_after = schedule.due_after if schedule.due_after is not None else DEFAULT_DUE_AFTER[schedule.frequency]
    nominal = _period_of(schedule, day, working_day) if schedule.frequency in (MONTHLY, QUARTERLY) else None
    if nominal is not None:
        last = period_end(schedule, nominal)
    else:
        last = day + timedelta(days=schedule.window_days or DEFAULT_WINDOW_DAYS[schedule.frequency])
    missed_local = datetime.combine(last, time(0), tzinfo=zone)
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
