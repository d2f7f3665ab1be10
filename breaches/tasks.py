"""Celery tasks of the breaches app: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="breaches.tasks.send_reminders", time_limit=120, soft_time_limit=100, ignore_result=True)
def send_reminders() -> int:
    """Send the due breach reminders (each exactly once); return how many were sent."""
    from breaches.services import breach_reminders_send

    return breach_reminders_send().sent
