"""Admin of severities and calendars, the fill_holidays command, and read-only history."""

from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from incidents.models import BusinessCalendar, Holiday, TimelineEntry
from incidents.selectors import business_calendar
from incidents.services import incident_declare


@pytest.fixture
def superuser(make_user):
    return make_user("root.admin", is_staff=True, is_superuser=True)


@pytest.mark.django_db
class TestFillHolidays:
    def test_the_command_fills_the_default_calendar(self, capsys):
        call_command("fill_holidays", "GB", "--subdivision", "ENG", "--years", "2026")
        calendar = BusinessCalendar.objects.get()
        assert Holiday.objects.filter(calendar=calendar, date=date(2026, 12, 25)).exists()
        count = Holiday.objects.count()
        call_command("fill_holidays", "GB", "--subdivision", "ENG", "--years", "2026")
        assert Holiday.objects.count() == count
        assert date(2026, 12, 28) in business_calendar().holidays  # Boxing Day (substitute)

    def test_an_unknown_country_is_a_clear_error(self):
        with pytest.raises(CommandError, match="does not know country"):
            call_command("fill_holidays", "XX", "--years", "2026")

    def test_the_admin_action_fills_holidays(self, client_for, superuser):
        calendar = BusinessCalendar.objects.create(name="US office", time_zone="America/New_York")
        client = client_for(superuser)
        response = client.post(
            "/admin/incidents/businesscalendar/",
            {
                "action": "fill_holidays",
                "_selected_action": [calendar.pk],
                "apply": "1",
                "country": "US",
                "years": "2026",
            },
        )
        assert response.status_code == 302
        assert Holiday.objects.filter(calendar=calendar, date=date(2026, 7, 3)).exists()  # Independence Day observed


@pytest.mark.django_db
class TestAdminPages:
    def test_severity_and_calendar_pages_open(self, client_for, superuser, severities):
        client = client_for(superuser)
        assert client.get(f"/admin/incidents/severity/{severities['P0'].pk}/change/").status_code == 200
        assert client.get("/admin/incidents/businesscalendar/add/").status_code == 200

    def test_a_bad_time_zone_is_a_field_error(self, client_for, superuser):
        response = client_for(superuser).post(
            "/admin/incidents/businesscalendar/add/",
            {"name": "Bad", "time_zone": "Mars/Olympus", "is_default": "on",
             "working_hours-TOTAL_FORMS": "0", "working_hours-INITIAL_FORMS": "0",
             "holidays-TOTAL_FORMS": "0", "holidays-INITIAL_FORMS": "0"},
        )  # fmt: skip
        assert response.status_code == 200
        assert "Unknown time zone" in response.content.decode()
        assert not BusinessCalendar.objects.exists()

    def test_timeline_entries_are_read_only(self, client_for, superuser, severities):
        incident = incident_declare(by=superuser, title="x", severity=severities["P1"])
        entry = TimelineEntry.objects.get(incident=incident)
        client = client_for(superuser)
        assert client.get(f"/admin/incidents/timelineentry/{entry.pk}/delete/").status_code == 403
        client.post(f"/admin/incidents/timelineentry/{entry.pk}/change/", {"text": "rewritten"})
        assert TimelineEntry.objects.get(pk=entry.pk).text == entry.text
        assert client.get("/admin/incidents/incident/add/").status_code == 403


@pytest.mark.django_db
class TestCalendarSelector:
    def test_without_a_calendar_it_is_weekdays_nine_to_five_in_the_portal_zone(self, london):
        calendar = business_calendar()
        assert calendar.time_zone == "Europe/London"
        assert sorted(calendar.working_hours) == [0, 1, 2, 3, 4]
