"""A real Celery worker posts the delivery, retrying after a failure."""

from __future__ import annotations

import pytest
from django.db import transaction

from opsportal.notifications import notification_send
from tests.conftest import wait_for
from webhooks import payloads
from webhooks.models import WebhookDelivery

from .conftest import SECRET

QUEUE = "webhooks-test"


@pytest.mark.worker
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
class TestWorkerDelivery:
    def test_a_real_worker_retries_after_a_500_and_delivers(
        self, celery_worker_factory, make_user, team, make_endpoint, receiver, settings
    ):
        # A queue of its own, so the session's worker (without these settings) takes none of it.
        settings.WEBHOOK_QUEUE = QUEUE
        celery_worker_factory(
            "webhooks",
            queues=QUEUE,
            env={"WEBHOOK_ALLOW_PRIVATE": "true", "WEBHOOK_RETRY_BASE_SECONDS": "1", "WEBHOOK_QUEUE": QUEUE},
        )
        receiver.answers = [500, 200]
        make_endpoint()
        member = make_user("member")
        member.groups.add(team)
        with transaction.atomic():
            notification_send(recipients=[member], key="incident-9-step-1-round-1", subject="P1", email=False)

        def delivered():
            return WebhookDelivery.objects.filter(status="delivered").first()

        delivery = wait_for(delivered, timeout=60)
        assert delivery.attempts == 2
        assert [request.headers["idempotency-key"] for request in receiver.requests] == [str(delivery.uuid)] * 2
        last = receiver.requests[-1]
        assert payloads.verify(
            secret=SECRET,
            timestamp=int(last.headers["x-opsportal-timestamp"]),
            body=last.body,
            header=last.headers["x-opsportal-signature"],
        )
