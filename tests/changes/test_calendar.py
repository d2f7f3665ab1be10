"""The change calendar page and its iCalendar feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from changes import ical, services
from changes.models import CalendarToken, FreezeWindow


def _unfold(text: str) -> list[str]:
    """Undo RFC 5545 folding (CRLF followed by one space)."""
    assert "\n" not in text.replace("\r\n", "")  # every line ends in CRLF
    return text.replace("\r\n ", "").split("\r\n")


def _events(text: str) -> list[dict[str, str]]:
    events, current = [], None
    for line in _unfold(text):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None and ":" in line:
            name, value = line.split(":", 1)
            current[name] = value
    return events


class TestIcalWriter:
    def test_it_escapes_text(self):
        assert ical.escape_text("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"

    def test_it_folds_at_75_octets_without_splitting_characters(self):
        line = "DESCRIPTION:" + "é" * 100
        folded = ical.fold(line)
        for part in folded.split("\r\n"):
            assert len(part.encode("utf-8")) <= 75
        assert folded.replace("\r\n ", "") == line

    def test_it_writes_utc_times(self):
        assert ical.utc_stamp(datetime(2026, 3, 1, 12, 30, tzinfo=UTC)) == "20260301T123000Z"


@pytest.mark.django_db
class TestCalendarFeed:
    def test_it_needs_a_valid_token_but_no_session(self, client, oncall_user):
        assert client.get("/changes/calendar.ics").status_code == 404
        assert client.get("/changes/calendar.ics?token=nope").status_code == 404
        token = services.calendar_token_get(user=oncall_user)
        response = client.get(f"/changes/calendar.ics?token={token.token}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/calendar")

    def test_it_contains_every_scheduled_change(self, client, oncall_user, make_change):
        start = timezone.now() + timedelta(days=1)
        scheduled = [
            make_change(title=f"Change, number {index}; with “quotes”", window_start=start + timedelta(days=index),
                        window_end=start + timedelta(days=index, hours=1), description="Line one\nLine two " + "x" * 120)
            for index in range(4)
        ]  # fmt: skip
        make_change(window_start=None, window_end=None)  # not scheduled
        make_change(status="cancelled")  # stopped
        token = services.calendar_token_get(user=oncall_user)
        body = client.get(f"/changes/calendar.ics?token={token.token}").content.decode()
        for line in body.split("\r\n"):
            assert len(line.encode("utf-8")) <= 75
        events = _events(body)
        assert sorted(event["UID"] for event in events) == sorted(
            f"change-{change.pk}@opsportal" for change in scheduled
        )
        first = next(event for event in events if event["UID"] == f"change-{scheduled[0].pk}@opsportal")
        assert first["DTSTART"] == ical.utc_stamp(scheduled[0].window_start)
        assert first["SUMMARY"] == f"CHG-{scheduled[0].pk} Change\\, number 0\\; with “quotes”"

    def test_it_parses_with_the_icalendar_library(self, client, oncall_user, make_change):
        import icalendar

        changes = [make_change(title=f"Change {index}") for index in range(3)]
        token = services.calendar_token_get(user=oncall_user)
        parsed = icalendar.Calendar.from_ical(client.get(f"/changes/calendar.ics?token={token.token}").content)
        uids = sorted(str(event["UID"]) for event in parsed.walk("VEVENT"))
        assert uids == sorted(f"change-{change.pk}@opsportal" for change in changes)

    def test_a_user_who_lost_the_role_loses_the_feed(self, client, oncall_user):
        token = services.calendar_token_get(user=oncall_user)
        oncall_user.groups.clear()
        assert client.get(f"/changes/calendar.ics?token={token.token}").status_code == 403

    def test_the_page_creates_and_replaces_the_token(self, client_for, oncall_user):
        client = client_for(oncall_user)
        client.post("/changes/calendar/token/")
        first = CalendarToken.objects.get(user=oncall_user).token
        assert first in client.get("/changes/calendar/").content.decode()
        client.post("/changes/calendar/token/")
        assert CalendarToken.objects.get(user=oncall_user).token != first


@pytest.mark.django_db
class TestCalendarPage:
    def test_it_flags_overlaps_and_freezes_by_week_and_month(self, client_for, oncall_user, make_change):
        start = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
        first = make_change(affected_services="web", window_start=start, window_end=start + timedelta(hours=2))
        second = make_change(
            affected_services="web", window_start=start + timedelta(hours=1), window_end=start + timedelta(hours=4)
        )
        FreezeWindow.objects.create(
            name="Holiday freeze", start=start + timedelta(days=1), end=start + timedelta(days=2)
        )
        client = client_for(oncall_user)
        for view in ("week", "month"):
            body = client.get(f"/changes/calendar/?view={view}&date=2026-12-09").content.decode()
            assert body.count('data-testid="calendar-change"') == 2
            assert body.count('data-testid="overlap-flag"') == 2
            assert f"Overlaps CHG-{second.pk}" in body and f"Overlaps CHG-{first.pk}" in body
            assert "Holiday freeze" in body

    def test_it_answers_a_bad_date_with_this_week(self, client_for, oncall_user):
        assert client_for(oncall_user).get("/changes/calendar/?view=month&date=yesterday").status_code == 200

    def test_its_query_count_does_not_grow(self, client_for, oncall_user, make_change, django_assert_max_num_queries):
        start = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
        client = client_for(oncall_user)
        client.get("/changes/calendar/?view=month&date=2026-12-01")
        for index in range(12):
            make_change(
                window_start=start + timedelta(hours=index * 5), window_end=start + timedelta(hours=index * 5 + 1)
            )
        # session, user, groups, changes, freezes, token, unread notifications (+ savepoints the client adds)
        with django_assert_max_num_queries(9):
            client.get("/changes/calendar/?view=month&date=2026-12-01")


@pytest.mark.django_db
class TestCalendarGrids:
    def _cells(self, body: str) -> list[str]:
        import re

        return re.findall(r'data-date="(\d{4}-\d{2}-\d{2})"', body)

    def test_a_week_is_seven_days_from_monday(self, client_for, oncall_user):
        body = client_for(oncall_user).get("/changes/calendar/?view=week&date=2026-12-09").content.decode()
        assert self._cells(body) == [f"2026-12-{day:02d}" for day in range(7, 14)]
        assert body.count('scope="col"') == 7

    def test_a_month_is_its_whole_weeks_monday_to_sunday(self, client_for, oncall_user):
        body = client_for(oncall_user).get("/changes/calendar/?view=month&date=2026-12-20").content.decode()
        cells = self._cells(body)
        assert cells[0] == "2026-11-30" and cells[-1] == "2027-01-03" and len(cells) == 35
        assert "December 2026" in body

    def test_a_freeze_shows_in_the_days_it_covers(self, client_for, oncall_user):
        FreezeWindow.objects.create(
            name="Year-end freeze", start=datetime(2026, 12, 24, tzinfo=UTC), end=datetime(2026, 12, 27, tzinfo=UTC)
        )
        body = client_for(oncall_user).get("/changes/calendar/?view=month&date=2026-12-01").content.decode()
        assert body.count('data-testid="calendar-freeze"') == 3  # 24, 25 and 26 December

    def test_an_empty_period_offers_the_next_scheduled_change(self, client_for, oncall_user, make_change):
        start = timezone.now() + timedelta(days=60)
        later = make_change(title="Move the database", window_start=start, window_end=start + timedelta(hours=1))
        body = client_for(oncall_user).get("/changes/calendar/").content.decode()
        assert "No changes scheduled this week." in body
        day = timezone.localtime(start).date()
        assert f'Next scheduled change: <a href="?view=week&amp;date={day:%Y-%m-%d}">' in " ".join(body.split())
        assert f"{later.reference} Move the database" in body

    def test_a_dst_day_holds_the_changes_of_its_25_hours(self, client_for, oncall_user, make_change, settings):
        settings.TIME_ZONE = "Europe/London"
        # 25 October 2026 is 25 hours long in London; a change at 23:30 local (23:30 UTC) is that day's.
        late = datetime(2026, 10, 25, 23, 30, tzinfo=UTC)
        make_change(title="Late change", window_start=late, window_end=late + timedelta(minutes=20))
        body = client_for(oncall_user).get("/changes/calendar/?view=week&date=2026-10-25").content.decode()
        sunday = body.split('data-date="2026-10-25"')[1].split("</td>")[0]
        assert "Late change" in sunday
