"""Entering KPI values: the form, the CSV import with preview, and the API with named errors."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from reporting.models import KpiMeasurement


@pytest.fixture(autouse=True)
def late_november_2026():
    """Run after the values' dates (November 2026), which may be neither future nor ten years old."""
    with time_machine.travel(datetime(2026, 11, 25, 12, tzinfo=UTC)):
        yield


@pytest.mark.django_db
class TestMeasurementForm:
    def test_a_manager_saves_a_value_and_saving_again_updates_it(self, client_for, manager_user, kpis):
        client = client_for(manager_user)
        uptime = kpis["uptime"]
        response = client.post("/reports/measurements/new/", {"kpi": uptime.pk, "date": "2026-11-02", "value": "99.5"})
        assert response.status_code == 302
        client.post("/reports/measurements/new/", {"kpi": uptime.pk, "date": "2026-11-02", "value": "99.9"})
        measurement = KpiMeasurement.objects.get()
        assert (measurement.value, measurement.entered_by) == (Decimal("99.9"), manager_user)

    def test_it_names_a_bad_value_and_a_bad_date_next_to_the_field(self, client_for, manager_user, kpis):
        response = client_for(manager_user).post(
            "/reports/measurements/new/", {"kpi": kpis["uptime"].pk, "date": "02/11/2026", "value": "lots"}
        )
        assert response.status_code == 200
        form = response.context["form"]
        assert "Unparseable date" in form.errors["date"][0]
        assert "Non-numeric value" in form.errors["value"][0]
        assert not KpiMeasurement.objects.exists()

    def test_ops_staff_may_not_enter_values(self, client_for, ops_user, kpis):
        response = client_for(ops_user).post(
            "/reports/measurements/new/", {"kpi": kpis["uptime"].pk, "date": "2026-11-02", "value": "1"}
        )
        assert response.status_code == 403
        assert not KpiMeasurement.objects.exists()


def _upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("values.csv", text.encode("utf-8"), content_type="text/csv")


@pytest.mark.django_db
class TestCsvImport:
    GOOD = "kpi,date,value\nuptime,2026-11-01,99.91\nResponse times,2026-11-01,250\nuptime,2026-11-02,99.5\n"

    def test_it_previews_then_imports_every_row(self, client_for, manager_user, kpis):
        client = client_for(manager_user)
        preview = client.post("/reports/measurements/import/", {"file": _upload(self.GOOD), "preview": "1"})
        assert preview.status_code == 200
        assert preview.context["preview"] is True
        assert len(preview.context["rows"]) == 3
        assert not KpiMeasurement.objects.exists()  # a preview saves nothing
        confirmed = client.post(
            "/reports/measurements/import/", {"content": preview.context["content"], "confirm": "1"}
        )
        assert confirmed.status_code == 302
        values = {(m.kpi.slug, m.date): float(m.value) for m in KpiMeasurement.objects.select_related("kpi")}
        assert values == {
            ("uptime", date(2026, 11, 1)): 99.91,
            ("response-times", date(2026, 11, 1)): 250.0,
            ("uptime", date(2026, 11, 2)): 99.5,
        }

    def test_a_bad_row_is_reported_with_row_and_column_and_nothing_is_imported(self, client_for, manager_user, kpis):
        text = (
            "kpi,date,value\n"
            "uptime,2026-11-01,99.9\n"
            "happiness,2026-11-01,3\n"
            "uptime,2026-11-31,99.9\n"
            "uptime,2026-11-03,ninety\n"
        )
        response = client_for(manager_user).post(
            "/reports/measurements/import/", {"file": _upload(text), "preview": "1"}
        )
        errors = [(error.row, error.column, error.message) for error in response.context["errors"]]
        assert [(row, column) for row, column, _message in errors] == [(3, "kpi"), (4, "date"), (5, "value")]
        assert "unknown KPI 'happiness'" in errors[0][2]
        assert "unparseable date '2026-11-31'" in errors[1][2]
        assert "non-numeric value 'ninety'" in errors[2][2]
        body = response.content.decode()
        assert "Row 3, column kpi: unknown KPI" in body
        assert "Nothing was imported" in body
        assert not KpiMeasurement.objects.exists()

    def test_a_tampered_confirmation_is_checked_again_and_imports_nothing(self, client_for, manager_user, kpis):
        response = client_for(manager_user).post(
            "/reports/measurements/import/", {"content": self.GOOD + "uptime,tomorrow,1\n", "confirm": "1"}
        )
        assert response.status_code == 200
        assert [(error.row, error.column) for error in response.context["errors"]] == [(5, "date")]
        assert not KpiMeasurement.objects.exists()

    def test_a_missing_column_is_named(self, client_for, manager_user, kpis):
        response = client_for(manager_user).post(
            "/reports/measurements/import/", {"file": _upload("kpi,day,value\nuptime,2026-11-01,1\n"), "preview": "1"}
        )
        assert [(error.row, error.column) for error in response.context["errors"]] == [(1, "date")]

    def test_the_same_kpi_and_date_twice_is_an_error(self, client_for, manager_user, kpis):
        text = "kpi,date,value\nuptime,2026-11-01,1\nuptime,2026-11-01,2\n"
        response = client_for(manager_user).post(
            "/reports/measurements/import/", {"file": _upload(text), "preview": "1"}
        )
        assert [(error.row, error.column) for error in response.context["errors"]] == [(3, "date")]

    def test_ops_staff_may_not_import(self, client_for, ops_user, kpis):
        response = client_for(ops_user).post("/reports/measurements/import/", {"file": _upload(self.GOOD)})
        assert response.status_code == 403


