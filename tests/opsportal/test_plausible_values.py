"""Implausible values are refused with a clear message naming the field, in the API and in forms."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from rest_framework.authtoken.models import Token

from incidents.models import Severity
from opsportal.procedures.document import parse_document
from opsportal.procedures.importer import DEFAULT_DOCUMENT
from reporting.models import KpiDefinition, KpiMeasurement

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.fixture
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def severities(db: Any) -> dict[str, Severity]:
    from incidents.services import severity_default_policy_create

    found = {}
    for position, (code, minutes) in enumerate([("P0", 15), ("P1", 60), ("P3", 1440)], start=1):
        severity, _ = Severity.objects.get_or_create(
            code=code, defaults={"name": code, "response_minutes": minutes, "position": position}
        )
        severity_default_policy_create(severity=severity)
        found[code] = severity
    return found


@pytest.fixture
def kpis(db: Any) -> dict[str, KpiDefinition]:
    """The bundled document's KPIs, loaded as import_procedures loads them."""
    from reporting.procedures import _is_kpi_section, load_kpi_definitions

    for section in parse_document(DEFAULT_DOCUMENT.read_text(encoding="utf-8")).walk():
        if _is_kpi_section(section):
            load_kpi_definitions(section)
    return {kpi.slug: kpi for kpi in KpiDefinition.objects.all()}


def token_client(client: Any, user: Any) -> Any:
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=user).key}"
    return client


