"""Admins configure endpoints (secret never shown back) and see and retry failed deliveries."""

from __future__ import annotations

from unittest import mock

import pytest

from webhooks.models import WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint

from .conftest import SECRET


@pytest.fixture
def superuser(make_user):
    return make_user("root", is_staff=True, is_superuser=True)


@pytest.fixture
def failed(make_endpoint):
    endpoint = make_endpoint()
    return WebhookDelivery.objects.create(
        endpoint=endpoint,
        key="incident-7-step-1-round-1",
        subject="P1 not acknowledged",
        status=WebhookDeliveryStatus.FAILED,
        attempts=8,
        last_status_code=503,
        last_error="HTTP 503 Service Unavailable",
    )


@pytest.mark.django_db
class TestDeliveryAdmin:
    def test_failed_deliveries_are_listed_with_error_and_attempts(self, client_for, superuser, failed):
        response = client_for(superuser).get("/admin/webhooks/webhookdelivery/?status=failed")
        assert response.status_code == 200
        content = response.content.decode()
        assert "HTTP 503 Service Unavailable" in content
        assert "incident-7-step-1-round-1" in content

    def test_deliveries_are_read_only(self, client_for, superuser, failed):
        client = client_for(superuser)
        assert client.get("/admin/webhooks/webhookdelivery/add/").status_code == 403
        client.post(f"/admin/webhooks/webhookdelivery/{failed.pk}/change/", {"status": "delivered"})
        failed.refresh_from_db()
        assert failed.status == "failed"

    def test_retry_now_calls_the_service(self, client_for, superuser, failed, django_capture_on_commit_callbacks):
        with (
            mock.patch("webhooks.services._queue_delivery") as queued,
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = client_for(superuser).post(
                "/admin/webhooks/webhookdelivery/", {"action": "retry_now", "_selected_action": [failed.pk]}
            )
        assert response.status_code == 302
        failed.refresh_from_db()
        assert (failed.status, failed.attempts) == ("pending", 0)
        queued.assert_called_once_with(failed.pk)


@pytest.mark.django_db
class TestEndpointAdmin:
    def _form(self, team, **values):
        return {"name": "Chat", "kind": "generic", "url": "https://93.184.216.34/hook", "active": "on",
                "groups": [team.pk], "new_secret": "", **values}  # fmt: skip

    def test_the_secret_is_never_shown_back_in_full(self, client_for, superuser, make_endpoint):
        endpoint = make_endpoint()
        client = client_for(superuser)
        for url in ("/admin/webhooks/webhookendpoint/", f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/"):
            content = client.get(url).content.decode()
            assert SECRET not in content
            assert "••••" + SECRET[-4:] in content
        history = client.get(f"/admin/webhooks/webhookendpoint/{endpoint.pk}/history/").content.decode()
        assert SECRET not in history

    def test_a_blank_secret_keeps_the_stored_one(self, client_for, superuser, make_endpoint, team):
        endpoint = make_endpoint()
        response = client_for(superuser).post(
            f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/", self._form(team, name="Renamed")
        )
        assert response.status_code == 302
        endpoint.refresh_from_db()
        assert (endpoint.name, endpoint.secret) == ("Renamed", SECRET)

    def test_a_generic_endpoint_needs_a_secret(self, client_for, superuser, team):
        response = client_for(superuser).post("/admin/webhooks/webhookendpoint/add/", self._form(team))
        assert response.status_code == 200
        assert "A generic endpoint needs a secret" in response.content.decode()
        assert not WebhookEndpoint.objects.exists()

    def test_a_private_url_is_refused_next_to_the_field_in_production(self, client_for, superuser, team, settings):
        settings.WEBHOOK_ALLOW_PRIVATE = False
        response = client_for(superuser).post(
            "/admin/webhooks/webhookendpoint/add/",
            self._form(team, url="http://10.0.0.5/hook", new_secret="a-long-enough-secret"),
        )
        assert response.status_code == 200
        assert "private or local address" in str(response.context["adminform"].form.errors["url"])
        assert not WebhookEndpoint.objects.exists()

    def test_an_endpoint_is_created_with_its_secret(self, client_for, superuser, team):
        response = client_for(superuser).post(
            "/admin/webhooks/webhookendpoint/add/", self._form(team, new_secret="a-long-enough-secret")
        )
        assert response.status_code == 302
        endpoint = WebhookEndpoint.objects.get()
        assert endpoint.secret == "a-long-enough-secret"
        assert list(endpoint.groups.all()) == [team]
