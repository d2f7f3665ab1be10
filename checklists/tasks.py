"""Celery tasks of the checklists app: thin wrappers that call one service each."""

from __future__ import annotations

import logging

from celery import shared_task

from checklists import services

logger = logging.getLogger(__name__)


@shared_task(name="checklists.tasks.generate_due_runs", time_limit=240, soft_time_limit=200)
def generate_due_runs() -> int:
    """Create every run due by now (beat, every few minutes); return how many were created."""
    result = services.runs_generate_due()
    if result.created:
        logger.info("checklists: created %s runs (%s already missed)", result.created, result.created_missed)
    return result.created


@shared_task(name="checklists.tasks.sweep_runs", time_limit=120, soft_time_limit=100)
def sweep_runs() -> dict[str, int]:
    """Mark runs whose window closed as missed and send overdue reminders (beat, every minute)."""
    result = services.runs_sweep()
    return {"missed": result.missed, "reminded": result.reminded}