def post_json(client: Any, url: str, body: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def field_error(response: Any, field: str) -> str:
    assert response.status_code == 400, response.content[:400]
    error = response.json()["error"]
    assert field in error["fields"], error
    return error["fields"][field][0]


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
class TestDetectedAt:
    def test_the_api_refuses_a_detection_older_than_the_configured_age(self, client, oncall_user, severities):
        api = token_client(client, oncall_user)
        old = (NOW - timedelta(days=366)).isoformat()
        message = field_error(
            post_json(api, "/api/v1/incidents/", {"title": "x", "severity": "P1", "detected_at": old}), "detected_at"
        )
        assert "more than 365 days ago" in message

    def test_the_age_follows_the_setting(self, client, oncall_user, severities, settings):
        settings.INCIDENT_MAX_AGE_DAYS = 30
        api = token_client(client, oncall_user)
        old = (NOW - timedelta(days=31)).isoformat()
        message = field_error(
            post_json(api, "/api/v1/incidents/", {"title": "x", "severity": "P1", "detected_at": old}), "detected_at"
        )
        assert "more than 30 days ago" in message
        recent = (NOW - timedelta(days=29)).isoformat()
        assert (
            post_json(api, "/api/v1/incidents/", {"title": "x", "severity": "P1", "detected_at": recent}).status_code
            == 201
        )

    def test_the_api_refuses_a_detection_in_the_future(self, client, oncall_user, severities):
        api = token_client(client, oncall_user)
        later = (NOW + timedelta(hours=1)).isoformat()
        message = field_error(
            post_json(api, "/api/v1/incidents/", {"title": "x", "severity": "P1", "detected_at": later}), "detected_at"
        )
        assert "future" in message

    def test_a_clock_a_minute_fast_is_tolerated_and_counts_as_now(self, client, oncall_user, severities):
        api = token_client(client, oncall_user)
        skewed = (NOW + timedelta(minutes=1)).isoformat()
        response = post_json(api, "/api/v1/incidents/", {"title": "x", "severity": "P0", "detected_at": skewed})
        assert response.status_code == 201
        assert response.json()["detected_at"].startswith("2026-11-30T12:00:00")

    def test_the_declare_form_shows_the_error_next_to_the_field(self, client_for, oncall_user, severities):
        response = client_for(oncall_user).post(
            "/incidents/declare/", {"title": "x", "severity": "P1", "detected_at": "2024-01-01T10:00"}
        )
        assert response.status_code == 400
        assert "more than 365 days ago" in response.context["form"].errors["detected_at"][0]


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
class TestKpiMeasurements:
    def test_percentages_get_0_to_100_and_counts_are_never_negative(self, kpis):
        assert (kpis["uptime"].min_value, kpis["uptime"].max_value) == (0, 100)
        users = next(kpi for kpi in kpis.values() if kpi.unit == "users")
        assert (users.min_value, users.max_value) == (0, None)

    def test_a_percentage_over_100_is_refused_naming_value(self, client, manager_user, kpis):
        api = token_client(client, manager_user)
        response = post_json(
            api, f"/api/v1/kpis/{kpis['uptime'].pk}/measurements/", {"date": "2026-11-29", "value": 100.5}
        )
        assert "cannot be above 100" in field_error(response, "value")
        assert not KpiMeasurement.objects.exists()

    def test_a_negative_count_is_refused_in_bulk_naming_the_row_and_value(self, client, manager_user, kpis):
        users = next(kpi for kpi in kpis.values() if kpi.unit == "users")
        api = token_client(client, manager_user)
        body = [
            {"kpi": "uptime", "date": "2026-11-29", "value": 99},
            {"kpi": users.slug, "date": "2026-11-29", "value": -1},
        ]
        response = post_json(api, "/api/v1/kpis/measurements/", body)
        assert "cannot be below 0" in field_error(response, "1.value")
        assert not KpiMeasurement.objects.exists()

    @pytest.mark.parametrize(
        ("day", "words"), [("2026-12-01", "in the future"), ("2016-11-29", "more than 10 years ago")]
    )
    def test_an_implausible_date_is_refused_naming_date(self, client, manager_user, kpis, day, words):
        api = token_client(client, manager_user)
        response = post_json(api, f"/api/v1/kpis/{kpis['uptime'].pk}/measurements/", {"date": day, "value": 99})
        assert words in field_error(response, "date")

    def test_the_entry_form_puts_the_error_next_to_the_field(self, client_for, manager_user, kpis):
        response = client_for(manager_user).post(
            "/reports/measurements/new/", {"kpi": kpis["uptime"].pk, "date": "2026-12-24", "value": "120"}
        )
        form = response.context["form"]
        assert "in the future" in form.errors["date"][0]
        assert "cannot be above 100" in form.errors["value"][0]

    def test_the_csv_import_names_the_row_and_column(self, client_for, manager_user, kpis):
        from reporting.csv_io import measurements_parse

        _rows, errors = measurements_parse("kpi,date,value\nuptime,2026-11-29,99\nuptime,2026-11-28,101\n")
        assert [(error.row, error.column) for error in errors] == [(3, "value")]

    def test_the_service_refuses_what_no_form_checked(self, kpis, manager_user):
        from reporting.services import MeasurementInput, measurements_record

        with pytest.raises(ValidationError) as error:
            measurements_record(
                rows=[MeasurementInput(kpis["uptime"], date(2026, 11, 29), Decimal(-3))], by=manager_user
            )
        assert "value" in error.value.message_dict

    def test_a_minimum_above_the_maximum_is_refused(self, kpis):
        kpi = kpis["uptime"]
        kpi.min_value, kpi.max_value = Decimal(10), Decimal(5)
        with pytest.raises(ValidationError, match="minimum cannot be above the maximum"):
            kpi.full_clean()


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
class TestPastWindowsAndDueDates:
    def test_a_new_change_with_a_past_window_is_refused_naming_the_field(self, client, oncall_user):
        api = token_client(client, oncall_user)
        body = {"title": "Patch", "window_start": "2026-11-29T10:00:00Z", "window_end": "2026-11-29T11:00:00Z"}
        assert "past" in field_error(post_json(api, "/api/v1/changes/", body), "window_start")

    def test_moving_a_window_into_the_past_is_refused_but_keeping_it_is_not(self, client, oncall_user):
        from changes.models import ChangeRequest

        api = token_client(client, oncall_user)
        body = {"title": "Patch", "window_start": "2026-12-02T10:00:00Z", "window_end": "2026-12-02T11:00:00Z"}
        change_id = post_json(api, "/api/v1/changes/", body).json()["id"]
        moved = api.patch(
            f"/api/v1/changes/{change_id}/",
            json.dumps({"window_start": "2026-11-01T10:00:00Z"}),
            content_type="application/json",
        )
        assert "past" in field_error(moved, "window_start")
        with time_machine.travel(NOW + timedelta(days=5), tick=False):
            kept = api.patch(
                f"/api/v1/changes/{change_id}/", json.dumps({"title": "Patch v2"}), content_type="application/json"
            )
        assert kept.status_code == 200, kept.content
        assert ChangeRequest.objects.get(pk=change_id).title == "Patch v2"

    def test_an_action_item_due_in_the_past_is_refused(self, severities, oncall_user):
        from incidents.services import action_item_add, incident_declare, incident_transition

        incident = incident_declare(by=oncall_user, title="Down", severity=severities["P1"])
        incident_transition(incident=incident, action="acknowledge", by=oncall_user)
        incident_transition(incident=incident, action="resolve", by=oncall_user)
        incident.refresh_from_db()
        with pytest.raises(ValidationError) as error:
            action_item_add(
                review=incident.review, by=oncall_user, description="Alert", due_date=TODAY - timedelta(days=1)
            )
        assert "past" in error.value.message_dict["due_date"][0]
        assert action_item_add(review=incident.review, by=oncall_user, description="Alert", due_date=TODAY).pk


@pytest.mark.django_db
class TestSlaMinutes:
    def test_a_response_time_over_30_days_is_refused_in_admin(self, client_for, admin_user, severities):
        admin_user.is_superuser = True
        admin_user.save(update_fields=["is_superuser"])
        severity = severities["P3"]
        response = client_for(admin_user).post(
            f"/admin/incidents/severity/{severity.pk}/change/",
            {"code": "P3", "name": "Low", "response_minutes": 30 * 24 * 60 + 1, "position": 3},
        )
        assert response.status_code == 200
        assert "at most 30 days" in str(response.context["adminform"].form.errors["response_minutes"])

    def test_the_model_refuses_it_too(self, severities):
        severity = severities["P3"]
        severity.response_minutes = 30 * 24 * 60 + 1
        with pytest.raises(ValidationError, match="at most 30 days"):
            severity.full_clean()


@pytest.mark.django_db
class TestLongText:
    def test_the_api_caps_free_text_naming_the_field(self, client, oncall_user):
        api = token_client(client, oncall_user)
        response = post_json(api, "/api/v1/changes/", {"title": "Patch", "description": "x" * 20_001})
        assert "20000" in field_error(response, "description")

    def test_the_change_form_caps_free_text(self, client_for, oncall_user):
        response = client_for(oncall_user).post("/changes/new/", {"title": "Patch", "rollback_plan": "x" * 20_001})
        assert "20000" in str(response.context["form"].errors["rollback_plan"])

    def test_the_incident_description_is_capped(self, client, oncall_user, severities):
        api = token_client(client, oncall_user)
        response = post_json(api, "/api/v1/incidents/", {"title": "x", "severity": "P1", "description": "x" * 20_001})
        assert "20000" in field_error(response, "description")
