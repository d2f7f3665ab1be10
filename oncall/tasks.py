"""Celery tasks of the on-call app: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task

from oncall import services


@shared_task(name="oncall.tasks.append_shift_log", time_limit=120, soft_time_limit=100, ignore_result=True)
def append_shift_log() -> None:
    """Append the shifts that started since the last sweep to every schedule's shift log."""
    services.shift_log_sweep()


@shared_task(name="oncall.tasks.send_handovers", time_limit=120, soft_time_limit=100, ignore_result=True)
def send_handovers() -> None:
    """Send the handover digest of every handoff that just happened (each exactly once)."""
    from oncall.handover import handovers_send_due

    handovers_send_due()
