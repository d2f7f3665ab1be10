"""Ops staff see no change data anywhere: incident pages, the incident API, Today, notifications, the calendar feed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from changes import services
from incidents.models import Severity
from incidents.services import incident_declare, severity_default_policy_create
from opsportal.models import Notification
from opsportal.roles import Role

SECRET_TITLE = "Migrate the payroll database"


@pytest.fixture
def linked(make_change, oncall_user):
    """An incident linked to a change (as caused by it), both made through their services."""
    severity = Severity.objects.create(code="P1", name="High", response_minutes=60, position=1)
    severity_default_policy_create(severity=severity)
    incident = incident_declare(by=oncall_user, title="Payroll is slow", severity=severity)
    change = make_change(title=SECRET_TITLE)
    services.change_link_incident(change=change, incident=incident, kind="caused", by=oncall_user)
    return incident, change


@pytest.mark.django_db
class TestIncidentPagesHideChangesFromOpsStaff:
    def test_ops_staff_see_no_linked_change_on_the_incident_page(self, client_for, ops_user, linked):
        incident, change = linked
        page = client_for(ops_user).get(f"/incidents/{incident.pk}/").content.decode()
        assert SECRET_TITLE not in page
        assert change.reference not in page
        assert 'data-testid="linked-changes"' not in page

    def test_on_call_engineers_still_see_it(self, client_for, oncall_user, linked):
        incident, _change = linked
        page = client_for(oncall_user).get(f"/incidents/{incident.pk}/").content.decode()
        assert SECRET_TITLE in page

    def test_the_incident_api_shows_ops_staff_no_change(self, client_for, ops_user, linked):
        incident, _change = linked
        client = client_for(ops_user)
        for url in (
            f"/api/v1/incidents/{incident.pk}/",
            "/api/v1/incidents/",
            f"/api/v1/incidents/{incident.pk}/timeline/",
        ):
            response = client.get(url)
            assert response.status_code == 200
            assert SECRET_TITLE not in response.content.decode(), url


@pytest.mark.django_db
class TestTodayAndNotificationsHideChangesFromOpsStaff:
    def test_today_has_no_changes_section_for_ops_staff(self, client_for, ops_user, make_change):
        start = timezone.now()
        make_change(title=SECRET_TITLE, requester=ops_user, window_start=start, window_end=start + timedelta(hours=1))
        page = client_for(ops_user).get("/").content.decode()
        assert SECRET_TITLE not in page

    def test_a_requester_who_moved_to_ops_gets_no_window_reminder(self, make_change, make_user, oncall_user):
        mover = make_user("moved.to.ops", Role.OPS)
        start = timezone.now() - timedelta(hours=3)
        make_change(title=SECRET_TITLE, status="planning", requester=mover, implementer=oncall_user,
                    window_start=start, window_end=start + timedelta(hours=1))  # fmt: skip
        assert services.change_reminders_send() == 1
        assert not Notification.objects.filter(recipient=mover).exists()
        assert Notification.objects.filter(recipient=oncall_user).exists()

    def test_the_notifications_page_of_ops_staff_shows_no_change(self, client_for, ops_user, make_change):
        start = timezone.now() - timedelta(hours=3)
        make_change(title=SECRET_TITLE, status="planning", requester=ops_user,
                    window_start=start, window_end=start + timedelta(hours=1))  # fmt: skip
        services.change_reminders_send()
        assert SECRET_TITLE not in client_for(ops_user).get("/notifications/").content.decode()

    def test_the_calendar_feed_of_a_user_moved_to_ops_is_refused(self, client, make_user):
        mover = make_user("feed.owner", Role.ONCALL)
        token = services.calendar_token_get(user=mover)
        mover.groups.clear()
        mover.groups.add(*make_user("x", Role.OPS).groups.all())
        response = client.get(f"/changes/calendar.ics?token={token.token}")
        assert response.status_code == 403
