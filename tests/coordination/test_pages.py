"""The meetings, skills and vendors pages and API: roles, forms that name the bad field, query budgets."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coordination.models import Meeting, MeetingActionItem, Skill, Vendor
from coordination.selectors import open_action_items_for
from incidents.models import Incident, Service, Severity


def _meetings(schedule, count, start=date(2026, 3, 2)):
    rows = []
    for offset in range(count):
        day = start + timedelta(days=offset)
        at = datetime(day.year, day.month, day.day, 9, 15, tzinfo=UTC)
        rows.append(
            Meeting.objects.create(
                schedule=schedule,
                date=day,
                kind=schedule.kind,
                name=schedule.name,
                starts_at=at,
                ends_at=at + timedelta(minutes=15),
                opened_at=at - timedelta(hours=1),
                agenda={
                    "version": 1,
                    "kind": "standup",
                    "since": None,
                    "incidents": [],
                    "runs": [],
                    "changes": [],
                    "oncall": [],
                },
            )
        )
    return rows


def _queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(context.captured_queries)


@pytest.mark.django_db
class TestMeetingPages:
    def test_outsiders_see_nothing(self, client_for, outsider, schedules):
        client = client_for(outsider)
        meeting = _meetings(schedules["standup"], 1)[0]
        for url in ("/meetings/", f"/meetings/{meeting.pk}/", "/skills/", "/vendors/", "/api/v1/meetings/"):
            assert client.get(url).status_code == 403, url

    def test_the_list_costs_the_same_queries_at_one_and_five_times_the_data(self, client_for, ops_user, schedules):
        client = client_for(ops_user)
        _meetings(schedules["standup"], 3)
        few = _queries(client, "/meetings/")
        _meetings(schedules["standup"], 15, start=date(2026, 2, 1))
        assert _queries(client, "/meetings/") == few
        few_api = _queries(client, "/api/v1/meetings/?from=2026-01-01&to=2026-03-31")
        _meetings(schedules["standup"], 10, start=date(2026, 1, 1))
        assert _queries(client, "/api/v1/meetings/?from=2026-01-01&to=2026-03-31") == few_api

    def test_ops_read_the_agenda_but_write_no_minutes(self, client_for, ops_user, schedules):
        meeting = _meetings(schedules["standup"], 1)[0]
        client = client_for(ops_user)
        page = client.get(f"/meetings/{meeting.pk}/")
        assert b'data-testid="agenda"' in page.content and b"minutes-form" not in page.content
        assert client.post(f"/meetings/{meeting.pk}/minutes/", {"minutes": "x"}).status_code == 403

    def test_an_engineer_writes_minutes_and_action_items(self, client_for, oncall_user, ops_user, schedules):
        meeting = _meetings(schedules["standup"], 1)[0]
        client = client_for(oncall_user)
        assert client.post(f"/meetings/{meeting.pk}/minutes/", {"minutes": "All green."}).status_code == 302
        meeting.refresh_from_db()
        assert (meeting.minutes, meeting.minutes_by) == ("All green.", oncall_user)
        bad = client.post(
            f"/meetings/{meeting.pk}/actions/", {"description": "Fix", "owner": ops_user.pk, "due_date": "2026-03-01"}
        )
        assert bad.status_code == 400
        assert "The due date cannot be before the meeting." in bad.content.decode()
        good = client.post(
            f"/meetings/{meeting.pk}/actions/", {"description": "Fix", "owner": ops_user.pk, "due_date": "2026-03-05"}
        )
        assert good.status_code == 302
        item = MeetingActionItem.objects.get()
        # Today lists it for its owner, in one query.
        with CaptureQueriesContext(connection) as context:
            assert open_action_items_for(ops_user) == [item]
        assert len(context.captured_queries) == 1
        today = client_for(ops_user).get("/")
        assert b"today-meeting-actions" in today.content and b"Fix" in today.content
        assert client_for(ops_user).post(f"/meetings/actions/{item.pk}/done/").status_code == 302
        assert client_for(ops_user).post(f"/meetings/actions/{item.pk}/done/").status_code == 409


@pytest.mark.django_db
class TestMeetingsApi:
    def test_it_filters_by_date_and_shows_the_agenda(self, client_for, ops_user, schedules):
        meetings = _meetings(schedules["standup"], 3)
        client = client_for(ops_user)
        body = client.get("/api/v1/meetings/?from=2026-03-03&to=2026-03-03").json()
        assert [row["id"] for row in body["results"]] == [meetings[1].pk]
        detail = client.get(f"/api/v1/meetings/{meetings[1].pk}/").json()
        assert detail["agenda"]["kind"] == "standup" and detail["action_items"] == []

    @pytest.mark.parametrize(
        ("query", "field"),
        [("from=yesterday", "from"), ("to=2026-13-01", "to"), ("from=2026-03-05&to=2026-03-01", "to"),
         ("from=1999-12-31", "from"), ("from=2020-01-01&to=2026-01-01", "to")],
    )  # fmt: skip
    def test_a_bad_date_is_a_400_naming_the_field(self, client_for, ops_user, query, field):
        response = client_for(ops_user).get(f"/api/v1/meetings/?{query}")
        assert response.status_code == 400
        assert field in response.json()["error"]["fields"]

    def test_an_unknown_meeting_is_a_404(self, client_for, ops_user):
        assert client_for(ops_user).get("/api/v1/meetings/999999/").status_code == 404


@pytest.mark.django_db
class TestSkillsPage:
    def test_a_manager_records_a_skill_and_a_bad_expiry_is_named(self, client_for, manager_user, oncall_user):
        payments = Service.objects.create(name="Payments")
        client = client_for(manager_user)
        bad = client.post(
            "/skills/",
            {"user": oncall_user.pk, "service": payments.pk, "trained_on": "2026-03-01", "expires_on": "2026-02-01"},
        )
        assert bad.status_code == 400
        assert "The expiry date must be after the training date." in bad.content.decode()
        good = client.post("/skills/", {"user": oncall_user.pk, "service": payments.pk, "trained_on": "2026-03-01"})
        assert good.status_code == 302
        page = client.get("/skills/").content.decode()
        assert "oscar.oncall" in page and 'data-testid="understaffed"' in page

    def test_ops_may_not_record_skills(self, client_for, ops_user):
        payments = Service.objects.create(name="Payments")
        response = client_for(ops_user).post(
            "/skills/", {"user": ops_user.pk, "service": payments.pk, "trained_on": "2026-03-01"}
        )
        assert response.status_code == 403
        assert not Skill.objects.exists()


@pytest.mark.django_db
class TestVendors:
    def test_a_manager_registers_a_vendor_and_a_duplicate_name_is_named(self, client_for, manager_user):
        payments = Service.objects.create(name="Payments")
        client = client_for(manager_user)
        data = {"name": "Stripe", "services": [payments.pk], "support_contact": "support@stripe.example",
                "contract_end": "2027-01-31"}  # fmt: skip
        assert client.post("/vendors/new/", data).status_code == 302
        again = client.post("/vendors/new/", {**data, "name": "stripe"})
        assert again.status_code == 400
        assert "A vendor of this name is already registered." in again.content.decode()
        assert "Stripe" in client.get("/vendors/").content.decode()

    def test_ops_may_not_edit_vendors(self, client_for, ops_user):
        assert client_for(ops_user).get("/vendors/new/").status_code == 403

    def test_an_engineer_links_a_vendor_from_the_incident_page(self, client_for, oncall_user):
        vendor = Vendor.objects.create(name="Stripe", support_contact="support@stripe.example")
        severity = Severity.objects.create(code="P1", name="High", response_minutes=60)
        now = datetime(2026, 3, 11, 8, tzinfo=UTC)
        incident = Incident.objects.create(
            title="Payments down", severity=severity, detected_at=now, response_due_at=now + timedelta(hours=1)
        )
        client = client_for(oncall_user)
        assert client.post(f"/vendors/incidents/{incident.pk}/link/", {"vendor": vendor.pk}).status_code == 302
        page = client.get(f"/incidents/{incident.pk}/").content.decode()
        assert 'data-testid="incident-vendors"' in page and "support@stripe.example" in page
        assert list(vendor.incidents.all()) == [incident]
        body = client.get("/api/v1/vendors/").json()
        assert body["results"][0]["incidents"] == [incident.pk]

    def test_the_vendor_api_costs_the_same_queries_at_one_and_five_times_the_data(self, client_for, ops_user):
        payments = Service.objects.create(name="Payments")
        client = client_for(ops_user)

        def add(count, offset):
            for index in range(count):
                Vendor.objects.create(name=f"Vendor {offset + index}", support_contact="x").services.add(payments)

        add(2, 0)
        few = _queries(client, "/api/v1/vendors/")
        few_page = _queries(client, "/vendors/")
        add(8, 10)
        assert _queries(client, "/api/v1/vendors/") == few
        assert _queries(client, "/vendors/") == few_page
