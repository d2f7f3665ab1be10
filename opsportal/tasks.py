"""Portal-wide Celery tasks: the heartbeat and notification e-mail."""

from __future__ import annotations

import smtplib

from celery import shared_task
from django.utils import timezone

from opsportal.models import Heartbeat, Notification

HEARTBEAT = "worker"


@shared_task(name="opsportal.tasks.heartbeat", time_limit=30, soft_time_limit=20)
def heartbeat() -> None:
    """Record that a worker executed a task just now."""
    Heartbeat.objects.update_or_create(name=HEARTBEAT, defaults={"last_seen_at": timezone.now()})


@shared_task(
    name="opsportal.tasks.send_notification_email",
    time_limit=60,
    soft_time_limit=45,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=900,
    max_retries=8,
)
def send_notification_email(notification_id: int) -> None:
    """Mail one notification; return quietly if it is gone or already mailed."""
    from opsportal.notifications import notification_email

    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None:
        return
    notification_email(notification=notification)
