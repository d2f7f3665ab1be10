"""Celery tasks of the access app: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="access.tasks.sweep", time_limit=300, soft_time_limit=240, ignore_result=True)
def sweep() -> dict[str, int]:
    """Open this quarter's access review if missing; remind overdue reviews and expiring training once."""
    from access.services import access_sweep

    return access_sweep()
