"""Send a notification in-app and by e-mail, exactly once per recipient and key.

The in-app row is written first, inside the caller's transaction, guarded by a unique
constraint; the e-mail is sent by a Celery task after commit. A sweep that runs twice, or on
two workers, therefore writes nothing twice and mails nothing twice. The e-mail carries a
stable Message-ID, so even a retry after a crash between sending and recording is recognised
as the same message by mail clients.

Nothing depends on the broker keeping a message: the row is the truth. ``notification_email``
holds a row lock while it talks to the mail server (a second task for the same row skips it),
and ``notifications_resend_unmailed`` (beat, every minute) re-queues rows still unmailed after
``RESEND_AFTER``, backing off, at most ``MAX_RESENDS`` times. Delivery is therefore
at-least-once: a crash after the mail server accepted a message but before ``emailed_at`` was
committed sends it again, with the same Message-ID (docs/operations.md, "Reminder delivery").
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from opsportal.models import Notification
from opsportal.outbox import insert_once

if TYPE_CHECKING:
    from oncall.models import Schedule

logger = logging.getLogger(__name__)

RESEND_AFTER = timedelta(seconds=60)  # an e-mail still unsent this long after its row is re-queued
MAX_RESENDS = 6  # then given up: 1, 2, 4, 8, 16 and 32 minutes apart, about an hour in all
RESEND_BATCH = 500


def absolute_url(path: str) -> str:
    """Return ``path`` on the portal's public base URL."""
    if path.startswith(("http://", "https://")):
        return path
    return f"{settings.PORTAL_BASE_URL}{path}"


def notification_send(
    *,
    recipients: Iterable[Any],
    key: str,
    subject: str,
    body: str = "",
    link: str = "",
    email: bool = True,
    schedule: Schedule | None = None,
) -> list[Notification]:
    """Create one notification per active recipient for ``key`` and mail each after commit.

    Recipients who already hold a notification with this key are skipped. Return the new rows.
    With ``email=False`` only the in-app rows are written: for a caller that sends its own
    (for example HTML) e-mail through its own outbox. ``schedule`` is the on-call schedule the
    notification concerns: its webhook endpoints get it too (once per endpoint and key), even
    when it has no recipient left to notify.
    """
    users = {user.pk: user for user in recipients if user is not None and user.is_active}
    if not users and schedule is None:
        return []
    existing = set(Notification.objects.filter(key=key, recipient_id__in=users).values_list("recipient_id", flat=True))
    # One insert per new recipient, so each caller knows exactly which rows it created: a
    # concurrent caller with the same key mails the others, never the same person twice.
    fields = {"subject": subject[:200], "body": body, "link": link}
    created_ids = [
        notification.pk
        for notification, created in (
            insert_once(Notification, recipient_id=pk, key=key, defaults=fields) for pk in users if pk not in existing
        )
        if created
    ]
    if created_ids or schedule is not None:
        # Post to the webhooks of the new recipients' groups and of the schedule: once per endpoint,
        # not per recipient (the delivery row is unique per endpoint and key).
        from webhooks.services import webhooks_enqueue

        recipient_ids = Notification.objects.filter(pk__in=created_ids).values_list("recipient_id", flat=True)
        webhooks_enqueue(recipient_ids=recipient_ids, key=key, subject=subject, body=body, link=link, schedule=schedule)
    if not email:
        # The caller mails through its own outbox: mark these handled, so no sweep mails them again.
        Notification.objects.filter(pk__in=created_ids).update(emailed_at=timezone.now())
        return list(Notification.objects.filter(pk__in=created_ids))
    from opsportal.tasks import send_notification_email

    for notification_id in created_ids:
        transaction.on_commit(partial(send_notification_email.delay, notification_id))
    return list(Notification.objects.filter(pk__in=created_ids))


def message_id_for(notification: Notification) -> str:
    """Return the stable Message-ID of a notification's e-mail."""
    domain = settings.PORTAL_BASE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "opsportal"
    return f"<{notification.key}.{notification.recipient_id}@{domain}>"


def _locked_unmailed(notification_id: int) -> Notification | None:
    """Lock the notification for this transaction if it is still unmailed and nobody else holds it."""
    queryset = Notification.objects.select_related("recipient").filter(pk=notification_id, emailed_at=None)
    if connection.vendor == "postgresql":
        queryset = queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset.first()


def notification_email(*, notification: Notification) -> bool:
    """Send the notification's e-mail unless already sent; return True when it was sent now.

    The row stays locked while the mail server is talking, so two tasks for one notification
    (a resend and a late original) never both send. A mail server error is recorded on the row;
    the resend sweep tries again later.
    """
    with transaction.atomic():
        row = _locked_unmailed(notification.pk)
        if row is None or not row.recipient.email:
            return False
        link = absolute_url(row.link) if row.link else ""
        text = row.body + (f"\n\n{link}" if link else "")
        message = EmailMultiAlternatives(
            subject=f"[OpsPortal] {row.subject}",
            body=text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[row.recipient.email],
            headers={"Message-ID": message_id_for(row)},
        )
        try:
            message.send()
        except (smtplib.SMTPException, OSError) as error:
            failure = f"{type(error).__name__}: {error}"[:500]
        else:
            Notification.objects.filter(pk=row.pk).update(emailed_at=timezone.now(), email_error="")
            return True
    logger.warning("notification %s: e-mail failed (%s); the resend sweep will try again", notification.pk, failure)
    Notification.objects.filter(pk=notification.pk, emailed_at=None).update(email_error=failure)
    return False


def resend_delay(resends: int) -> timedelta:
    """Return how long after its last resend an unmailed notification is re-queued again."""
    return RESEND_AFTER * 2**resends


def notifications_resend_unmailed(*, now: datetime | None = None) -> list[int]:
    """Re-queue the e-mail of every notification still unmailed after its delay; return their ids.

    Covers a lost Celery message (broker flushed, worker killed mid-task) and a failed send.
    Each resend is counted on the row; after ``MAX_RESENDS`` the row is left alone.
    """
    now = now or timezone.now()
    due = Q(email_resends=0, created_at__lte=now - RESEND_AFTER)
    for resends in range(1, MAX_RESENDS):
        due |= Q(email_resends=resends, email_resent_at__lte=now - resend_delay(resends))
    from opsportal.tasks import send_notification_email

    with transaction.atomic():
        queryset = (
            Notification.objects.filter(due, emailed_at=None, recipient__is_active=True)
            .exclude(recipient__email="")
            .order_by("created_at", "pk")
        )
        if connection.vendor == "postgresql":
            queryset = queryset.select_for_update(skip_locked=True, of=("self",))
        ids = list(queryset.values_list("pk", flat=True)[:RESEND_BATCH])
        if not ids:
            return []
        Notification.objects.filter(pk__in=ids).update(email_resends=F("email_resends") + 1, email_resent_at=now)
        for notification_id in ids:
            transaction.on_commit(partial(send_notification_email.delay, notification_id))
    logger.info("re-queued the e-mail of %d unmailed notifications", len(ids))
    return ids
