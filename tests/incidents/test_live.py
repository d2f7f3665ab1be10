"""The incident page and list stay live: polls answer 304 while unchanged, the new content after a change."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.services import incident_acknowledge, incident_declare, incident_note_add

HTMX = {"HTTP_HX_REQUEST": "true"}


def poll(client, url: str, etag: str = ""):
    headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **HTMX, **headers)
    return response, len(queries)


@pytest.mark.django_db
class TestTheIncidentPagePolls:
    def test_the_page_polls_itself_with_its_etag(self, severities, client_for, ops_user, oncall_user, settings):
        settings.LIVE_POLL_SECONDS = 5
        incident = incident_declare(by=oncall_user, title="Payments down", severity=severities["P1"])
        body = client_for(ops_user).get(f"/incidents/{incident.pk}/").content.decode()
        assert f'hx-get="/incidents/{incident.pk}/"' in body and 'hx-trigger="every 5s"' in body
        assert f'hx-select="#incident-timeline-{incident.pk}"' in body and "hx-select-oob=" in body

    def test_an_unchanged_poll_answers_304_in_a_few_queries(self, severities, client_for, ops_user, oncall_user):
        incident = incident_declare(by=oncall_user, title="Payments down", severity=severities["P1"])
        client = client_for(ops_user)
        first, full_queries = poll(client, f"/incidents/{incident.pk}/")
        assert first.status_code == 200
        again, queries = poll(client, f"/incidents/{incident.pk}/", first["ETag"])
        assert again.status_code == 304 and again.content == b""
        assert queries <= 5 and queries < full_queries

    def test_a_browser_navigation_always_gets_the_full_page(self, severities, client_for, ops_user, oncall_user):
        incident = incident_declare(by=oncall_user, title="Payments down", severity=severities["P1"])
        client = client_for(ops_user)
        etag = poll(client, f"/incidents/{incident.pk}/")[0]["ETag"]
        response = client.get(f"/incidents/{incident.pk}/", HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 200 and b"Payments down" in response.content

    def test_an_acknowledgement_answers_200_with_the_new_status(self, severities, client_for, ops_user, oncall_user):
        incident = incident_declare(by=oncall_user, title="Payments down", severity=severities["P1"])
        client = client_for(ops_user)
        first, _ = poll(client, f"/incidents/{incident.pk}/")
        incident_acknowledge(incident=incident, by=oncall_user)
        response, _ = poll(client, f"/incidents/{incident.pk}/", first["ETag"])
        body = response.content.decode()
        assert response.status_code == 200 and response["ETag"] != first["ETag"]
        assert "declared → acknowledged" in body and f'id="incident-badges-{incident.pk}"' in body

    def test_a_new_timeline_entry_answers_200(self, severities, client_for, ops_user, oncall_user):
        incident = incident_declare(by=oncall_user, title="Payments down", severity=severities["P1"])
        client = client_for(ops_user)
        first, _ = poll(client, f"/incidents/{incident.pk}/")
        incident_note_add(incident=incident, by=oncall_user, text="Rolled back the deploy")
        response, _ = poll(client, f"/incidents/{incident.pk}/", first["ETag"])
        assert response.status_code == 200 and "Rolled back the deploy" in response.content.decode()

    def test_an_unknown_incident_polls_into_a_404_and_an_outsider_into_a_403(self, client_for, ops_user, outsider):
        assert client_for(ops_user).get("/incidents/999999/", **HTMX).status_code == 404
        assert client_for(outsider).get("/incidents/999999/", **HTMX).status_code == 403


@pytest.mark.django_db
class TestTheIncidentListPolls:
    def test_the_list_polls_itself_with_its_filters(self, severities, client_for, ops_user, oncall_user):
        incident_declare(by=oncall_user, title="Payments down", severity=severities["P1"])
        body = client_for(ops_user).get("/incidents/?severity=P1").content.decode()
        assert 'hx-get="/incidents/?severity=P1"' in body and 'hx-select="#incidents-live"' in body

    def test_an_unchanged_poll_answers_304_with_the_same_queries_at_any_size(
        self, severities, client_for, ops_user, oncall_user
    ):
        client = client_for(ops_user)
        incident_declare(by=oncall_user, title="First", severity=severities["P1"])
        first, full_queries = poll(client, "/incidents/")
        small, small_queries = poll(client, "/incidents/", first["ETag"])
        for number in range(30):
            incident_declare(by=oncall_user, title=f"More {number}", severity=severities["P2"])
        second, _ = poll(client, "/incidents/")
        large, large_queries = poll(client, "/incidents/", second["ETag"])
        assert small.status_code == large.status_code == 304
        assert small_queries == large_queries < full_queries

    def test_a_new_incident_or_an_acknowledgement_answers_200(self, severities, client_for, ops_user, oncall_user):
        client = client_for(ops_user)
        incident = incident_declare(by=oncall_user, title="First", severity=severities["P1"])
        first, _ = poll(client, "/incidents/")
        incident_acknowledge(incident=incident, by=oncall_user)
        acknowledged, _ = poll(client, "/incidents/", first["ETag"])
        assert acknowledged.status_code == 200 and acknowledged["ETag"] != first["ETag"]
        incident_declare(by=oncall_user, title="Second one", severity=severities["P2"])
        declared, _ = poll(client, "/incidents/", acknowledged["ETag"])
        assert declared.status_code == 200 and "Second one" in declared.content.decode()

    def test_another_filter_has_another_etag(self, severities, client_for, ops_user, oncall_user):
        client = client_for(ops_user)
        incident_declare(by=oncall_user, title="First", severity=severities["P1"])
        etag = poll(client, "/incidents/")[0]["ETag"]
        assert poll(client, "/incidents/?severity=P1", etag)[0].status_code == 200


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
class TestASecondViewerSeesTheIncidentChange:
    def test_a_watcher_sees_the_acknowledgement_and_the_new_entry_without_a_reload(
        self, page, severities, ops_user, oncall_user, settings
    ):
        from tests.conftest import browser_login

        settings.LIVE_POLL_SECONDS = 1
        incident = incident_declare(by=oncall_user, title="Payments down", severity=severities["P1"])
        browser_login(page, ops_user.username)
        page.goto(f"{page.base_url}/incidents/{incident.pk}/")
        page.evaluate("window.__notReloaded = true")
        statuses: list[int] = []
        page.on("response", lambda r: statuses.append(r.status) if f"/incidents/{incident.pk}/" in r.url else None)
        page.wait_for_timeout(2500)
        assert 304 in statuses and 200 not in statuses

        incident_acknowledge(incident=incident, by=oncall_user)
        page.wait_for_selector("[data-testid=timeline] [data-kind=status]", timeout=3000)
        assert "acknowledged" in page.locator("[data-testid=incident-badges]").inner_text().lower()
        assert oncall_user.username in page.locator(f"#incident-facts-{incident.pk}").inner_text()
        assert page.evaluate("window.__notReloaded") is True
        page.goto(f"{page.base_url}/incidents/")
        page.evaluate("window.__notReloaded = true")
        incident_declare(by=oncall_user, title="Checkout slow", severity=severities["P2"])
        page.wait_for_selector("text=Checkout slow", timeout=3000)
        assert page.evaluate("window.__notReloaded") is True
        assert page.outside_requests == []
