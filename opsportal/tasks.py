"""Portal-wide Celery tasks: the heartbeat and notification e-mail."""

from __future__ import annotations

from celery import shared_task

from opsportal.heartbeat import worker_ran
from opsportal.models import Notification


@shared_task(name="opsportal.tasks.heartbeat", time_limit=30, soft_time_limit=20)
def heartbeat(sent_at: str | None = None) -> None:
    """Record that a worker ran a heartbeat just now, and which beat send it was (``sent_at``)."""
    worker_ran(sent_at=sent_at)


@shared_task(name="opsportal.tasks.send_notification_email", time_limit=60, soft_time_limit=45)
def send_notification_email(notification_id: int) -> None:
    """Mail one notification; return quietly if it is gone or already mailed.

    No Celery retry: a failure is recorded on the row and ``resend_unmailed`` tries again, so
    retries survive a flushed broker and are bounded by the row's resend count.
    """
    from opsportal.notifications import notification_email

    notification = Notification.objects.filter(pk=notification_id).first()
    if notification is None:
        return
    notification_email(notification=notification)


@shared_task(name="opsportal.tasks.resend_unmailed", time_limit=60, soft_time_limit=45)
def resend_unmailed() -> int:
    """Re-queue e-mails whose first attempt was lost or failed; return how many."""
    from opsportal.notifications import notifications_resend_unmailed

    return len(notifications_resend_unmailed())
