"""Webhook tasks: post one delivery (retrying with backoff) and re-queue overdue ones."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings

from webhooks.models import WebhookDelivery


@shared_task(bind=True, name="webhooks.tasks.deliver", time_limit=60, soft_time_limit=45, acks_late=True)
def deliver(self: Any, delivery_id: int) -> None:
    """Post one delivery; return quietly if it is gone, delivered or not due; retry after a failure.

    The row counts the attempts and bounds them (``WEBHOOK_MAX_ATTEMPTS``), so the Celery
    retries stop with it; a lost retry is re-queued by ``requeue_due``.
    """
    from webhooks.services import webhook_deliver

    delivery = WebhookDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None:
        return
    attempt = webhook_deliver(delivery=delivery)
    if attempt.retry_in is not None:
        raise self.retry(countdown=attempt.retry_in.total_seconds(), max_retries=settings.WEBHOOK_MAX_ATTEMPTS)


@shared_task(name="webhooks.tasks.requeue_due", time_limit=60, soft_time_limit=45)
def requeue_due() -> int:
    """Re-queue pending deliveries whose attempt is overdue (a lost message); return how many."""
    from webhooks.services import webhooks_requeue_due

    return len(webhooks_requeue_due())
