"""Property: every response deadline equals a brute-force minute walker's answer.

The walker knows nothing of intervals or conversions: it steps one UTC minute at a time from
detection and counts the minutes that count (every minute for a round-the-clock SLA; for a
business-hours SLA, a minute whose start lies inside the calendar's working hours on its local
wall clock, on a day that is not a holiday). The deadline is the end of the N-th counted minute.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from incidents.business_hours import BusinessCalendar
from incidents.models import Severity
from incidents.services import response_due_at

ZONES = ["Europe/London", "America/New_York", "UTC", "Australia/Sydney"]
# 2026's daylight-saving changes (UTC) in the zones above; detections cluster around them.
CHANGES = [
    datetime(2026, 3, 29, 1, tzinfo=UTC),
    datetime(2026, 10, 25, 1, tzinfo=UTC),
    datetime(2026, 3, 8, 7, tzinfo=UTC),
    datetime(2026, 11, 1, 6, tzinfo=UTC),
    datetime(2026, 4, 4, 16, tzinfo=UTC),
    datetime(2026, 10, 3, 16, tzinfo=UTC),
]
MINUTE = timedelta(minutes=1)


def walk(detected: datetime, minutes: int, calendar: BusinessCalendar | None) -> datetime:
    """Return the end of the ``minutes``-th counted minute after ``detected``, minute by minute."""
    instant = detected.astimezone(UTC)
    counted = 0
    while counted < minutes:
        if calendar is None or _is_working_minute(instant, calendar):
            counted += 1
        instant += MINUTE
    return instant


def _is_working_minute(instant: datetime, calendar: BusinessCalendar) -> bool:
    local = instant.astimezone(ZoneInfo(calendar.time_zone))
    if local.date() in calendar.holidays:
        return False
    wall = local.time().replace(tzinfo=None)
    return any(start <= wall < end for start, end in calendar.working_hours.get(local.weekday(), ()))


def _quarter(number: int) -> time:
    """Return the time ``number`` quarter hours after midnight."""
    return time(number // 4, number % 4 * 15)


@st.composite
def working_hours(draw: st.DrawFn) -> dict[int, tuple[tuple[time, time], ...]]:
    """Draw one interval on some weekdays (at least one), including ones across 01:00–03:00."""
    hours = {}
    for weekday in draw(st.sets(st.integers(0, 6), min_size=1)):
        start = draw(st.integers(0, 91))  # quarter hours; at least an hour of work, so the walker stays quick
        end = draw(st.integers(start + 4, 95))
        hours[weekday] = ((_quarter(start), _quarter(end)),)
    return hours


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    zone = draw(st.sampled_from(ZONES))
    hours = draw(st.one_of(st.just({weekday: ((time(9), time(17)),) for weekday in range(5)}), working_hours()))
    holidays = draw(st.frozensets(st.dates(date(2026, 1, 1), date(2026, 12, 31)), max_size=20))
    return BusinessCalendar(time_zone=zone, working_hours=hours, holidays=holidays)


detections = st.builds(
    lambda change, offset, zone: (change + timedelta(minutes=offset)).astimezone(ZoneInfo(zone)),
    st.sampled_from(CHANGES),
    st.integers(-3 * 1440, 2 * 1440),
    st.sampled_from(ZONES),
)


def _severity(minutes: int, *, business_hours_only: bool) -> Severity:
    return Severity(code="P9", name="test", response_minutes=minutes, business_hours_only=business_hours_only)


class TestResponseDeadlineAgainstAMinuteWalker:
    @settings(max_examples=300, deadline=None)
    @given(detected=detections, minutes=st.sampled_from([1, 15, 60, 240, 1440, 2 * 1440 + 7]))
    def test_a_round_the_clock_deadline_is_exactly_the_elapsed_minutes(self, detected, minutes):
        due = response_due_at(detected_at=detected, severity=_severity(minutes, business_hours_only=False))
        assert due == walk(detected, minutes, None)
        assert due.utcoffset() == timedelta(0)

    @settings(max_examples=150, deadline=None)
    @given(detected=detections, minutes=st.sampled_from([1, 15, 60, 240]), calendar=calendars())
    def test_a_business_hours_deadline_counts_only_working_minutes(self, detected, minutes, calendar):
        due = response_due_at(
            detected_at=detected, severity=_severity(minutes, business_hours_only=True), calendar=calendar
        )
        assert due == walk(detected, minutes, calendar)
        assert due > detected

    def test_the_reference_p2_over_a_uk_bank_holiday_weekend(self):
        calendar = BusinessCalendar(
            time_zone="Europe/London",
            working_hours={weekday: ((time(9), time(17)),) for weekday in range(5)},
            holidays=frozenset({date(2026, 4, 3), date(2026, 4, 6)}),  # Good Friday, Easter Monday
        )
        detected = datetime(2026, 4, 2, 15, tzinfo=UTC)  # Thursday 16:00 BST
        due = response_due_at(
            detected_at=detected, severity=_severity(240, business_hours_only=True), calendar=calendar
        )
        # One hour on Thursday, then three on Tuesday from 09:00 BST.
        assert due == datetime(2026, 4, 7, 11, tzinfo=UTC) == walk(detected, 240, calendar)


DECLARED_P2 = [
    datetime(2026, 3, 27, 15, 30, tzinfo=UTC),  # Friday afternoon before London's spring change
    datetime(2026, 10, 23, 16, 45, tzinfo=UTC),  # Friday before the autumn change
    datetime(2026, 12, 24, 14, tzinfo=UTC),  # Christmas Eve, before two holidays
    datetime(2026, 3, 28, 12, tzinfo=UTC),  # a Saturday
]


@pytest.mark.django_db
class TestP2DeclaredThroughTheApiAgainstTheWalker:
    @pytest.mark.parametrize("detected", DECLARED_P2, ids=lambda value: f"{value:%Y%m%dT%H%MZ}")
    def test_it_gets_four_working_hours_of_the_default_calendar(
        self, london, client_for, oncall_user, severities, detected
    ):
        from incidents.models import BusinessCalendar as CalendarRow
        from incidents.selectors import business_calendar

        row = CalendarRow.objects.create(name="London office", time_zone="Europe/London", is_default=True)
        row.holidays.create(date=date(2026, 12, 25), name="Christmas Day")
        row.holidays.create(date=date(2026, 12, 28), name="Boxing Day (substitute day)")
        with time_machine.travel(detected + timedelta(minutes=1), tick=False):
            response = client_for(oncall_user).post(
                "/api/v1/incidents/",
                {
                    "title": "Reports slow",
                    "severity": "P2",
                    "detected_at": detected.astimezone(ZoneInfo("Europe/London")).isoformat(),
                },
                content_type="application/json",
            )
        assert response.status_code == 201, response.content
        due = datetime.fromisoformat(response.json()["response_due_at"])
        assert due == walk(detected, 240, business_calendar())
