"""No input produces a 5xx, and every API error, Django's own included, has the one error shape."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from incidents.models import Severity
from opsportal.roles import Role

SEVERITIES = [("P0", 15, False), ("P1", 60, False), ("P2", 240, True), ("P3", 1440, False)]


def assert_error_shape(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == {"status", "code", "message", "fields"}
    assert error["status"] == status
    assert error["message"]
    if field is not None:
        assert field in error["fields"], error
        assert error["message"].startswith(f"{field}: ") or field in error["message"]
    return error


@pytest.fixture
def severities(db: Any) -> dict[str, Severity]:
    from incidents.services import severity_default_policy_create

    found = {}
    for position, (code, minutes, business) in enumerate(SEVERITIES, start=1):
        severity, _ = Severity.objects.get_or_create(
            code=code,
            defaults={"name": code, "response_minutes": minutes, "business_hours_only": business, "position": position},
        )
        severity_default_policy_create(severity=severity)
        found[code] = severity
    return found


@pytest.fixture
def api(client: Any, admin_user: Any) -> Any:
    """A client with an admin's token, as scripts call the API."""
    token = Token.objects.create(user=admin_user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


@pytest.mark.django_db
class TestDjangoLevelErrorsUnderTheApi:
    def test_an_unknown_route_is_a_json_404(self, api):
        assert_error_shape(api.get("/api/v1/no-such-thing/"), 404)

    @pytest.mark.parametrize(
        "url",
        [
            "/api/v1/incidents/abc/",
            "/api/v1/incidents/abc/timeline/",
            "/api/v1/changes/abc/",
            "/api/v1/changes/abc/stages/",
            "/api/v1/kpis/abc/measurements/",
            "/api/v1/kpis/abc/",
            "/api/v1/reports/abc/",
            "/api/v1/checklists/runs/abc/",
            "/api/v1/checklists/templates/abc/",
        ],
    )
    def test_a_non_numeric_id_is_a_json_404(self, api, url):
        assert_error_shape(api.get(url), 404)

    def test_a_huge_id_is_a_json_404(self, api):
        assert_error_shape(api.get("/api/v1/incidents/99999999999999999999999/"), 404)

    def test_a_method_the_route_lacks_is_a_json_405(self, api):
        error = assert_error_shape(api.delete("/api/v1/incidents/"), 405)
        assert "DELETE" in error["message"]

    def test_a_body_over_the_limit_is_a_json_413(self, api, settings, severities):
        body = json.dumps({"title": "x" * (3 * 1024 * 1024), "severity": "P1"})
        error = assert_error_shape(api.post("/api/v1/incidents/", body, content_type="application/json"), 413)
        assert "too large" in error["message"]

    def test_a_body_over_the_limit_outside_the_api_is_a_413(self, client_for, oncall_user):
        response = client_for(oncall_user).post(
            "/incidents/declare/", {"title": "x" * (3 * 1024 * 1024)}, content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 413
        assert b"too large" in response.content

    def test_no_login_is_a_json_401(self, client):
        assert_error_shape(client.get("/api/v1/incidents/"), 401)

    def test_a_user_without_a_role_gets_a_json_403(self, client, outsider):
        token = Token.objects.create(user=outsider)
        assert_error_shape(client.get("/api/v1/incidents/", HTTP_AUTHORIZATION=f"Token {token.key}"), 403)

    def test_a_server_error_under_the_api_is_json(self, rf):
        from opsportal.errors import server_error

        response = server_error(rf.get("/api/v1/incidents/"))
        assert response.status_code == 500
        assert json.loads(response.content)["error"]["code"] == "server_error"

    def test_throttling_uses_the_error_shape(self):
        from rest_framework.exceptions import Throttled

        from opsportal.api import exception_handler

        response = exception_handler(Throttled(wait=30), {})
        assert response.status_code == 429
        assert response.data["error"]["code"] == "throttled"


@pytest.mark.django_db
class TestOutOfRangeInput:
    def test_users_affected_above_two_to_the_31_names_the_field(self, api, severities):
        body = json.dumps({"title": "Outage", "severity": "P1", "users_affected": 2**31})
        assert_error_shape(api.post("/api/v1/incidents/", body, content_type="application/json"), 400, "users_affected")

    def test_users_affected_far_beyond_any_integer_names_the_field(self, api, severities):
        body = json.dumps({"title": "Outage", "severity": "P1", "users_affected": 10**30})
        assert_error_shape(api.post("/api/v1/incidents/", body, content_type="application/json"), 400, "users_affected")

    def test_a_p2_detected_in_year_one_names_the_field(self, api, severities):
        body = json.dumps({"title": "Outage", "severity": "P2", "detected_at": "0001-01-01T00:00:00Z"})
        assert_error_shape(api.post("/api/v1/incidents/", body, content_type="application/json"), 400, "detected_at")

    def test_a_detected_at_in_year_9999_with_an_offset_names_the_field(self, api, severities):
        body = json.dumps({"title": "Outage", "severity": "P0", "detected_at": "9999-12-31T23:59:59-10:00"})
        assert_error_shape(api.post("/api/v1/incidents/", body, content_type="application/json"), 400, "detected_at")

    def test_window_from_with_a_plus_20_offset_names_the_field(self, api):
        response = api.get("/api/v1/changes/", {"window_from": "2026-12-01T10:00:00+20:00"})
        assert_error_shape(response, 400, "window_from")

    def test_a_window_with_a_plus_20_offset_names_the_field(self, api):
        body = json.dumps(
            {"title": "Patch", "window_start": "2030-01-01T10:00:00+20:00", "window_end": "2030-01-01T12:00:00+20:00"}
        )
        assert_error_shape(api.post("/api/v1/changes/", body, content_type="application/json"), 400, "window_start")

    def test_a_measurement_value_beyond_the_limit_names_the_field(self, api):
        from reporting.models import KpiDefinition

        kpi = KpiDefinition.objects.create(name="Revenue", slug="revenue-x", unit="EUR", category="financial")
        body = json.dumps({"date": timezone.localdate().isoformat(), "value": 1e300})
        response = api.post(f"/api/v1/kpis/{kpi.pk}/measurements/", body, content_type="application/json")
        assert_error_shape(response, 400, "value")


@pytest.mark.django_db
class TestCalendarDates:
    @pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "not-a-date"])
    def test_an_impossible_date_shows_a_message_not_a_500(self, client_for, oncall_user, value):
        for view in ("week", "month"):
            response = client_for(oncall_user).get("/changes/calendar/", {"date": value, "view": view})
            assert response.status_code == 200
            assert b"showing today" in response.content


