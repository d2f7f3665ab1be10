"""Changes linked to incidents (caused or related), the failure rate, and open-incident flags."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils import timezone

from changes import selectors, services
from changes.models import ChangeIncidentLink, ChangeRequest
from incidents.models import Service
from incidents.services import incident_acknowledge, incident_declare, incident_resolve
from opsportal.roles import Role


def make_change_now(*, requester: Any, **fields: Any) -> ChangeRequest:
    """Return a planned change on "api, Billing" scheduled for tomorrow."""
    start = timezone.now() + timedelta(days=1)
    values: dict[str, Any] = {
        "title": "Upgrade the load balancer", "status": "planning", "affected_services": "api, Billing",
        "window_start": start, "window_end": start + timedelta(hours=2), "requester": requester,
        "status_changed_at": timezone.now(), "rollback_plan": "Reinstall 4.1.",
        "description": "Apply vendor patch 4.2 to both load balancers.",
        "risk_rule": "likelihood low (1) × impact medium (2) = 2; 1–2 is low",
    }  # fmt: skip
    values.update(fields)
    return ChangeRequest.objects.create(**values)


@pytest.fixture
def make_change(db: Any, make_user: Any):
    requester = make_user("rita.requester", Role.ONCALL)
    return lambda **fields: make_change_now(requester=requester, **fields)


@pytest.fixture
def incident(severities, oncall_user):
    return incident_declare(by=oncall_user, title="Checkout errors", severity=severities["P1"])


@pytest.mark.django_db
class TestChangeLinkIncident:
    def test_it_links_once_per_pair_and_records_history(self, make_change, incident, oncall_user):
        change = make_change()
        link = services.change_link_incident(change=change, incident=incident, kind="related", by=oncall_user)
        again = services.change_link_incident(change=change, incident=incident, kind="related", by=oncall_user)
        assert link.pk == again.pk and ChangeIncidentLink.objects.count() == 1
        services.change_link_incident(change=change, incident=incident, kind="caused", by=oncall_user)
        assert ChangeIncidentLink.objects.get().kind == "caused"
        assert services.change_unlink_incident(change=change, incident=incident, by=oncall_user)
        assert not ChangeIncidentLink.objects.exists()
        messages = list(change.history.values_list("kind", "message"))
        assert messages == [
            ("incident_linked", f"#{incident.pk} Checkout errors (related)."),
            ("incident_linked", f"#{incident.pk} Checkout errors (now caused by this change)."),
            ("incident_unlinked", f"#{incident.pk} Checkout errors."),
        ]

    def test_the_database_refuses_a_second_link_of_one_pair(self, make_change, incident, oncall_user):
        change = make_change()
        services.change_link_incident(change=change, incident=incident, kind="related", by=oncall_user)
        with pytest.raises(IntegrityError):
            ChangeIncidentLink.objects.create(change=change, incident=incident, kind="caused", linked_at=timezone.now())

    def test_an_unknown_kind_is_named(self, make_change, incident, oncall_user):
        with pytest.raises(ValidationError) as error:
            services.change_link_incident(change=make_change(), incident=incident, kind="blamed", by=oncall_user)
        assert "kind" in error.value.message_dict and not ChangeIncidentLink.objects.exists()

    def test_ops_staff_may_not_link(self, make_change, incident, ops_user):
        with pytest.raises(PermissionDenied):
            services.change_link_incident(change=make_change(), incident=incident, kind="related", by=ops_user)


@pytest.mark.django_db
class TestFailureRate:
    def test_a_change_linked_as_the_cause_of_an_incident_counts_as_failed(self, make_change, incident, oncall_user):
        start = timezone.now() - timedelta(days=1)
        done = {"status": "closed", "close_code": "successful", "completed_at": timezone.now()}
        caused, related, clean = make_change(**done), make_change(**done), make_change(**done)
        services.change_link_incident(change=caused, incident=incident, kind="caused", by=oncall_user)
        services.change_link_incident(change=related, incident=incident, kind="related", by=oncall_user)
        rate = selectors.change_failure_rate(start=start, end=timezone.now() + timedelta(seconds=1))
        assert (rate.failed, rate.completed) == (1, 3) and clean.pk


@pytest.mark.django_db
class TestLinkPagesAndApi:
    def test_the_change_page_links_an_incident_and_both_pages_show_it(
        self, make_change, incident, client_for, oncall_user
    ):
        change = make_change()
        client = client_for(oncall_user)
        response = client.post(f"/changes/{change.pk}/incidents/", {"incident": f"#{incident.pk}", "kind": "caused"})
        assert response.status_code == 302
        change_page = client.get(f"/changes/{change.pk}/").content.decode()
        assert f'href="/incidents/{incident.pk}/"' in change_page and "Caused by this change" in change_page
        incident_page = client.get(f"/incidents/{incident.pk}/").content.decode()
        assert f'href="/changes/{change.pk}/"' in incident_page and "Caused by this change" in incident_page
        response = client.post(f"/changes/{change.pk}/incidents/", {"incident": incident.pk, "unlink": "1"})
        assert response.status_code == 302 and not ChangeIncidentLink.objects.exists()

    def test_an_unknown_incident_is_a_clear_error(self, make_change, client_for, oncall_user):
        change = make_change()
        response = client_for(oncall_user).post(f"/changes/{change.pk}/incidents/", {"incident": "4242"})
        assert response.status_code == 400 and "There is no incident 4242" in response.content.decode()

    def test_the_api_lists_links_and_unlinks(self, make_change, incident, client_for, oncall_user):
        change = make_change()
        client = client_for(oncall_user)
        url = f"/api/v1/changes/{change.pk}/incidents/"
        response = client.post(url, {"incident": incident.pk, "kind": "caused"}, content_type="application/json")
        assert response.status_code == 201
        assert (response.json()["incident"], response.json()["kind"], response.json()["severity"]) == (
            incident.pk, "caused", "P1",
        )  # fmt: skip
        assert [row["incident"] for row in client.get(url).json()] == [incident.pk]
        detail = client.get(f"/api/v1/changes/{change.pk}/").json()
        assert detail["incidents"][0]["kind"] == "caused"
        assert client.delete(f"{url}?incident={incident.pk}").status_code == 204
        assert client.delete(f"{url}?incident={incident.pk}").status_code == 404
        assert client.get(url).json() == []

    def test_the_api_names_bad_fields(self, make_change, client_for, oncall_user, incident):
        url = f"/api/v1/changes/{make_change().pk}/incidents/"
        response = client_for(oncall_user).post(url, {"incident": 999999}, content_type="application/json")
        assert response.status_code == 400 and "incident" in response.json()["error"]["fields"]
        response = client_for(oncall_user).post(
            url, {"incident": incident.pk, "kind": "blamed"}, content_type="application/json"
        )
        assert response.status_code == 400 and "kind" in response.json()["error"]["fields"]

    def test_ops_staff_are_refused(self, make_change, client_for, ops_user):
        assert client_for(ops_user).get(f"/api/v1/changes/{make_change().pk}/incidents/").status_code == 403


@pytest.mark.django_db
class TestOpenIncidentFlags:
    @pytest.fixture
    def api_incident(self, severities, oncall_user):
        api = Service.objects.create(name="API")
        return incident_declare(by=oncall_user, title="API 500s", severity=severities["P0"], services=[api])

    def test_a_scheduled_change_on_the_service_is_flagged_everywhere(
        self, make_change, api_incident, client_for, oncall_user
    ):
        change = make_change()
        client = client_for(oncall_user)
        assert 'data-testid="incident-flag"' in client.get(f"/changes/{change.pk}/").content.decode()
        assert f"P0 #{api_incident.pk}" in client.get("/changes/").content.decode()
        day = change.window_start.date().isoformat()
        assert f"P0 #{api_incident.pk}" in client.get(f"/changes/calendar/?date={day}").content.decode()

    def test_past_changes_other_services_and_resolved_or_minor_incidents_are_not_flagged(
        self, make_change, api_incident, severities, oncall_user
    ):
        past = make_change(
            window_start=timezone.now() - timedelta(days=2), window_end=timezone.now() - timedelta(days=1)
        )
        elsewhere = make_change(affected_services="billing")
        now_running = make_change(window_start=timezone.now() - timedelta(hours=1))
        flags = selectors.incident_flags([past, elsewhere, now_running])
        assert set(flags) == {now_running.pk} and flags[now_running.pk] == [("api", api_incident)]
        incident_acknowledge(incident=api_incident, by=oncall_user)
        incident_resolve(incident=api_incident, by=oncall_user)
        minor = incident_declare(
            by=oncall_user, title="Slow", severity=severities["P2"], services=list(Service.objects.all())
        )
        assert selectors.incident_flags([now_running]) == {} and minor.pk

    def test_the_list_query_count_does_not_grow_with_flags(
        self, make_change, api_incident, client_for, oncall_user, django_assert_max_num_queries
    ):
        for _ in range(30):
            make_change()
        client = client_for(oncall_user)
        client.get("/changes/")
        # session, user, groups, count, page, open P0/P1 incidents, their services, unread notifications
        with django_assert_max_num_queries(10):
            assert client.get("/changes/").status_code == 200
