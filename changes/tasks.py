"""Celery tasks of the changes app: thin, idempotent through the outbox rows."""

from __future__ import annotations

from celery import shared_task

from changes import services


@shared_task(name="changes.tasks.send_reminders", soft_time_limit=120, time_limit=150, acks_late=True)
def send_reminders() -> int:
    """Send the due approval-waiting and window-passed reminders, each once."""
    return services.change_reminders_send()
