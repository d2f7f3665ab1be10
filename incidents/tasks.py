"""Celery tasks of the incidents app: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="incidents.tasks.sla_sweep", time_limit=120, soft_time_limit=100, ignore_result=True)
def sla_sweep() -> int:
    """Run one SLA sweep; return how many reminders it sent."""
    from incidents.services import sla_sweep as sweep

    result = sweep()
    return result.reminders + result.review_reminders


@shared_task(name="incidents.tasks.send_due_reminders", time_limit=60, soft_time_limit=50, ignore_result=True)
def send_due_reminders(incident_id: int, due_at: str) -> int:
    """Send an incident's reminders due at ``due_at`` (ISO instant); before it, wait again.

    Queued for the due moment by incidents.services.reminder_schedule; returns how many it sent.
    """
    from datetime import datetime

    from django.utils import timezone

    from incidents.services import incident_reminders_send, reminder_schedule

    due = datetime.fromisoformat(due_at)
    if due > timezone.now() and not send_due_reminders.request.is_eager:
        reminder_schedule(incident_id=incident_id, due_at=due)  # a long wait, split below the visibility timeout
        return 0
    return incident_reminders_send(incident_id=incident_id).reminders


@shared_task(name="incidents.tasks.roll_holidays_forward", time_limit=300, soft_time_limit=240, ignore_result=True)
def roll_holidays_forward() -> int:
    """Add next year's public holidays to each business calendar that names a country."""
    from incidents.services import calendars_roll_holidays_forward

    return calendars_roll_holidays_forward()
