"""Celery tasks of the incidents app: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="incidents.tasks.sla_sweep", time_limit=120, soft_time_limit=100, ignore_result=True)
def sla_sweep() -> int:
    """Run one SLA sweep; return how many reminders it sent."""
    from incidents.services import sla_sweep as sweep

    result = sweep()
    return result.reminders + result.review_reminders


@shared_task(name="incidents.tasks.roll_holidays_forward", time_limit=300, soft_time_limit=240, ignore_result=True)
def roll_holidays_forward() -> int:
    """Add next year's public holidays to each business calendar that names a country."""
    from incidents.services import calendars_roll_holidays_forward

    return calendars_roll_holidays_forward()
