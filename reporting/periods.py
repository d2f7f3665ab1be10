"""Report periods: which days a daily, weekly, monthly or quarterly report covers. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

KINDS = ("daily", "weekly", "monthly", "quarterly")


@dataclass(frozen=True)
class Period:
    """A report period: ``start`` to ``end``, both days included."""

    kind: str
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """Return the period just before this one."""
        return period_containing(self.kind, self.start - timedelta(days=1))

    def bounds(self, zone: str) -> tuple[datetime, datetime]:
        """Return the aware datetimes [start, end) of the period in the time zone ``zone``."""
        tzinfo = ZoneInfo(zone)
        return (
            datetime.combine(self.start, time.min, tzinfo=tzinfo),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tzinfo),
        )

    def label(self) -> str:
        """Return a human label such as "November 2026" or "Week 47, 2026"."""
        if self.kind == "daily":
            return self.start.strftime("%a %d %b %Y")
        if self.kind == "weekly":
            year, week, _ = self.start.isocalendar()
            return f"Week {week}, {year}"
        if self.kind == "monthly":
            return self.start.strftime("%B %Y")
        return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year}"


def _month_start(day: date, months_back: int = 0) -> date:
    month_index = day.year * 12 + day.month - 1 - months_back
    return date(month_index // 12, month_index % 12 + 1, 1)


def period_containing(kind: str, day: date) -> Period:
    """Return the period of ``kind`` that contains ``day`` (weeks start on Monday)."""
    if kind == "daily":
        return Period(kind, day, day)
    if kind == "weekly":
        start = day - timedelta(days=day.weekday())
        return Period(kind, start, start + timedelta(days=6))
    if kind == "monthly":
        start = day.replace(day=1)
        following = _month_start(start, -1)
        return Period(kind, start, following - timedelta(days=1))
    if kind == "quarterly":
        start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        following = _month_start(start, -3)
        return Period(kind, start, following - timedelta(days=1))
    raise ValueError(f"{kind!r} is not a report kind (one of {', '.join(KINDS)}).")


def last_complete_period(kind: str, today: date) -> Period:
    """Return the latest period of ``kind`` that ended before ``today``."""
    return period_containing(kind, today).previous()
