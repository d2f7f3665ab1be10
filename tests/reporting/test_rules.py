"""reporting.rules: one module of predicates, asked by pages, the API and templates, enforced by services."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from reporting import rules
from reporting.models import KpiMeasurement
from reporting.services import MeasurementInput, measurement_record, measurements_record


@pytest.fixture
def personas(ops_user: Any, oncall_user: Any, manager_user: Any, admin_user: Any, outsider: Any) -> dict[str, Any]:
    return {"ops": ops_user, "oncall": oncall_user, "manager": manager_user, "admin": admin_user, "outsider": outsider}


@pytest.mark.django_db
class TestPredicates:
    @pytest.mark.parametrize(
        ("persona", "view_reports", "dashboard", "enter"),
        [
            ("ops", True, False, False),
            ("oncall", True, False, False),
            ("manager", True, True, True),
            ("admin", True, True, True),
            ("outsider", False, False, False),
        ],
    )
    def test_each_role_may_do_what_the_procedures_say(self, personas, persona, view_reports, dashboard, enter):
        user = personas[persona]
        assert rules.may_view_reports(user) is view_reports
        assert rules.may_view_dashboard(user) is dashboard
        assert rules.may_enter_measurements(user) is enter


@pytest.mark.django_db
class TestServicesEnforceTheRules:
    def test_an_engineer_cannot_record_a_measurement_through_the_service(self, oncall_user, kpis):
        with pytest.raises(PermissionDenied, match="Manager and Admin"):
            measurement_record(kpi=kpis["uptime"], day=date(2026, 11, 2), value=Decimal("99"), by=oncall_user)
        with pytest.raises(PermissionDenied):
            measurements_record(
                rows=[MeasurementInput(kpi=kpis["uptime"], date=date(2026, 11, 2), value=Decimal("99"))],
                by=oncall_user,
            )
        assert not KpiMeasurement.objects.exists()

    @time_machine.travel(datetime(2026, 11, 25, 12, tzinfo=UTC))  # after the value's date, whenever the suite runs
    def test_a_manager_and_the_portal_itself_may(self, manager_user, kpis):
        rows = [MeasurementInput(kpi=kpis["uptime"], date=date(2026, 11, 2), value=Decimal("99"))]
        assert measurements_record(rows=rows, by=manager_user) == 1
        assert measurements_record(rows=rows, by=None) == 1  # demo data and scripts write as the portal


@pytest.mark.django_db
class TestEveryCallerAsksTheOneModule:
    """Deny entering values in reporting.rules: the form, the import, the API and the service all refuse."""

    @pytest.fixture
    def entry_denied(self, monkeypatch):
        monkeypatch.setattr(rules, "may_enter_measurements", lambda user: False)

    def test_the_form_and_the_import_refuse(self, client_for, manager_user, kpis, entry_denied):
        client = client_for(manager_user)
        response = client.post(
            "/reports/measurements/new/", {"kpi": kpis["uptime"].pk, "date": "2026-11-02", "value": "1"}
        )
        assert response.status_code == 403
        upload = SimpleUploadedFile("values.csv", b"kpi,date,value\nuptime,2026-11-01,99\n", content_type="text/csv")
        assert client.post("/reports/measurements/import/", {"file": upload, "preview": "1"}).status_code == 403
        assert not KpiMeasurement.objects.exists()

    def test_the_api_answers_403_in_the_error_shape(self, client_for, manager_user, kpis, entry_denied):
        client = client_for(manager_user)
        for url in (f"/api/v1/kpis/{kpis['uptime'].pk}/measurements/", "/api/v1/kpis/measurements/"):
            body = {"kpi": "uptime", "date": "2026-11-02", "value": 1}
            response = client.post(url, body, content_type="application/json")
            assert response.status_code == 403, url
            assert response.json()["error"]["status"] == 403
        assert not KpiMeasurement.objects.exists()

    def test_the_service_refuses(self, manager_user, kpis, entry_denied):
        with pytest.raises(PermissionDenied):
            measurement_record(kpi=kpis["uptime"], day=date(2026, 11, 2), value=Decimal("99"), by=manager_user)

    def test_the_pages_offer_no_entry_link(self, client_for, manager_user, kpis, entry_denied):
        page = client_for(manager_user).get("/reports/list/").content.decode()
        assert "/reports/measurements/new/" not in page

    def test_reading_reports_asks_may_view_reports_everywhere(self, client_for, manager_user, kpis, monkeypatch):
        monkeypatch.setattr(rules, "may_view_reports", lambda user: False)
        client = client_for(manager_user)
        assert client.get("/reports/list/").status_code == 403
        assert client.get("/api/v1/reports/").status_code == 403
        assert client.get("/api/v1/kpis/").status_code == 403
