"""Post notifications to webhook endpoints: exactly one delivery row, delivered at least once.

1. ``notification_send`` (opsportal/notifications.py) calls :func:`webhooks_enqueue` with the
   recipients it has just notified (and the on-call schedule the notification concerns, if any).
   For each active endpoint of their groups or of that schedule, one
   ``WebhookDelivery`` per (endpoint, notification key) is inserted with ``insert_once`` inside
   the caller's transaction, and the task is queued after commit. Two concurrent sends of one
   key (to the same or other members) therefore write and post one delivery per endpoint.
2. ``webhooks.tasks.deliver`` calls :func:`webhook_deliver`, which locks the row (a second task
   for it skips), posts it, and records the outcome: only a 2xx answer counts as delivered.
   A failure schedules the next attempt with exponential backoff; the task retries then, and
   after ``WEBHOOK_MAX_ATTEMPTS`` the row is marked failed and shown to admins.
3. :func:`webhooks_requeue_due` (beat, every minute) re-queues pending rows whose attempt is
   overdue: a lost Celery message or a killed worker never loses a delivery.
4. :func:`webhook_retry_now` (admin action) starts a fresh series of attempts at once.

A crash after the receiver answered but before the row was updated sends the same delivery
again, with the same ``Idempotency-Key``: delivery is at least once, and receivers dedupe.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from opsportal import clock
from opsportal.outbox import insert_once
from webhooks import payloads
from webhooks.addresses import validate_webhook_url
from webhooks.models import WebhookDelivery, WebhookDeliveryStatus
from webhooks.selectors import endpoints_for_recipients

if TYPE_CHECKING:
    from oncall.models import Schedule

logger = logging.getLogger(__name__)

OVERDUE_GRACE = timedelta(seconds=60)  # a pending attempt this late lost its Celery message
REQUEUE_BATCH = 500


@dataclass(frozen=True)
class Attempt:
    """What :func:`webhook_deliver` did: ``sent`` (2xx) and, after a failure, when to try again."""

    attempted: bool
    sent: bool = False
    retry_in: timedelta | None = None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Refuse redirects: a redirect could lead a checked URL to a private address."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _queue_delivery(delivery_id: int) -> None:
    from webhooks.tasks import deliver

    deliver.apply_async((delivery_id,), queue=settings.WEBHOOK_QUEUE or None)


def webhooks_enqueue(
    *,
    recipient_ids: Iterable[int],
    key: str,
    subject: str,
    body: str = "",
    link: str = "",
    schedule: Schedule | None = None,
) -> list[WebhookDelivery]:
    """Write one delivery per endpoint of the recipients' groups for ``key``; post each after commit.

    With ``schedule``, the endpoints of that on-call schedule get it too (each endpoint once).
    Return the deliveries this call created (none for an endpoint that already has ``key``).
    """
    from opsportal.notifications import absolute_url

    endpoints = list(endpoints_for_recipients(recipient_ids, schedule=schedule))
    if not endpoints:
        return []
    now = clock.now()
    fields = {
        "subject": subject[:200],
        "body": body,
        "link": absolute_url(link) if link else "",
        "next_attempt_at": now,
    }
    created = []
    for endpoint in endpoints:
        delivery, is_new = insert_once(WebhookDelivery, endpoint=endpoint, key=key, defaults=fields)
        if is_new:
            created.append(delivery)
            transaction.on_commit(partial(_queue_delivery, delivery.pk))
    return created


def retry_delay(attempts: int) -> timedelta:
    """Return the wait after the ``attempts``-th failed attempt: base, 2 × base, 4 × base, ..."""
    base_seconds: int = settings.WEBHOOK_RETRY_BASE_SECONDS
    return timedelta(seconds=base_seconds * 2 ** max(attempts - 1, 0))


def _post(delivery: WebhookDelivery, now: datetime) -> tuple[int | None, str]:
    """POST the delivery; return the HTTP status (None when there was no answer) and an error, "" on 2xx."""
    endpoint = delivery.endpoint
    try:
        validate_webhook_url(endpoint.url)
    except ValidationError as error:
        return None, f"refused URL: {' '.join(error.messages)}"
    body, headers = payloads.request(
        kind=endpoint.kind,
        secret=endpoint.secret,
        message=payloads.Message(key=delivery.key, subject=delivery.subject, body=delivery.body, link=delivery.link),
        delivery_id=str(delivery.uuid),
        timestamp=int(now.timestamp()),
        sent_at=now.isoformat(),
    )
    http_request = urllib.request.Request(endpoint.url, data=body, headers=headers, method="POST")  # noqa: S310 (http(s) checked above)
    try:
        with _opener.open(http_request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            status = int(response.status)
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code} {error.reason}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        return None, f"{type(error).__name__}: {error}"
    if 200 <= status < 300:
        return status, ""
    return status, f"HTTP {status}"


def webhook_deliver(*, delivery: WebhookDelivery) -> Attempt:
    """Post the delivery if it is pending and due; record the outcome on the row.

    The row stays locked while the receiver answers, so two tasks for one delivery (a requeue
    and a late retry) never both post; the second finds it locked, delivered or not yet due.
    """
    with transaction.atomic():
        queryset = WebhookDelivery.objects.select_related("endpoint").filter(
            pk=delivery.pk, status=WebhookDeliveryStatus.PENDING, next_attempt_at__lte=clock.now()
        )
        if connection.vendor == "postgresql":
            queryset = queryset.select_for_update(skip_locked=True, of=("self",))
        row = queryset.first()
        if row is None:
            return Attempt(attempted=False)
        now = clock.now()
        status_code, error = _post(row, now)
        attempts = row.attempts + 1
        changes: dict[str, Any] = {"attempts": attempts, "last_attempt_at": now, "last_status_code": status_code}
        if not error:
            changes |= {"status": WebhookDeliveryStatus.DELIVERED, "delivered_at": now, "next_attempt_at": None}
            WebhookDelivery.objects.filter(pk=row.pk).update(**changes, last_error="")
            return Attempt(attempted=True, sent=True)
        retry_in: timedelta | None = None
        if attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
            changes |= {"status": WebhookDeliveryStatus.FAILED, "next_attempt_at": None}
        else:
            retry_in = retry_delay(attempts)
            changes["next_attempt_at"] = clock.after(now, retry_in)
        WebhookDelivery.objects.filter(pk=row.pk).update(**changes, last_error=error[:500])
    logger.warning("webhook delivery %s to %s failed (attempt %d): %s", row.pk, row.endpoint.name, attempts, error)
    return Attempt(attempted=True, retry_in=retry_in)


def webhooks_requeue_due(*, now: datetime | None = None) -> list[int]:
    """Re-queue pending deliveries whose next attempt is overdue by ``OVERDUE_GRACE``; return their ids."""
    now = now or clock.now()
    ids = list(
        WebhookDelivery.objects.filter(
            status=WebhookDeliveryStatus.PENDING, next_attempt_at__lte=clock.before(now, OVERDUE_GRACE)
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:REQUEUE_BATCH]
    )
    for delivery_id in ids:
        _queue_delivery(delivery_id)
    if ids:
        logger.info("re-queued %d overdue webhook deliveries", len(ids))
    return ids


def webhook_retry_now(*, delivery: WebhookDelivery, by: AbstractBaseUser | AnonymousUser) -> bool:
    """Make a pending or failed delivery due now with a fresh series of attempts, and queue it.

    Return False (nothing changed) when it was delivered meanwhile.
    """
    updated = (
        WebhookDelivery.objects.filter(pk=delivery.pk)
        .exclude(status=WebhookDeliveryStatus.DELIVERED)
        .update(status=WebhookDeliveryStatus.PENDING, attempts=0, next_attempt_at=clock.now())
    )
    if updated != 1:
        return False
    logger.info("webhook delivery %s: retry now by %s", delivery.pk, by)
    transaction.on_commit(partial(_queue_delivery, delivery.pk))
    return True
