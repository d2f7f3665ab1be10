"""An incident shows the SLA it was declared under, not today's severity row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from incidents.models import Incident, Severity
from incidents.services import incident_change_severity, incident_declare

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _edit_severity(code: str, **values) -> None:
    Severity.objects.filter(code=code).update(**values)


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
class TestSlaSnapshot:
    def test_declaring_records_the_severitys_sla(self, severities, oncall_user):
        incident = incident_declare(by=oncall_user, title="API slow", severity=severities["P1"])
        incident.refresh_from_db()
        assert (incident.sla_response_minutes, incident.sla_business_hours_only, incident.sla_text) == (
            60, False, "1 h",
        )  # fmt: skip

    def test_a_later_sla_edit_changes_neither_the_page_nor_the_api(self, severities, oncall_user, client_for):
        incident = incident_declare(by=oncall_user, title="API slow", severity=severities["P1"])
        _edit_severity("P1", response_minutes=30)
        client = client_for(oncall_user)
        page = client.get(f"/incidents/{incident.pk}/").content.decode()
        # The severity picker offers today's SLAs; the incident's own line keeps its own.
        assert "respond within 1 h</span>" in page and "respond within 30 min</span>" not in page
        data = client.get(f"/api/v1/incidents/{incident.pk}/").json()
        assert (data["sla_response_minutes"], data["sla_business_hours_only"], data["sla_text"]) == (60, False, "1 h")
        assert datetime.fromisoformat(data["response_due_at"]) == NOW + timedelta(minutes=60)

    def test_a_business_hours_sla_is_recorded_as_such(self, severities, oncall_user, client_for):
        incident = incident_declare(by=oncall_user, title="Report slow", severity=severities["P2"])
        _edit_severity("P2", business_hours_only=False, response_minutes=120)
        data = client_for(oncall_user).get(f"/api/v1/incidents/{incident.pk}/").json()
        assert (data["sla_response_minutes"], data["sla_business_hours_only"], data["sla_text"]) == (
            240, True, "4 h (business hours)",
        )  # fmt: skip

    def test_a_severity_change_records_the_new_severitys_sla(self, severities, oncall_user, client_for):
        incident = incident_declare(by=oncall_user, title="API slow", severity=severities["P3"])
        incident_change_severity(incident=incident, severity=severities["P0"], by=oncall_user)
        _edit_severity("P0", response_minutes=5)
        stored = Incident.objects.get(pk=incident.pk)
        assert (stored.sla_response_minutes, stored.sla_text) == (15, "15 min")
        assert stored.response_due_at == NOW + timedelta(minutes=15)
        assert (
            "respond within 15 min</span>" in client_for(oncall_user).get(f"/incidents/{incident.pk}/").content.decode()
        )

    def test_declaring_through_the_api_records_it(self, severities, oncall_user, client_for):
        response = client_for(oncall_user).post(
            "/api/v1/incidents/", {"title": "Down", "severity": "P0"}, content_type="application/json"
        )
        assert response.status_code == 201
        assert (response.json()["sla_response_minutes"], response.json()["sla_text"]) == (15, "15 min")