@pytest.mark.django_db
class TestConflictsAre409:
    def test_a_second_acknowledgement_is_409_in_the_error_shape(self, api, severities, make_user):
        from incidents.services import incident_declare

        other = make_user("olga.oncall", Role.ONCALL)
        incident = incident_declare(by=other, title="Down", severity=severities["P1"])
        api.post(f"/api/v1/incidents/{incident.pk}/acknowledge/")
        error = assert_error_shape(api.post(f"/api/v1/incidents/{incident.pk}/acknowledge/"), 409)
        assert error["code"] == "conflict"
        assert "Already acknowledged by adam.admin" in error["message"]
        assert error["fields"] == {"status": [error["message"]]}

    def test_a_conflict_escaping_an_html_view_is_a_409_page_with_its_message(self, rf, admin_user):
        from opsportal.errors import Conflict, ConflictMiddleware

        request = rf.post("/incidents/1/acknowledge/")
        request.user = admin_user
        middleware = ConflictMiddleware(lambda request: None)
        response = middleware.process_exception(request, Conflict("Someone else acknowledged it first."))
        assert response.status_code == 409
        assert b"Someone else acknowledged it first." in response.content

    def test_an_htmx_conflict_gets_the_message_alone(self, rf):
        from opsportal.errors import Conflict, conflict_response

        request = rf.post("/checklists/items/1/tick/", HTTP_HX_REQUEST="true")
        response = conflict_response(request, Conflict("The run is closed."))
        assert response.status_code == 409
        assert response.content == b"The run is closed."


def test_the_detected_at_age_is_read_from_the_environment(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from opsportal.env import env_int

    monkeypatch.setenv("INCIDENT_MAX_AGE_DAYS", "30")
    assert env_int("INCIDENT_MAX_AGE_DAYS", 365, minimum=1, maximum=3650) == 30
    monkeypatch.setenv("INCIDENT_MAX_AGE_DAYS", "lots")
    with pytest.raises(ImproperlyConfigured, match="INCIDENT_MAX_AGE_DAYS"):
        env_int("INCIDENT_MAX_AGE_DAYS", 365, minimum=1, maximum=3650)
