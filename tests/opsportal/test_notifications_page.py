"""Notifications: an unread badge in the navigation (one COUNT), mark-all-read, links and ages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opsportal.models import Notification
from opsportal.services import notifications_mark_read

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)


def notify(user: Any, number: int, *, link: str = "/incidents/7/", **fields: Any) -> Notification:
    return Notification.objects.create(recipient=user, key=f"k-{number}", subject=f"Note {number}", link=link, **fields)


@pytest.mark.django_db
class TestTheUnreadBadge:
    def test_it_shows_the_unread_count_in_the_navigation(self, client_for, ops_user):
        for number in range(3):
            notify(ops_user, number)
        notify(ops_user, 9, read_at=NOW)
        html = client_for(ops_user).get("/checklists/").content.decode()
        assert 'data-testid="unread-count">3<span class="visually-hidden"> unread</span>' in html

    def test_it_shows_no_badge_when_all_is_read(self, client_for, ops_user):
        notify(ops_user, 1, read_at=NOW)
        assert b'data-testid="unread-count"' not in client_for(ops_user).get("/checklists/").content

    def test_it_costs_one_count_query_whatever_the_number(self, client_for, ops_user):
        client = client_for(ops_user)
        client.get("/checklists/")
        for number in range(30):
            notify(ops_user, number)
        with CaptureQueriesContext(connection) as captured:
            client.get("/checklists/")
        on_notifications = [q["sql"] for q in captured.captured_queries if '"opsportal_notification"' in q["sql"]]
        assert len(on_notifications) == 1
        assert "COUNT(" in on_notifications[0]


@pytest.mark.django_db
class TestTheNotificationsPage:
    def test_each_entry_links_to_its_object_with_its_age(self, client_for, ops_user):
        with time_machine.travel(NOW - timedelta(hours=61), tick=False):
            notify(ops_user, 1, link="/changes/32/")
        with time_machine.travel(NOW, tick=False):
            html = client_for(ops_user).get("/notifications/").content.decode()
        assert 'href="/changes/32/"' in html
        assert ">2 days ago</time>" in html
        assert "minutes ago" not in html

    def test_an_entry_from_another_year_shows_the_year(self, client_for, ops_user):
        with time_machine.travel(datetime(2025, 12, 1, 9, tzinfo=UTC), tick=False):
            notify(ops_user, 1)
        with time_machine.travel(NOW, tick=False):
            html = client_for(ops_user).get("/notifications/").content.decode()
        assert "2025" in html.split('class="when">')[1].split("</time>")[0]


@pytest.mark.django_db
class TestMarkAllRead:
    def test_it_marks_every_unread_notification_read(self, client_for, ops_user, oncall_user):
        for number in range(30):
            notify(ops_user, number)
        notify(oncall_user, 1)
        response = client_for(ops_user).post("/notifications/read-all/")
        assert response.status_code == 302
        assert response["Location"] == "/notifications/"
        assert not Notification.objects.filter(recipient=ops_user, read_at=None).exists()
        assert Notification.objects.filter(recipient=oncall_user, read_at=None).count() == 1

    def test_it_takes_no_get(self, client_for, ops_user):
        notify(ops_user, 1)
        assert client_for(ops_user).get("/notifications/read-all/").status_code == 405
        assert Notification.objects.filter(read_at=None).count() == 1

    def test_it_needs_a_login(self, client):
        response = client.post("/notifications/read-all/")
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
class TestNotificationsMarkRead:
    def test_it_keeps_the_first_read_time(self, ops_user):
        first = NOW - timedelta(days=1)
        notify(ops_user, 1, read_at=first)
        notify(ops_user, 2)
        assert notifications_mark_read(user=ops_user) == 1
        assert Notification.objects.get(key="k-1").read_at == first
