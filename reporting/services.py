"""Writes of the reporting app: measurements, report snapshots and their delivery."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from opsportal import clock, plausible
from opsportal.notifications import notification_send
from opsportal.outbox import insert_once
from reporting import rules
from reporting.models import KpiDefinition, KpiMeasurement, Report, ReportDelivery, ReportSchedule
from reporting.periods import Period, last_complete_period
from reporting.selectors import report_data_compute


@dataclass(frozen=True)
class MeasurementInput:
    """One validated measurement to record."""

    kpi: KpiDefinition
    date: date
    value: Decimal


def measurement_problems(*, kpi: KpiDefinition, day: date, value: Decimal, today: date) -> dict[str, str]:
    """Return what is implausible about a measurement, by field (``date``, ``value``); empty when fine.

    A date in the future or more than ten years back, or a value outside the KPI's minimum
    and maximum (percentages 0-100, counts not negative), is refused.
    """
    problems: dict[str, str] = {}
    if problem := plausible.measurement_date_problem(day, today=today):
        problems["date"] = problem
    if kpi.min_value is not None and value < kpi.min_value:
        problems["value"] = f"{kpi.name} cannot be below {kpi.min_value.normalize():f}{_unit(kpi)}."
    elif kpi.max_value is not None and value > kpi.max_value:
        problems["value"] = f"{kpi.name} cannot be above {kpi.max_value.normalize():f}{_unit(kpi)}."
    return problems


def _unit(kpi: KpiDefinition) -> str:
    return f" {kpi.unit}" if kpi.unit and kpi.unit != "%" else kpi.unit


def measurements_record(*, rows: Iterable[MeasurementInput], by: Any | None) -> int:
    """Insert or update the measurements of ``rows`` (one per KPI and date); return how many.

    ``by`` must be allowed to enter measurements (``reporting.rules``); ``None`` is the portal
    itself (demo data, scripts). All or nothing: every row is checked (:func:`measurement_problems`)
    before any is saved; a database error saves none of them.
    """
    if by is not None:
        rules.require(rules.may_enter_measurements(by), rules.ENTRY_DENIED)
    rows = list(rows)
    today = timezone.localdate()
    for row in rows:
        if problems := measurement_problems(kpi=row.kpi, day=row.date, value=row.value, today=today):
            raise ValidationError(problems)
    latest: dict[tuple[int, date], KpiMeasurement] = {}
    for row in rows:
        latest[(row.kpi.pk, row.date)] = KpiMeasurement(
            kpi=row.kpi, date=row.date, value=row.value, entered_by=by, updated_at=timezone.now()
        )
    with transaction.atomic():
        KpiMeasurement.objects.bulk_create(
            list(latest.values()),
            update_conflicts=True,
            unique_fields=["kpi", "date"],
            update_fields=["value", "entered_by", "updated_at"],
            batch_size=500,
        )
    return len(latest)


def measurement_record(*, kpi: KpiDefinition, day: date, value: Decimal, by: Any | None) -> KpiMeasurement:
    """Record one measurement (updating the KPI's value for that date) and return it."""
    measurements_record(rows=[MeasurementInput(kpi=kpi, date=day, value=value)], by=by)
    return KpiMeasurement.objects.get(kpi=kpi, date=day)


def report_build(*, period: Period, now: Any | None = None) -> tuple[Report, bool]:
    """Return the snapshot for ``period``, building it if none exists; and whether it was built now.

    Idempotent under concurrency: the UniqueConstraint on (kind, period_start) lets exactly
    one builder insert; the others read the winner's row.
    """
    existing = Report.objects.filter(kind=period.kind, period_start=period.start).first()
    if existing is not None:
        return existing, False
    data = report_data_compute(period=period)
    return insert_once(
        Report,
        kind=period.kind,
        period_start=period.start,
        defaults={"period_end": period.end, "built_at": now or timezone.now(), "data": data},
    )


def report_deliver(*, report: Report, group: str = "Manager") -> int:
    """Notify every active member of ``group`` about ``report``, once each; return how many are new.

    An outbox row per (report, recipient) is written first; the HTML e-mail is sent after
    commit by ``reporting.tasks.send_report_email``, which marks the row. Recipients who
    already have their row are skipped, so calling this again (or concurrently) mails no one twice.
    """
    from reporting.tasks import send_report_email

    user_model = get_user_model()
    already = ReportDelivery.objects.filter(report=report).values("recipient_id")
    recipients = list(
        user_model.objects.filter(is_active=True)
        .filter(Q(groups__name=group) | Q(is_superuser=True))
        .exclude(pk__in=already)
        .distinct()
    )
    if not recipients:
        return 0
    with transaction.atomic():
        pending: list[tuple[int, Any]] = []
        for user in recipients:
            delivery, created = insert_once(ReportDelivery, report=report, recipient=user)
            if created:
                pending.append((delivery.pk, user))
        data = report.data
        notification_send(
            recipients=[user for _pk, user in pending],
            key=f"report-{report.pk}",
            subject=f"{data.get('title', str(report))} is ready",
            body=data.get("summary", ""),
            link=report.get_absolute_url(),
            email=False,  # the HTML e-mail below replaces the plain one
        )
        for delivery_id, _recipient in pending:
            transaction.on_commit(partial(send_report_email.delay, delivery_id))
    return len(pending)


@dataclass(frozen=True)
class Published:
    """What ``report_publish`` did: the report, whether it was built now, how many it was sent to now."""

    report: Report
    built: bool
    delivered: int


def report_publish(*, period: Period, now: Any | None = None, group: str | None = None) -> Published:
    """Build the report of ``period`` (unless it exists) and deliver it to its recipients, once each.

    The one path from "a report is wanted" to "managers have it": the ``build_report``
    command and the beat sweep both call it. ``group`` defaults to the recipients of the
    kind's report schedule (Manager without one). Build and delivery rows commit together,
    and both are insert-once, so running it twice, or on two workers, mails nobody twice;
    a report built earlier but never delivered is delivered now.
    """
    if group is None:
        schedule = ReportSchedule.objects.filter(kind=period.kind).first()
        group = schedule.recipients_group if schedule else "Manager"
    with transaction.atomic():
        report, built = report_build(period=period, now=now)
        delivered = report_deliver(report=report, group=group)
    return Published(report=report, built=built, delivered=delivered)


def reports_build_due(*, now: Any | None = None) -> list[Report]:
    """Publish the last complete period of every enabled schedule whose build time has passed.

    Return the reports built now. Each is delivered to its schedule's group in the
    transaction that built it (``report_publish``), exactly once however often (or on
    however many workers) this runs.
    """
    now = now or timezone.now()
    local_now = timezone.localtime(now, timezone=clock.portal_zone())
    built: list[Report] = []
    for schedule in ReportSchedule.objects.filter(enabled=True):
        period = last_complete_period(schedule.kind, local_now.date())
        first_day_after = period.end.toordinal() + 1
        if local_now.date().toordinal() == first_day_after and local_now.time() < schedule.build_time:
            continue  # not yet: the period ended today at midnight and the build time is later
        published = report_publish(period=period, now=now, group=schedule.recipients_group)
        if published.built:
            built.append(published.report)
    return built


def report_email_send(*, delivery: ReportDelivery) -> bool:
    """Send a delivery's HTML e-mail unless already sent; return True when it was sent now."""
    from django.core.mail import EmailMultiAlternatives
    from django.template.loader import render_to_string

    from opsportal.notifications import absolute_url
    from reporting.tables import report_tables

    if delivery.emailed_at is not None or not delivery.recipient.email:
        return False
    report = delivery.report
    context = {
        "report": report,
        "data": report.data,
        "tables": [table for table in report_tables(report.data) if table.key in {"business", "operational"}],
        "link": absolute_url(report.get_absolute_url()),
        "recipient": delivery.recipient,
    }
    domain = settings.PORTAL_BASE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "opsportal"
    message = EmailMultiAlternatives(
        subject=f"[OpsPortal] {report.data.get('title', str(report))}",
        body=render_to_string("reporting/email/report.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.recipient.email],
        headers={"Message-ID": f"<report-{report.pk}.{delivery.recipient_id}@{domain}>"},
    )
    message.attach_alternative(render_to_string("reporting/email/report.html", context), "text/html")
    message.send()
    ReportDelivery.objects.filter(pk=delivery.pk, emailed_at=None).update(emailed_at=timezone.now())
    return True
