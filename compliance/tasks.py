"""Celery tasks of the compliance app: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="compliance.tasks.apply_retention", time_limit=3600, soft_time_limit=3500, ignore_result=True)
def apply_retention() -> int:
    """Apply the retention rules (nightly); return how many rows went."""
    from compliance.services import retention_apply

    return sum(result.rows for result in retention_apply())
