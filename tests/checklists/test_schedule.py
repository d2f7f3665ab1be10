"""The calendar rules: which dates open a run, and when, across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checklists.models import ChecklistRun
from checklists.schedule import Schedule, describe, occurs_on, run_window
from checklists.services import runs_generate

DAILY_8 = Schedule(frequency="daily", time_of_day=time(8, 0))
ZONES = ["Europe/London", "America/New_York"]
# Both changes of 2026 in each zone, and the days either side.
DST_DAYS = {
    "Europe/London": [date(2026, 3, 29), date(2026, 10, 25)],
    "America/New_York": [date(2026, 3, 8), date(2026, 11, 1)],
}


class TestDailyWindowAcrossDaylightSaving:
    @pytest.mark.parametrize("zone_name", ZONES)
    def test_it_opens_at_eight_local_on_each_change_and_the_days_around_it(self, zone_name):
        zone = ZoneInfo(zone_name)
        for change in DST_DAYS[zone_name]:
            for day in (change - timedelta(days=1), change, change + timedelta(days=1)):
                window = run_window(DAILY_8, day, zone)
                local = window.opens_at.astimezone(zone)
                assert (local.date(), local.time()) == (day, time(8, 0))
                assert window.due_at.astimezone(zone).time() == time(9, 0)
                missed = window.missed_at.astimezone(zone)
                assert (missed.date(), missed.time()) == (day + timedelta(days=1), time(0))

    @pytest.mark.parametrize("zone_name", ZONES)
    @settings(max_examples=60, deadline=None)
    @given(day=st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31)), minute=st.integers(0, 23 * 60 + 59))
    def test_any_day_and_time_is_kept_in_local_wall_clock(self, zone_name, day, minute):
        zone = ZoneInfo(zone_name)
        at = time(minute // 60, minute % 60)
        window = run_window(Schedule(frequency="daily", time_of_day=at), day, zone)
        local = window.opens_at.astimezone(zone)
        if local.time() == at:  # times in the spring-forward gap do not exist locally
            assert local.date() == day
        assert window.opens_at < window.missed_at
        assert window.due_at <= window.missed_at


class TestWeeklyAndMonthlyAcrossDaylightSaving:
    @pytest.mark.parametrize("zone_name", ZONES)
    @settings(max_examples=40, deadline=None)
    @given(
        weekdays=st.sets(st.integers(0, 6), min_size=1),
        week=st.integers(1, 5),
        hour=st.integers(5, 22),
        year=st.integers(2020, 2040),
    )
    def test_every_run_opens_at_its_local_time_on_its_local_day(self, zone_name, weekdays, week, hour, year):
        zone = ZoneInfo(zone_name)
        weekly = Schedule(frequency="weekly", time_of_day=time(hour), weekdays=tuple(weekdays))
        monthly = Schedule(frequency="monthly", time_of_day=time(hour), week_of_month=week)
        start = date(year, 1, 1)
        days = [start + timedelta(days=offset) for offset in range((date(year + 1, 1, 1) - start).days)]
        weekly_days = [day for day in days if occurs_on(weekly, day)]
        monthly_days = [day for day in days if occurs_on(monthly, day)]
        assert all(day.weekday() in weekdays for day in weekly_days)
        assert len(monthly_days) == (12 if week < 5 else sum(1 for day in days if day.day == 29))
        for schedule, chosen in ((weekly, weekly_days), (monthly, monthly_days)):
            for day in chosen:
                window = run_window(schedule, day, zone)
                local = window.opens_at.astimezone(zone)
                assert (local.date(), local.time()) == (day, time(hour))


@pytest.mark.django_db
class TestDailyRunsAcrossDaylightSaving:
    @pytest.mark.parametrize("zone_name", ZONES)
    def test_it_makes_exactly_one_run_per_local_date_at_eight(self, settings, make_template, zone_name):
        settings.TIME_ZONE = zone_name
        zone = ZoneInfo(zone_name)
        make_template("Morning", frequency="daily", time_of_day=time(8, 0))
        runs_generate(start=date(2026, 3, 1), end=date(2026, 11, 30), now=datetime(2026, 1, 1, tzinfo=UTC))
        runs = list(ChecklistRun.objects.order_by("opens_at"))
        assert len(runs) == (date(2026, 11, 30) - date(2026, 3, 1)).days + 1
        assert len({run.period_date for run in runs}) == len(runs)
        for run in runs:
            local = run.opens_at.astimezone(zone)
            assert (local.date(), local.time()) == (run.period_date, time(8, 0))


class TestOccursOn:
    def test_week_n_of_the_month_is_days_7n_minus_6(self):
        schedule = Schedule(frequency="monthly", time_of_day=time(9), week_of_month=4)
        assert [day for day in range(1, 32) if occurs_on(schedule, date(2026, 12, day))] == [22]

    def test_day_31_means_the_last_day_of_a_short_month(self):
        schedule = Schedule(frequency="monthly", time_of_day=time(9), day_of_month=31)
        assert occurs_on(schedule, date(2026, 2, 28))
        assert not occurs_on(schedule, date(2026, 3, 30))

    def test_quarterly_runs_in_the_first_month_of_each_quarter(self):
        schedule = Schedule(frequency="quarterly", time_of_day=time(9), week_of_month=1)
        months = [month for month in range(1, 13) if occurs_on(schedule, date(2026, month, 1))]
        assert months == [1, 4, 7, 10]

    def test_weekly_runs_on_each_chosen_weekday(self):
        schedule = Schedule(frequency="weekly", time_of_day=time(9), weekdays=(0, 3))
        assert [day.day for day in (date(2026, 12, d) for d in range(1, 15)) if occurs_on(schedule, day)] == [
            3,
            7,
            10,
            14,
        ]

    def test_on_demand_never_opens_by_itself(self):
        assert not occurs_on(Schedule(frequency="on_demand"), date(2026, 12, 1))

    def test_it_describes_itself(self):
        assert describe(Schedule(frequency="weekly", time_of_day=time(9), weekdays=(0,))) == "Weekly on Monday at 09:00"
