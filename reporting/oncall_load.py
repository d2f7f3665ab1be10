"""On-call load per person, from shifts and pages given as plain data (no database).

The monthly report's "on-call load" breakdown: for each person, the hours they were on call in
the period, the pages (escalation notices) sent to them, and the night pages among those.

Definitions (what a reviewer should check against the issue):

- Hours on call are elapsed time on UTC instants, each shift clipped to the period. Shifts of
  one person that overlap (on two schedules at once) count once: being on call twice over is
  not twice the load.
- A page is a night page when it arrived between 22:00 and 07:00 on the wall clock of the
  person's zone at that instant: the zone of a shift of theirs covering the page (its
  schedule's zone), else the portal's zone.
- Everyone with a shift or a page in the period gets a row, ordered by username.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

NIGHT_STARTS = time(22)
NIGHT_ENDS = time(7)


@dataclass(frozen=True)
class ShiftSpan:
    """One person on call from ``start`` to ``end`` (aware instants) on a schedule in ``zone``."""

    user: str
    start: datetime
    end: datetime
    zone: ZoneInfo


@dataclass(frozen=True)
class Page:
    """One escalation notice sent to ``user`` at the aware instant ``at``."""

    user: str
    at: datetime


def is_night(instant: datetime, zone: ZoneInfo) -> bool:
    """Return whether ``instant`` falls between 22:00 and 07:00 on the wall clock of ``zone``."""
    local = instant.astimezone(zone).time()
    return local >= NIGHT_STARTS or local < NIGHT_ENDS


def _merged_duration(spans: list[tuple[datetime, datetime]]) -> timedelta:
    """Return the elapsed time covered by the union of ``spans``."""
    total = timedelta()
    current_start: datetime | None = None
    current_end: datetime | None = None
    for start, end in sorted(spans):
        if current_end is None or start > current_end:
            if current_start is not None and current_end is not None:
                total += current_end - current_start
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_start is not None and current_end is not None:
        total += current_end - current_start
    return total


def _zone_at(shifts: list[ShiftSpan], instant: datetime, default_zone: ZoneInfo) -> ZoneInfo:
    """Return the zone of the first of ``shifts`` covering ``instant``, else ``default_zone``."""
    for shift in shifts:
        if shift.start <= instant < shift.end:
            return shift.zone
    return default_zone


def oncall_load(
    shifts: Iterable[ShiftSpan],
    pages: Iterable[Page],
    *,
    period_start: datetime,
    period_end: datetime,
    default_zone: ZoneInfo,
) -> list[dict[str, Any]]:
    """Return a row per person: ``user``, ``hours_on_call``, ``pages`` and ``night_pages`` in the period.

    1. Clip each shift to [period_start, period_end) in UTC and group them by person.
    2. Hours: the union of a person's clipped shifts, in elapsed hours (two decimals).
    3. Pages in the period, each judged by night in the zone of the shift covering it.
    """
    by_user: dict[str, list[ShiftSpan]] = defaultdict(list)
    for shift in shifts:
        # In UTC: Python subtracts two datetimes of one zone on their wall clock (a DST week would lose an hour).
        start = max(shift.start, period_start).astimezone(UTC)
        end = min(shift.end, period_end).astimezone(UTC)
        if start < end:
            by_user[shift.user].append(ShiftSpan(shift.user, start, end, shift.zone))
    page_counts: dict[str, int] = defaultdict(int)
    night_counts: dict[str, int] = defaultdict(int)
    for page in pages:
        if not period_start <= page.at < period_end:
            continue
        page_counts[page.user] += 1
        night_counts[page.user] += is_night(page.at, _zone_at(by_user.get(page.user, []), page.at, default_zone))
    rows = []
    for user in sorted(set(by_user) | set(page_counts)):
        covered = _merged_duration([(shift.start, shift.end) for shift in by_user.get(user, [])])
        rows.append(
            {
                "user": user,
                "hours_on_call": round(covered.total_seconds() / 3600, 2),
                "pages": page_counts[user],
                "night_pages": night_counts[user],
            }
        )
    return rows
