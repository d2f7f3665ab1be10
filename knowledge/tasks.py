"""Celery tasks of the knowledge library: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="knowledge.tasks.remind_stale_pages", time_limit=300, soft_time_limit=240, ignore_result=True)
def remind_stale_pages() -> int:
    """Remind the owners of pages past their review date, once per review period; return how many."""
    from knowledge.services import pages_remind_stale

    return pages_remind_stale()
