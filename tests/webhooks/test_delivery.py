"""Notifications reach webhooks: one delivery per notification key and endpoint, posted until a 2xx."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.db import connection

from opsportal.notifications import notification_send
from webhooks import payloads
from webhooks.models import WebhookDelivery, WebhookDeliveryStatus
from webhooks.services import retry_delay, webhook_deliver, webhook_retry_now, webhooks_requeue_due

from .conftest import SECRET

NOW = datetime(2027, 1, 15, 9, 30, tzinfo=UTC)


@pytest.fixture
def members(make_user, team):
    users = [make_user(f"member{n}") for n in range(3)]
    for user in users:
        user.groups.add(team)
    return users


@pytest.fixture
def queued():
    """Record the deliveries queued for the worker instead of sending them to the broker."""
    with mock.patch("webhooks.services._queue_delivery") as queue:
        yield queue


def _send(recipients, key="incident-7-step-1-round-1"):
    return notification_send(recipients=recipients, key=key, subject="P1 not acknowledged", body="DB down", link="/i/7")


@pytest.mark.django_db
class TestWhichNotificationsGo:
    def test_a_notification_to_several_members_posts_once_per_endpoint(
        self, members, make_endpoint, queued, django_capture_on_commit_callbacks
    ):
        first, second = make_endpoint("Slack", kind="slack"), make_endpoint("Generic")
        with django_capture_on_commit_callbacks(execute=True):
            _send(members)
        assert sorted(WebhookDelivery.objects.values_list("endpoint__name", "key")) == [
            ("Generic", "incident-7-step-1-round-1"),
            ("Slack", "incident-7-step-1-round-1"),
        ]
        assert sorted(call.args[0] for call in queued.call_args_list) == sorted(
            WebhookDelivery.objects.filter(endpoint__in=[first, second]).values_list("pk", flat=True)
        )

    def test_sending_the_key_again_to_other_members_posts_nothing_more(self, members, make_endpoint, queued):
        make_endpoint()
        _send(members[:1])
        _send(members[1:])
        assert WebhookDelivery.objects.count() == 1

    def test_the_delivery_carries_the_absolute_link(self, members, make_endpoint, queued, settings):
        make_endpoint()
        _send(members)
        assert WebhookDelivery.objects.get().link == f"{settings.PORTAL_BASE_URL}/i/7"

    def test_inactive_endpoints_and_other_groups_get_nothing(self, members, make_endpoint, make_user, queued):
        make_endpoint(active=False)
        _send([make_user("stranger")])
        _send(members, key="other")
        assert WebhookDelivery.objects.count() == 0

    def test_in_app_only_notifications_go_too(self, members, make_endpoint, queued):
        make_endpoint()
        notification_send(recipients=members, key="k", subject="s", email=False)
        assert WebhookDelivery.objects.count() == 1

    def test_finding_the_endpoints_costs_one_query(self, members, make_endpoint, queued, django_assert_num_queries):
        make_endpoint()
        _send(members[:1], key="warm-up")
        # 1. existing notifications; 2-4. savepoint, insert, release per recipient (3 x 3);
        # 11. the endpoints of the recipients' groups (subquery); 12-14. savepoint, insert, release
        # of the delivery; 15. the created notifications returned.
        with django_assert_num_queries(15):
            _send(members)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestConcurrentSends:
    def test_two_concurrent_sends_of_one_key_write_one_delivery_per_endpoint(self, members, make_endpoint, queued):
        make_endpoint()
        barrier = threading.Barrier(2)
        errors = []

        def send(recipients):
            try:
                barrier.wait(timeout=10)
                _send(recipients)
            except Exception as error:  # reported below
                errors.append(error)
            finally:
                connection.close()

        threads = [
            threading.Thread(target=send, args=([members[0]],)),
            threading.Thread(target=send, args=([members[1]],)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        assert WebhookDelivery.objects.count() == 1
        assert queued.call_count == 1


@pytest.mark.django_db
class TestDeliver:
    def _delivery(self, members, make_endpoint, queued, **endpoint):
        make_endpoint(**endpoint)
        with time_machine.travel(NOW, tick=False):
            _send(members)
        return WebhookDelivery.objects.select_related("endpoint").get()

    def test_it_posts_a_correctly_signed_generic_payload(self, members, make_endpoint, queued, receiver):
        delivery = self._delivery(members, make_endpoint, queued)
        with time_machine.travel(NOW, tick=False):
            assert webhook_deliver(delivery=delivery).sent
        [request] = receiver.requests
        timestamp = int(request.headers["x-opsportal-timestamp"])
        assert timestamp == int(NOW.timestamp())
        # The receiver's check: HMAC-SHA256 over "<timestamp>." + the raw body, with the endpoint's secret.
        assert payloads.verify(
            secret=SECRET, timestamp=timestamp, body=request.body, header=request.headers["x-opsportal-signature"]
        )
        assert request.headers["idempotency-key"] == str(delivery.uuid)
        assert json.loads(request.body)["subject"] == "P1 not acknowledged"
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)

    def test_it_retries_after_a_500_with_backoff_then_delivers(self, members, make_endpoint, queued, receiver):
        receiver.answers = [500, 200]
        delivery = self._delivery(members, make_endpoint, queued)
        with time_machine.travel(NOW, tick=False):
            attempt = webhook_deliver(delivery=delivery)
        assert not attempt.sent
        assert attempt.retry_in == retry_delay(1)
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.last_error) == (
            "pending",
            1,
            "HTTP 500 Internal Server Error",
        )
        assert delivery.next_attempt_at == NOW + retry_delay(1)
        with time_machine.travel(NOW + retry_delay(1) - timedelta(seconds=1), tick=False):
            assert not webhook_deliver(delivery=delivery).attempted  # not due yet
        with time_machine.travel(NOW + retry_delay(1), tick=False):
            assert webhook_deliver(delivery=delivery).sent
        assert len(receiver.requests) == 2
        assert receiver.requests[0].headers["idempotency-key"] == receiver.requests[1].headers["idempotency-key"]
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 2, "")

    def test_the_backoff_doubles(self, settings):
        settings.WEBHOOK_RETRY_BASE_SECONDS = 30
        assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]

    def test_it_gives_up_after_the_last_attempt(self, members, make_endpoint, queued, receiver, settings):
        settings.WEBHOOK_MAX_ATTEMPTS = 3
        receiver.answers = [503]
        delivery = self._delivery(members, make_endpoint, queued)
        instant = NOW
        for _ in range(3):
            with time_machine.travel(instant, tick=False):
                attempt = webhook_deliver(delivery=delivery)
            assert attempt.attempted and not attempt.sent
            instant += timedelta(hours=1)
        assert attempt.retry_in is None
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 3, None)
        with time_machine.travel(instant, tick=False):
            assert not webhook_deliver(delivery=delivery).attempted

    def test_a_redirect_is_not_followed_and_counts_as_a_failure(self, members, make_endpoint, queued, receiver):
        receiver.answers = [302]
        receiver.headers_for_redirect = {"Location": "http://169.254.169.254/latest"}
        delivery = self._delivery(members, make_endpoint, queued)
        with time_machine.travel(NOW, tick=False):
            assert not webhook_deliver(delivery=delivery).sent
        assert len(receiver.requests) == 1
        delivery.refresh_from_db()
        assert delivery.last_status_code == 302

    def test_a_slow_receiver_times_out(self, members, make_endpoint, queued, receiver, settings):
        settings.WEBHOOK_TIMEOUT_SECONDS = 1
        receiver.delay = 2
        delivery = self._delivery(members, make_endpoint, queued)
        with time_machine.travel(NOW, tick=False):
            assert not webhook_deliver(delivery=delivery).sent
        delivery.refresh_from_db()
        assert "timed out" in delivery.last_error
        assert delivery.last_status_code is None

    def test_a_url_that_became_private_is_refused_before_sending(
        self, members, make_endpoint, queued, receiver, settings
    ):
        delivery = self._delivery(members, make_endpoint, queued)
        settings.WEBHOOK_ALLOW_PRIVATE = False
        with time_machine.travel(NOW, tick=False):
            assert not webhook_deliver(delivery=delivery).sent
        assert receiver.requests == []
        delivery.refresh_from_db()
        assert delivery.last_error.startswith("refused URL:")

    def test_slack_gets_its_text_payload(self, members, make_endpoint, queued, receiver):
        delivery = self._delivery(members, make_endpoint, queued, kind="slack", secret="")
        with time_machine.travel(NOW, tick=False):
            assert webhook_deliver(delivery=delivery).sent
        assert json.loads(receiver.requests[0].body)["text"].startswith("*P1 not acknowledged*")


@pytest.mark.django_db
class TestRequeueAndRetryNow:
    def test_an_overdue_pending_delivery_is_requeued_and_a_due_one_left_to_its_task(
        self, members, make_endpoint, queued
    ):
        make_endpoint()
        with time_machine.travel(NOW, tick=False):
            _send(members)
        queued.reset_mock()
        assert webhooks_requeue_due(now=NOW + timedelta(seconds=30)) == []
        ids = webhooks_requeue_due(now=NOW + timedelta(seconds=60))
        assert ids == [WebhookDelivery.objects.get().pk]
        queued.assert_called_once_with(ids[0])

    def test_retry_now_starts_a_fresh_series_for_a_failed_delivery(
        self, members, make_endpoint, queued, admin_user, django_capture_on_commit_callbacks
    ):
        make_endpoint()
        _send(members)
        WebhookDelivery.objects.update(status=WebhookDeliveryStatus.FAILED, attempts=8, next_attempt_at=None)
        queued.reset_mock()
        delivery = WebhookDelivery.objects.get()
        with django_capture_on_commit_callbacks(execute=True):
            assert webhook_retry_now(delivery=delivery, by=admin_user)
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == ("pending", 0)
        assert delivery.next_attempt_at is not None
        queued.assert_called_once_with(delivery.pk)

    def test_retry_now_leaves_a_delivered_one_alone(self, members, make_endpoint, queued, admin_user):
        make_endpoint()
        _send(members)
        WebhookDelivery.objects.update(status=WebhookDeliveryStatus.DELIVERED)
        assert not webhook_retry_now(delivery=WebhookDelivery.objects.get(), by=admin_user)
