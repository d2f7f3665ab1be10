"""Send a notification in-app and by e-mail, exactly once per recipient and key.

The in-app row is written first, inside the caller's transaction, guarded by a unique
constraint; the e-mail is sent by a Celery task after commit. A sweep that runs twice, or on
two workers, therefore writes nothing twice and mails nothing twice. The e-mail carries a
stable Message-ID, so even a retry after a crash between sending and recording is recognised
as the same message by mail clients.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from opsportal.models import Notification


def absolute_url(path: str) -> str:
    """Return ``path`` on the portal's public base URL."""
    if path.startswith(("http://", "https://")):
        return path
    return f"{settings.PORTAL_BASE_URL}{path}"


def notification_send(
    *, recipients: Iterable[Any], key: str, subject: str, body: str = "", link: str = "", email: bool = True
) -> list[Notification]:
    """Create one notification per active recipient for ``key`` and mail each after commit.

    Recipients who already hold a notification with this key are skipped. Return the new rows.
    With ``email=False`` only the in-app rows are written: for a caller that sends its own
    (for example HTML) e-mail through its own outbox.
    """
    users = {user.pk: user for user in recipients if user is not None and user.is_active}
    if not users:
        return []
    existing = set(Notification.objects.filter(key=key, recipient_id__in=users).values_list("recipient_id", flat=True))
    rows = [
        Notification(recipient_id=pk, key=key, subject=subject[:200], body=body, link=link)
        for pk in users
        if pk not in existing
    ]
    created = Notification.objects.bulk_create(rows, ignore_conflicts=True)
    # ignore_conflicts leaves primary keys unset on some databases: read the rows back.
    created_ids = list(
        Notification.objects.filter(
            key=key, recipient_id__in=[row.recipient_id for row in created], emailed_at=None
        ).values_list("pk", flat=True)
    )
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


def notification_email(*, notification: Notification) -> bool:
    """Send the notification's e-mail unless already sent; return True when it was sent now."""
    if notification.emailed_at is not None or not notification.recipient.email:
        return False
    link = absolute_url(notification.link) if notification.link else ""
    text = notification.body + (f"\n\n{link}" if link else "")
    message = EmailMultiAlternatives(
        subject=f"[OpsPortal] {notification.subject}",
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient.email],
        headers={"Message-ID": message_id_for(notification)},
    )
    message.send()
    Notification.objects.filter(pk=notification.pk, emailed_at=None).update(emailed_at=timezone.now(), email_error="")
    return True
