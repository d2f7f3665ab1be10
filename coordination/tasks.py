"""Celery tasks of team coordination: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="coordination.tasks.open_meetings", time_limit=120, soft_time_limit=100, ignore_result=True)
def open_meetings() -> int:
    """Open today's due meetings with their agenda and remind due action items; return how many opened."""
    from coordination.services import meeting_actions_remind_due, meetings_open_due

    opened = meetings_open_due()
    meeting_actions_remind_due()
    return len(opened)


@shared_task(name="coordination.tasks.send_reminders", time_limit=300, soft_time_limit=240, ignore_result=True)
def send_reminders() -> dict[str, int]:
    """Sweep skills flags, expiring skills and ending vendor contracts once."""
    from coordination.services import coordination_reminders

    return coordination_reminders()
