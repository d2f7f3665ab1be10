"""When meetings meet: the dates of a schedule's occurrences. Pure: no Django.

Working days are Monday to Friday minus the given holidays. A standup meets every working
day; a weekly meeting on its weekday (or the next working day when that is a holiday); a
monthly all-hands on the month's first working day; a business review on the first working
day of January, April, July and October.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import date, timedelta

STANDUP, WEEKLY, MONTHLY, QUARTERLY = "standup", "weekly", "monthly", "quarterly"


def is_working_day(day: date, holidays: Collection[date] = ()) -> bool:
    """Return True for Monday to Friday unless ``day`` is a holiday."""
    return day.weekday() < 5 and day not in holidays


def next_working_day(day: date, holidays: Collection[date] = ()) -> date:
    """Return ``day`` or the first working day after it."""
    while not is_working_day(day, holidays):
        day += timedelta(days=1)
    return day


def _first_of_period(day: date, kind: str, weekday: int) -> date:
    """Return the nominal first day of the period of ``kind`` containing ``day``."""
    if kind == WEEKLY:
        monday = day - timedelta(days=day.weekday())
        return monday + timedelta(days=weekday)
    if kind == MONTHLY:
        return day.replace(day=1)
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def meets_on(day: date, kind: str, *, weekday: int = 0, holidays: Collection[date] = ()) -> bool:
    """Return True when a meeting of ``kind`` meets on ``day``."""
    if not is_working_day(day, holidays):
        return False
    if kind == STANDUP:
        return True
    # The period's nominal day, moved to the next working day: this period's or the previous one's
    # (a weekly meeting on Friday moved by a holiday into Monday belongs to the week before).
    for probe in (day, day - timedelta(days=7)):
        nominal = _first_of_period(probe, kind, weekday)
        if next_working_day(nominal, holidays) == day:
            return True
    return False


def meeting_dates(
    start: date, end: date, kind: str, *, weekday: int = 0, holidays: Collection[date] = ()
) -> Iterator[date]:
    """Yield the dates in ``[start, end]`` on which a meeting of ``kind`` meets, in order."""
    day = start
    while day <= end:
        if meets_on(day, kind, weekday=weekday, holidays=holidays):
            yield day
        day += timedelta(days=1)


def previous_meeting_date(
    day: date, kind: str, *, weekday: int = 0, holidays: Collection[date] = (), horizon_days: int = 120
) -> date | None:
    """Return the last date before ``day`` on which a meeting of ``kind`` met, within the horizon."""
    probe = day - timedelta(days=1)
    limit = day - timedelta(days=horizon_days)
    while probe >= limit:
        if meets_on(probe, kind, weekday=weekday, holidays=holidays):
            return probe
        probe -= timedelta(days=1)
    return None
