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
from opsportal import clock

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


def _month_days(year: int, month: int) -> list[date]:
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return [first + timedelta(days=offset) for offset in range((following - first).days)]


class TestTheFourthWeekRunsToTheMonthsLastDay:
    @pytest.mark.parametrize(("year", "month", "last"), [(2026, 2, 28), (2028, 2, 29), (2026, 4, 30), (2026, 12, 31)])
    def test_its_run_closes_at_midnight_after_the_last_day(self, year, month, last):
        zone = ZoneInfo("Europe/London")
        schedule = Schedule(frequency="monthly", time_of_day=time(9), week_of_month=4)
        window = run_window(schedule, date(year, month, 22), zone)
        missed = window.missed_at.astimezone(zone)
        assert (missed.date(), missed.time()) == (date(year, month, last) + timedelta(days=1), time(0))

    @pytest.mark.parametrize("zone_name", ZONES)
    @settings(max_examples=60, deadline=None)
    @given(year=st.integers(2000, 2060), month=st.integers(1, 12))
    def test_weeks_one_to_four_cover_every_day_of_the_month_exactly_once(self, zone_name, year, month):
        zone = ZoneInfo(zone_name)
        covering: dict[date, list[int]] = {day: [] for day in _month_days(year, month)}
        for week in (1, 2, 3, 4):
            schedule = Schedule(frequency="monthly", time_of_day=time(9), week_of_month=week)
            (opening,) = [day for day in covering if occurs_on(schedule, day)]
            window = run_window(schedule, opening, zone)
            for day in covering:
                midday = datetime.combine(day, time(12), tzinfo=zone)
                if window.opens_at <= midday < window.missed_at:
                    covering[day].append(week)
        assert all(len(weeks) == 1 for weeks in covering.values()), covering
        assert {day.day for day, weeks in covering.items() if weeks == [4]} == set(range(22, len(covering) + 1))


class TestMonthlyRunsOpenOnTheNextWorkingDay:
    def test_a_first_week_starting_on_a_saturday_opens_on_monday_or_after_a_holiday(self):
        schedule = Schedule(frequency="monthly", time_of_day=time(9), week_of_month=1)
        weekdays_only = lambda day: day.weekday() < 5  # noqa: E731
        assert [day.day for day in _month_days(2026, 8) if occurs_on(schedule, day, weekdays_only)] == [3]
        bank_holiday = lambda day: day.weekday() < 5 and day != date(2026, 8, 3)  # noqa: E731
        assert [day.day for day in _month_days(2026, 8) if occurs_on(schedule, day, bank_holiday)] == [4]
        window = run_window(schedule, date(2026, 8, 4), ZoneInfo("UTC"), bank_holiday)
        assert window.opens_at == datetime(2026, 8, 4, 9, tzinfo=UTC)
        # The first week still ends on the 7th, but a run never closes before it falls due (4 days).
        assert window.missed_at == window.due_at == datetime(2026, 8, 8, 9, tzinfo=UTC)
        monday = run_window(schedule, date(2026, 8, 3), ZoneInfo("UTC"), weekdays_only)
        assert monday.missed_at == datetime(2026, 8, 8, tzinfo=UTC)

    def test_a_last_day_on_a_saturday_opens_on_the_next_months_first_monday(self):
        schedule = Schedule(frequency="monthly", time_of_day=time(9), day_of_month=31)
        weekdays_only = lambda day: day.weekday() < 5  # noqa: E731
        october = [
            day for day in _month_days(2026, 10) + _month_days(2026, 11) if occurs_on(schedule, day, weekdays_only)
        ]
        assert date(2026, 11, 2) in october and date(2026, 10, 31) not in october  # 31 Oct 2026 is a Saturday

    @pytest.mark.parametrize("zone_name", ZONES)
    @settings(max_examples=60, deadline=None)
    @given(
        year=st.integers(2020, 2040),
        week=st.integers(1, 4),
        working=st.sets(st.integers(0, 6), min_size=1),
        holidays=st.sets(st.dates(min_value=date(2019, 12, 1), max_value=date(2041, 1, 31)), max_size=40),
    )
    def test_each_month_opens_once_on_the_first_working_day_of_its_period(
        self, zone_name, year, week, working, holidays
    ):
        zone = ZoneInfo(zone_name)
        schedule = Schedule(frequency="monthly", time_of_day=time(9), week_of_month=week)

        def working_day(day: date) -> bool:
            return day.weekday() in working and day not in holidays

        days = [day for month in range(1, 13) for day in _month_days(year, month)]
        days += _month_days(year + 1, 1)[:14]  # a December opening may move into January
        openings = [day for day in days if occurs_on(schedule, day, working_day)]
        for month in range(1, 13):
            nominal = date(year, month, 7 * week - 6)
            (opening,) = [day for day in openings if nominal <= day < nominal + timedelta(days=15)]
            gap = [nominal + timedelta(days=offset) for offset in range((opening - nominal).days)]
            assert not any(working_day(day) for day in gap)  # no earlier working day was skipped
            assert working_day(opening) or opening == nominal  # nominal only when nothing works for 14 days
            window = run_window(schedule, opening, zone, working_day)
            local = window.opens_at.astimezone(zone)
            assert (local.date(), local.time()) == (opening, time(9))
            assert window.due_at <= window.missed_at


@pytest.mark.django_db
class TestGenerationUsesTheBusinessCalendar:
    def test_a_monthly_run_on_a_weekend_or_holiday_opens_on_the_next_working_day(self, make_template):
        from incidents.models import BusinessCalendar, Holiday

        calendar = BusinessCalendar.objects.create(name="Default", is_default=True)
        Holiday.objects.create(calendar=calendar, date=date(2026, 8, 3), name="Summer bank holiday")
        first_week = make_template("Strategic Review", frequency="monthly", week_of_month=1, time_of_day=time(9))
        fourth_week = make_template("Planning", frequency="monthly", week_of_month=4, time_of_day=time(9))
        runs_generate(start=date(2026, 8, 1), end=date(2026, 8, 31), now=datetime(2026, 7, 1, tzinfo=UTC))
        first = ChecklistRun.objects.get(template=first_week)
        assert first.period_date == date(2026, 8, 4)  # Sat 1, Sun 2, holiday Mon 3
        fourth = ChecklistRun.objects.get(template=fourth_week)
        assert fourth.period_date == date(2026, 8, 24)  # Sat 22 → Mon 24
        assert fourth.missed_at == clock.local_midnight(date(2026, 9, 1))  # runs to the month's last day

    def test_without_a_calendar_weekdays_are_the_working_days(self, make_template):
        template = make_template("Strategic Review", frequency="monthly", week_of_month=1, time_of_day=time(9))
        runs_generate(start=date(2026, 8, 1), end=date(2026, 8, 10), now=datetime(2026, 7, 1, tzinfo=UTC))
        assert ChecklistRun.objects.get(template=template).period_date == date(2026, 8, 3)
