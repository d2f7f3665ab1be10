"""The pure business-hours module: hand examples, DST weeks and properties."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incidents.business_hours import (
    BusinessCalendar,
    add_business_minutes,
    business_minutes_between,
    is_business_time,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def london(*args):
    return datetime(*args, tzinfo=LONDON)


class TestAddBusinessMinutes:
    def test_friday_afternoon_rolls_over_the_weekend(self):
        calendar = BusinessCalendar(time_zone="Europe/London")
        assert add_business_minutes(london(2026, 11, 27, 16), 240, calendar) == london(2026, 11, 30, 12)

    def test_the_issue_example_p2_at_half_past_four(self):
        calendar = BusinessCalendar(time_zone="Europe/London")
        assert add_business_minutes(london(2026, 11, 27, 16, 30), 240, calendar) == london(2026, 11, 30, 12, 30)

    def test_it_skips_a_holiday(self):
        calendar = BusinessCalendar(time_zone="Europe/London", holidays=frozenset({date(2026, 11, 30)}))
        assert add_business_minutes(london(2026, 11, 27, 16, 30), 240, calendar) == london(2026, 12, 1, 12, 30)

    def test_it_starts_at_opening_when_declared_at_night(self):
        calendar = BusinessCalendar(time_zone="Europe/London")
        assert add_business_minutes(london(2026, 11, 25, 3), 60, calendar) == london(2026, 11, 25, 10)

    def test_it_lands_on_closing_time_exactly(self):
        calendar = BusinessCalendar(time_zone="Europe/London")
        assert add_business_minutes(london(2026, 11, 25, 13), 240, calendar) == london(2026, 11, 25, 17)

    def test_zero_minutes_is_the_start(self):
        start = london(2026, 11, 28, 3)
        assert add_business_minutes(start, 0, BusinessCalendar()) == start

    def test_it_refuses_naive_and_negative_input(self):
        with pytest.raises(ValueError, match="aware"):
            add_business_minutes(datetime(2026, 1, 1), 5, BusinessCalendar())
        with pytest.raises(ValueError, match="negative"):
            add_business_minutes(london(2026, 1, 1), -5, BusinessCalendar())

    def test_a_calendar_without_hours_is_an_error(self):
        with pytest.raises(ValueError, match="no working hours"):
            add_business_minutes(london(2026, 1, 1), 5, BusinessCalendar(working_hours={}))

    def test_london_spring_forward_week_keeps_wall_clock_hours(self):
        # Clocks go forward on Sunday 2026-03-29; Friday 16:00 + 2h is Monday 10:00 BST.
        calendar = BusinessCalendar(time_zone="Europe/London")
        due = add_business_minutes(london(2026, 3, 27, 16), 120, calendar)
        assert due == london(2026, 3, 30, 10)
        assert due.astimezone(UTC) == datetime(2026, 3, 30, 9, tzinfo=UTC)

    def test_london_autumn_back_week(self):
        calendar = BusinessCalendar(time_zone="Europe/London")
        due = add_business_minutes(london(2026, 10, 23, 16), 120, calendar)  # clocks back 2026-10-25
        assert due == london(2026, 10, 26, 10)
        assert due.astimezone(UTC) == datetime(2026, 10, 26, 10, tzinfo=UTC)

    def test_new_york_dst_weeks(self):
        calendar = BusinessCalendar(time_zone="America/New_York")
        spring = add_business_minutes(datetime(2026, 3, 6, 16, tzinfo=NEW_YORK), 240, calendar)  # DST 2026-03-08
        assert spring == datetime(2026, 3, 9, 12, tzinfo=NEW_YORK)
        assert spring.astimezone(UTC) == datetime(2026, 3, 9, 16, tzinfo=UTC)
        autumn = add_business_minutes(datetime(2026, 10, 30, 16, tzinfo=NEW_YORK), 240, calendar)  # back 2026-11-01
        assert autumn.astimezone(UTC) == datetime(2026, 11, 2, 17, tzinfo=UTC)

    def test_a_night_shift_across_midnight_local_time(self):
        calendar = BusinessCalendar(
            time_zone="Europe/London", working_hours={day: ((time(22), time(23, 59)),) for day in range(7)}
        )
        assert add_business_minutes(london(2026, 6, 1, 23, 29), 60, calendar) == london(2026, 6, 2, 22, 30)


class TestBusinessMinutesBetween:
    def test_it_counts_only_working_time(self):
        calendar = BusinessCalendar(time_zone="Europe/London")
        assert business_minutes_between(london(2026, 11, 27, 16, 30), london(2026, 11, 30, 12, 30), calendar) == 240

    def test_it_is_negative_backwards(self):
        calendar = BusinessCalendar(time_zone="Europe/London")
        assert business_minutes_between(london(2026, 11, 30, 12), london(2026, 11, 30, 10), calendar) == -120

    def test_the_weekend_counts_nothing(self):
        calendar = BusinessCalendar(time_zone="Europe/London")
        assert business_minutes_between(london(2026, 11, 28, 1), london(2026, 11, 29, 23), calendar) == 0


ZONES = st.sampled_from(["Europe/London", "America/New_York", "Australia/Sydney", "UTC", "Asia/Kolkata"])
HOLIDAYS = st.frozensets(st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)), max_size=20)
STARTS = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC))


@settings(max_examples=150, deadline=None)
@given(zone=ZONES, holidays=HOLIDAYS, start=STARTS, minutes=st.integers(min_value=1, max_value=60 * 24 * 5))
def test_a_deadline_is_in_business_time_and_never_before_the_start(zone, holidays, start, minutes):
    calendar = BusinessCalendar(time_zone=zone, holidays=holidays)
    due = add_business_minutes(start, minutes, calendar)
    assert due > start
    assert is_business_time(due, calendar)
    assert due.astimezone(ZoneInfo(zone)).date() not in holidays
    assert business_minutes_between(start, due, calendar) == minutes


@settings(max_examples=100, deadline=None)
@given(zone=ZONES, start=STARTS, first=st.integers(1, 3000), second=st.integers(1, 3000))
def test_adding_twice_equals_adding_the_sum(zone, start, first, second):
    calendar = BusinessCalendar(time_zone=zone)
    once = add_business_minutes(start, first + second, calendar)
    assert add_business_minutes(add_business_minutes(start, first, calendar), second, calendar) == once
    assert once - start >= timedelta(minutes=first + second)
