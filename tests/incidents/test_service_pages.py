"""One Service model for incidents and changes, and a page per service."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from changes import services as change_services
from changes.models import ChangeRequest, ChangeStatus, CloseCode
from incidents.models import Incident, Service, Severity
from incidents.services import incident_declare

CHANGE_DATA = {
    "title": "Patch the API gateway",
    "change_type": "normal",
    "business_justification": "Security fix.",
    "implementation_plan": "Drain, patch, undrain.",
    "rollback_plan": "Reinstall the previous build.",
    "likelihood": "low",
    "impact": "low",
}


@pytest.fixture
def api(db):
    return Service.objects.create(name="API", description="The public API.")


def _incident(service, by, *, title="API errors", closed=False):
    severity, _ = Severity.objects.get_or_create(code="P3", defaults={"name": "Low", "response_minutes": 1440})
    incident = incident_declare(by=by, title=title, severity=severity, services=[service])
    if closed:
        Incident.objects.filter(pk=incident.pk).update(status="closed")
    return incident


@pytest.mark.django_db
class TestChangesShareTheServiceModel:
    def test_a_change_naming_a_service_links_the_incidents_service_whatever_the_case(self, api, oncall_user):
        change = change_services.change_create(
            by=oncall_user, data={**CHANGE_DATA, "affected_services": "api, Billing"}
        )
        assert sorted(s.name for s in change.linked_services.all()) == ["API", "billing"]
        assert Service.objects.filter(name__iexact="api").count() == 1  # no second "api" service

    def test_an_edit_of_the_services_moves_the_links(self, api, oncall_user):
        change = change_services.change_create(by=oncall_user, data={**CHANGE_DATA, "affected_services": "api"})
        change_services.change_update(change=change, by=oncall_user, data={"affected_services": "web"})
        assert [s.name for s in ChangeRequest.objects.get(pk=change.pk).linked_services.all()] == ["web"]


@pytest.mark.django_db
class TestServicePage:
    def test_it_lists_the_services_incidents_changes_and_failure_rate(self, api, client_for, manager_user, oncall_user):
        _incident(api, oncall_user, title="Gateway 502s")
        _incident(api, oncall_user, title="Old outage", closed=True)
        ok = change_services.change_create(by=oncall_user, data={**CHANGE_DATA, "affected_services": "api"})
        bad = change_services.change_create(
            by=oncall_user, data={**CHANGE_DATA, "title": "Rotate keys", "affected_services": "API"}
        )
        now = timezone.now()
        ChangeRequest.objects.filter(pk=ok.pk).update(status=ChangeStatus.CLOSED, completed_at=now - timedelta(days=1))
        ChangeRequest.objects.filter(pk=bad.pk).update(
            status=ChangeStatus.CLOSED, close_code=CloseCode.UNSUCCESSFUL, completed_at=now - timedelta(days=2)
        )
        client = client_for(manager_user)
        listing = client.get("/services/").content.decode()
        assert f'href="/services/{api.pk}/"' in listing and "1 open" in listing
        body = client.get(f"/services/{api.pk}/").content.decode()
        assert "Gateway 502s" in body and "Old outage" in body and "1 open of 2" in body
        assert "Patch the API gateway" in body and "Rotate keys" in body
        assert "50 %" in body and "1 of 2 completed changes failed" in body

    def test_ops_staff_see_incidents_but_no_change_data(self, api, client_for, ops_user, oncall_user):
        _incident(api, oncall_user, title="Gateway 502s")
        change_services.change_create(by=oncall_user, data={**CHANGE_DATA, "affected_services": "api"})
        body = client_for(ops_user).get(f"/services/{api.pk}/").content.decode()
        assert "Gateway 502s" in body
        assert "Patch the API gateway" not in body and "failure rate" not in body

    def test_an_outsider_is_refused_and_an_unknown_service_is_404(self, api, client_for, outsider, ops_user):
        assert client_for(outsider).get(f"/services/{api.pk}/").status_code == 403
        assert client_for(outsider).get("/services/").status_code == 403
        assert client_for(ops_user).get("/services/999999/").status_code == 404

    def test_the_change_page_links_its_services(self, api, client_for, oncall_user):
        change = change_services.change_create(by=oncall_user, data={**CHANGE_DATA, "affected_services": "api"})
        body = client_for(oncall_user).get(f"/changes/{change.pk}/").content.decode()
        assert f'<a href="/services/{api.pk}/">API</a>' in body