@pytest.mark.django_db
class TestMeasurementsApi:
    def test_it_lists_kpis(self, client_for, ops_user, kpis):
        response = client_for(ops_user).get("/api/v1/kpis/?category=financial")
        assert response.status_code == 200
        assert {row["slug"] for row in response.json()["results"]} == {
            "monthly-recurring-revenue",
            "customer-acquisition-cost",
            "lifetime-value",
        }

    def test_a_manager_posts_one_value_and_posting_again_updates_it(self, client_for, manager_user, kpis):
        client = client_for(manager_user)
        url = f"/api/v1/kpis/{kpis['uptime'].pk}/measurements/"
        first = client.post(url, {"date": "2026-11-01", "value": 99.1}, content_type="application/json")
        assert first.status_code == 201
        assert first.json()["value"] == 99.1
        client.post(url, {"date": "2026-11-01", "value": 99.7}, content_type="application/json")
        assert KpiMeasurement.objects.get().value == Decimal("99.7")
        listed = client.get(url).json()
        assert [(row["date"], row["value"]) for row in listed["results"]] == [("2026-11-01", 99.7)]

    def test_it_posts_a_list_to_one_kpi(self, client_for, manager_user, kpis):
        response = client_for(manager_user).post(
            f"/api/v1/kpis/{kpis['uptime'].pk}/measurements/",
            [{"date": "2026-11-01", "value": 99.1}, {"date": "2026-11-02", "value": 99.2}],
            content_type="application/json",
        )
        assert response.status_code == 201
        assert len(response.json()) == 2
        assert KpiMeasurement.objects.count() == 2

    def test_it_posts_in_bulk_across_kpis(self, client_for, manager_user, kpis):
        response = client_for(manager_user).post(
            "/api/v1/kpis/measurements/",
            [
                {"kpi": "uptime", "date": "2026-11-01", "value": 99.1},
                {"kpi": "active-users", "date": "2026-11-01", "value": 2100},
            ],
            content_type="application/json",
        )
        assert response.status_code == 201
        assert {row["kpi"] for row in response.json()} == {"uptime", "active-users"}

    def test_an_unknown_kpi_is_a_named_error_and_nothing_is_saved(self, client_for, manager_user, kpis):
        response = client_for(manager_user).post(
            "/api/v1/kpis/measurements/",
            [
                {"kpi": "uptime", "date": "2026-11-01", "value": 99.1},
                {"kpi": "happiness", "date": "2026-11-01", "value": 1},
            ],
            content_type="application/json",
        )
        assert response.status_code == 400
        error = response.json()["error"]
        assert "Unknown KPI 'happiness'" in error["fields"]["1.kpi"][0]
        assert not KpiMeasurement.objects.exists()

    def test_an_unknown_kpi_id_is_404(self, client_for, manager_user, kpis):
        response = client_for(manager_user).post(
            "/api/v1/kpis/999999/measurements/", {"date": "2026-11-01", "value": 1}, content_type="application/json"
        )
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"

    def test_a_non_numeric_value_is_a_named_error(self, client_for, manager_user, kpis):
        response = client_for(manager_user).post(
            f"/api/v1/kpis/{kpis['uptime'].pk}/measurements/",
            {"date": "2026-11-01", "value": "high"},
            content_type="application/json",
        )
        assert response.status_code == 400
        assert response.json()["error"]["fields"]["value"] == ["Non-numeric value: give a number such as 1234.5."]

    def test_an_unparseable_date_is_a_named_error(self, client_for, manager_user, kpis):
        response = client_for(manager_user).post(
            f"/api/v1/kpis/{kpis['uptime'].pk}/measurements/",
            {"date": "1 Nov 2026", "value": 1},
            content_type="application/json",
        )
        assert response.status_code == 400
        assert response.json()["error"]["fields"]["date"][0].startswith("Unparseable date")

    def test_ops_staff_may_read_but_not_post(self, client_for, ops_user, kpis):
        client = client_for(ops_user)
        url = f"/api/v1/kpis/{kpis['uptime'].pk}/measurements/"
        assert client.get(url).status_code == 200
        response = client.post(url, {"date": "2026-11-01", "value": 1}, content_type="application/json")
        assert response.status_code == 403
        assert not KpiMeasurement.objects.exists()

    def test_an_outsider_may_not_read(self, client_for, outsider, kpis):
        assert client_for(outsider).get("/api/v1/kpis/").status_code == 403

    def test_it_filters_values_by_date(self, client_for, manager_user, kpis, add_values):
        add_values(kpis["uptime"], date(2026, 11, 1), [99.1, 99.2, 99.3, 99.4])
        response = client_for(manager_user).get(
            f"/api/v1/kpis/{kpis['uptime'].pk}/measurements/?date_from=2026-11-02&date_to=2026-11-03"
        )
        assert [row["date"] for row in response.json()["results"]] == ["2026-11-03", "2026-11-02"]

    def test_the_schema_documents_the_endpoints(self, client_for, manager_user, kpis):
        schema = client_for(manager_user).get("/api/schema/?format=json").json()
        for path in [
            "/api/v1/kpis/",
            "/api/v1/kpis/{id}/measurements/",
            "/api/v1/kpis/measurements/",
            "/api/v1/reports/",
        ]:
            assert path in schema["paths"], path
