"""Celery tasks of the incidents app: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="incidents.tasks.sla_sweep", time_limit=120, soft_time_limit=100, ignore_result=True)
def sla_sweep() -> int:
    """Run one SLA sweep; return how many reminders it sent."""
    from incidents.services import sla_sweep as sweep

    result = sweep()
    return result.reminders + result.review_reminders
