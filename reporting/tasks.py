"""Celery tasks of the reporting app: the due-report sweep and report e-mails."""

from __future__ import annotations

import smtplib

from celery import shared_task


@shared_task(name="reporting.tasks.build_due_reports", time_limit=600, soft_time_limit=540)
def build_due_reports(at: str | None = None) -> int:
    """Build (and deliver) the last complete period of every enabled report schedule.

    ``at`` (an ISO 8601 instant with its offset) builds as of that moment instead of now:
    a catch-up after an outage, or a test that must not depend on the hour it runs.
    """
    from datetime import datetime

    from reporting.services import reports_build_due

    now = datetime.fromisoformat(at) if at else None
    if now is not None and now.tzinfo is None:
        raise ValueError(f"at={at!r} needs a UTC offset")
    return len(reports_build_due(now=now))


@shared_task(
    name="reporting.tasks.send_report_email",
    time_limit=60,
    soft_time_limit=45,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=900,
    max_retries=8,
)
def send_report_email(delivery_id: int) -> None:
    """Mail one report delivery; return quietly if it is gone or already mailed."""
    from reporting.models import ReportDelivery
    from reporting.services import report_email_send

    delivery = ReportDelivery.objects.select_related("report", "recipient").filter(pk=delivery_id).first()
    if delivery is None:
        return
    report_email_send(delivery=delivery)
