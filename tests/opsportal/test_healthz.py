"""/healthz reports database, broker and worker heartbeat for load balancers."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from opsportal.models import Heartbeat


@pytest.mark.django_db
class TestHealthz:
    def test_it_answers_200_when_all_parts_are_ok(self, client):
        Heartbeat.objects.create(name="worker", last_seen_at=timezone.now())
        response = client.get("/healthz")
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "ok"
        assert {name for name, check in body["checks"].items() if check["ok"]} == {"database", "broker", "heartbeat"}

    def test_it_answers_503_naming_a_stale_heartbeat(self, client):
        Heartbeat.objects.create(name="worker", last_seen_at=timezone.now() - timedelta(hours=1))
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["failing"] == ["heartbeat"]

    def test_it_answers_503_naming_an_unreachable_broker(self, client):
        Heartbeat.objects.create(name="worker", last_seen_at=timezone.now())
        with mock.patch("opsportal.views._check_broker", return_value=(False, "unreachable: OperationalError")):
            response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["failing"] == ["broker"]

    def test_it_answers_503_naming_an_unreachable_database(self, client):
        with mock.patch("opsportal.views.connection.cursor", side_effect=Exception("down")):
            response = client.get("/healthz")
        assert response.status_code == 503
        assert "database" in response.json()["failing"]

    def test_it_needs_no_login(self, client):
        assert client.get("/healthz").status_code in {200, 503}
