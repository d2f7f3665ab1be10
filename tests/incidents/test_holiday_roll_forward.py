"""Holidays roll forward by themselves: a daily beat task adds next year's for each calendar's country."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.management import call_command

from incidents.models import BusinessCalendar, Holiday
from incidents.tasks import roll_holidays_forward
from opsportal.celery import app


def _dates(calendar: BusinessCalendar) -> set[date]:
    return set(Holiday.objects.filter(calendar=calendar).values_list("date", flat=True))


@pytest.mark.django_db
class TestRollHolidaysForward:
    def test_it_adds_this_and_next_years_holidays_for_each_calendar_with_a_country(self):
        england = BusinessCalendar.objects.create(name="London", country="GB", subdivision="ENG", is_default=True)
        germany = BusinessCalendar.objects.create(name="Berlin", country="DE", is_default=False)
        with time_machine.travel(datetime(2026, 12, 1, 3, 17, tzinfo=UTC), tick=False):
            added = roll_holidays_forward()
        assert {date(2026, 12, 25), date(2027, 1, 1), date(2027, 8, 30), date(2027, 12, 27)} <= _dates(england)
        assert {date(2027, 1, 1), date(2027, 10, 3), date(2027, 12, 25)} <= _dates(germany)
        assert date(2027, 8, 30) not in _dates(germany)  # England's summer bank holiday only
        assert added == Holiday.objects.count()

    def test_it_is_idempotent(self):
        calendar = BusinessCalendar.objects.create(name="London", country="GB", subdivision="ENG")
        with time_machine.travel(datetime(2026, 12, 1, 3, 17, tzinfo=UTC), tick=False):
            first = roll_holidays_forward()
            before = _dates(calendar)
            second = roll_holidays_forward()
        assert first > 0 and second == 0
        assert _dates(calendar) == before

    def test_on_new_years_day_next_years_holidays_are_added_too(self):
        calendar = BusinessCalendar.objects.create(name="London", country="GB", subdivision="ENG")
        with time_machine.travel(datetime(2027, 1, 1, 3, 17, tzinfo=UTC), tick=False):
            roll_holidays_forward()
        assert {date(2027, 12, 27), date(2028, 1, 3)} <= _dates(calendar)

    def test_it_leaves_calendars_without_a_country_alone(self):
        calendar = BusinessCalendar.objects.create(name="Office")
        calendar.holidays.create(date=date(2026, 7, 1), name="Company day")
        with time_machine.travel(datetime(2026, 12, 1, 3, 17, tzinfo=UTC), tick=False):
            assert roll_holidays_forward() == 0
        assert _dates(calendar) == {date(2026, 7, 1)}

    def test_it_keeps_holidays_an_admin_added_by_hand(self):
        calendar = BusinessCalendar.objects.create(name="London", country="GB", subdivision="ENG")
        calendar.holidays.create(date=date(2027, 7, 1), name="Company day")
        with time_machine.travel(datetime(2026, 12, 1, 3, 17, tzinfo=UTC), tick=False):
            roll_holidays_forward()
        assert date(2027, 7, 1) in _dates(calendar)


class TestRollHolidaysBeatEntry:
    def test_beat_runs_the_registered_task_daily(self):
        entry = django_settings.CELERY_BEAT_SCHEDULE["incidents-roll-holidays"]
        assert entry["task"] == "incidents.tasks.roll_holidays_forward"
        assert entry["task"] in app.tasks
        assert entry["schedule"] == timedelta(days=1)


@pytest.mark.django_db
class TestCalendarCountry:
    def test_fill_holidays_remembers_the_country_for_the_roll_forward(self):
        with time_machine.travel(datetime(2026, 6, 1, 12, tzinfo=UTC), tick=False):
            call_command("fill_holidays", "GB", "--subdivision", "ENG", "--years", "2026")
        calendar = BusinessCalendar.objects.get(is_default=True)
        assert (calendar.country, calendar.subdivision) == ("GB", "ENG")

    def test_fill_holidays_keeps_a_country_already_set(self):
        calendar = BusinessCalendar.objects.create(name="Default", country="GB", subdivision="SCT")
        call_command("fill_holidays", "GB", "--subdivision", "ENG", "--years", "2026")
        calendar.refresh_from_db()
        assert calendar.subdivision == "SCT"

    def test_an_unknown_country_is_refused_next_to_the_field(self):
        calendar = BusinessCalendar(name="Nowhere", country="XX")
        with pytest.raises(ValidationError) as error:
            calendar.full_clean()
        assert "country" in error.value.message_dict
