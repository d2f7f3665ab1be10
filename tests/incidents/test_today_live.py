"""Today stays live (here with its incidents section): polls answer 304 while nothing changed, 200 after."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.services import incident_acknowledge, incident_declare

HTMX = {"HTTP_HX_REQUEST": "true"}
NOW = datetime(2026, 12, 1, 8, 30, 15, tzinfo=UTC)


def poll(client, etag: str = ""):
    headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/", **HTMX, **headers)
    return response, len(queries)


@pytest.mark.django_db
class TestTodayPolls:
    def test_today_polls_itself(self, client_for, oncall_user, settings):
        settings.LIVE_POLL_SECONDS = 4
        body = client_for(oncall_user).get("/").content.decode()
        assert 'id="today-live"' in body and 'hx-trigger="every 4s"' in body and 'hx-select="#today-live"' in body

    def test_an_unchanged_poll_answers_304_in_a_few_queries(self, severities, client_for, oncall_user):
        with time_machine.travel(NOW, tick=False):
            incident_declare(by=oncall_user, title="Payments down", severity=severities["P1"])
            client = client_for(oncall_user)
            first, full_queries = poll(client)
            again, queries = poll(client, first["ETag"])
        assert first.status_code == 200 and again.status_code == 304 and again.content == b""
        assert queries <= 4 and queries < full_queries

    def test_an_acknowledgement_or_a_new_incident_answers_200(self, severities, client_for, oncall_user, ops_user):
        with time_machine.travel(NOW, tick=False):
            incident = incident_declare(by=ops_user, title="Payments down", severity=severities["P1"])
            client = client_for(oncall_user)
            first, _ = poll(client)
            incident_acknowledge(incident=incident, by=oncall_user)
            acknowledged, _ = poll(client, first["ETag"])
            incident_declare(by=ops_user, title="Checkout slow", severity=severities["P2"])
            declared, _ = poll(client, acknowledged["ETag"])
        assert acknowledged.status_code == 200 and acknowledged["ETag"] != first["ETag"]
        assert declared.status_code == 200 and "Checkout slow" in declared.content.decode()

    def test_the_next_minute_answers_200_for_the_clock(self, client_for, oncall_user):
        client = client_for(oncall_user)
        with time_machine.travel(NOW, tick=False):
            first, _ = poll(client)
        with time_machine.travel(datetime(2026, 12, 1, 8, 31, 1, tzinfo=UTC), tick=False):
            assert poll(client, first["ETag"])[0].status_code == 200


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
class TestASecondViewerSeesToday:
    def test_a_new_incident_appears_on_today_without_a_reload(self, page, severities, oncall_user, ops_user, settings):
        from tests.conftest import browser_login

        settings.LIVE_POLL_SECONDS = 1
        browser_login(page, oncall_user.username)
        page.goto(f"{page.base_url}/")
        page.evaluate("window.__notReloaded = true")
        incident_declare(by=ops_user, title="Checkout slow", severity=severities["P2"])
        page.wait_for_selector("[data-testid=today-live] >> text=Checkout slow", timeout=3000)
        assert page.evaluate("window.__notReloaded") is True
        assert page.outside_requests == []
