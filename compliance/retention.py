"""The declared table of retention kinds: which rows each kind covers and what happens to them.

``compliance.services.retention_apply`` reads this table and nothing else decides what goes.
Each kind has one or more *sources* (a model and the due rows at a cutoff) and an *action*:

- delete: the due rows are removed (notifications, outbox rows, sessions, login attempts);
- anonymise: the record stays, so reports keep their figures, but its free text (descriptions,
  notes, messages to affected users, reasons) is replaced by ``ANONYMISED_TEXT``, and an
  ``Anonymisation`` row marks it done; due rows are those without that mark.

The same table feeds the "Records of processing" page (``compliance.selectors``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Exists, OuterRef
from django.db.models.functions import Coalesce

from compliance.models import Anonymisation, RetentionKind

ANONYMISED_TEXT = "[removed under the retention rules]"


@dataclass(frozen=True)
class Source:
    """One model of a kind and the rows due at a cutoff."""

    label: str
    due: Callable[[datetime], models.QuerySet]


@dataclass(frozen=True)
class KindSpec:
    kind: str
    counted_from: str
    sources: Sequence[Source]
    anonymise: Callable[[list[int]], None] | None = None  # None: the rows are deleted


def _notifications(cutoff: datetime) -> models.QuerySet:
    from opsportal.models import Notification

    return Notification.objects.filter(created_at__lt=cutoff)


def _report_emails(cutoff: datetime) -> models.QuerySet:
    from reporting.models import Report, ReportDelivery

    # Only rows that were mailed (an unsent one is still the outbox's promise to send), and only of
    # reports a newer one of their kind has followed: the beat sweep re-publishes the last complete
    # period every 15 minutes (a quarter's for up to three months), and a missing row would mail it again.
    newer = Report.objects.filter(kind=OuterRef("report__kind"), period_start__gt=OuterRef("report__period_start"))
    return ReportDelivery.objects.filter(emailed_at__isnull=False, created_at__lt=cutoff).filter(Exists(newer))


def _webhook_deliveries(cutoff: datetime) -> models.QuerySet:
    from webhooks.models import WebhookDelivery, WebhookDeliveryStatus

    return WebhookDelivery.objects.exclude(status=WebhookDeliveryStatus.PENDING).filter(created_at__lt=cutoff)


def _sessions(cutoff: datetime) -> models.QuerySet:
    from django.contrib.sessions.models import Session

    # A session is written with expire_date = that moment + SESSION_COOKIE_AGE: last written before
    # the cutoff means it expires (or expired) before cutoff + SESSION_COOKIE_AGE.
    return Session.objects.filter(expire_date__lt=cutoff + timedelta(seconds=settings.SESSION_COOKIE_AGE))


def _access_attempts(cutoff: datetime) -> models.QuerySet:
    from axes.models import AccessAttempt

    return AccessAttempt.objects.filter(attempt_time__lt=cutoff)


def _access_logs(cutoff: datetime) -> models.QuerySet:
    from axes.models import AccessLog

    return AccessLog.objects.filter(attempt_time__lt=cutoff)


def _access_failure_logs(cutoff: datetime) -> models.QuerySet:
    from axes.models import AccessFailureLog

    return AccessFailureLog.objects.filter(attempt_time__lt=cutoff)


def _anonymised(kind: str) -> Exists:
    return Exists(Anonymisation.objects.filter(kind=kind, object_id=OuterRef("pk")))


def _closed_incidents(cutoff: datetime) -> models.QuerySet:
    from incidents.models import Incident, IncidentStatus

    return Incident.objects.filter(status=IncidentStatus.CLOSED, closed_at__lt=cutoff).filter(
        ~_anonymised(RetentionKind.CLOSED_INCIDENTS)
    )


def _closed_changes(cutoff: datetime) -> models.QuerySet:
    from changes.models import TERMINAL_STATUSES, ChangeRequest

    return (
        ChangeRequest.objects.filter(status__in=TERMINAL_STATUSES)
        .alias(ended_at=Coalesce("completed_at", "status_changed_at"))
        .filter(ended_at__lt=cutoff)
        .filter(~_anonymised(RetentionKind.CLOSED_CHANGES))
    )


def _blank_run_notes(model: type[models.Model], ids: list[int]) -> None:
    """Replace the notes on checklist runs attached to these incidents or changes."""
    from checklists.models import RunItem

    items = RunItem.objects.filter(
        run__subject_content_type=ContentType.objects.get_for_model(model), run__subject_object_id__in=ids
    )
    items.exclude(note="").update(note=ANONYMISED_TEXT)
    items.exclude(problem_note="").update(problem_note=ANONYMISED_TEXT)


# Timeline entries whose text a person wrote (a note, a message to affected users, a status note);
# the others (declared, severity, assignment, escalation) are the portal's own words.
INCIDENT_FREE_TEXT_KINDS = ("note", "message", "status")
# Change history entries whose message a person wrote.
CHANGE_FREE_TEXT_KINDS = ("transition", "approved", "rejected", "freeze_override", "stage", "rollback")


def anonymise_incidents(ids: list[int]) -> None:
    """Replace the free text of these incidents: description, written timeline entries, run notes."""
    from incidents.models import Incident, TimelineEntry

    Incident.objects.filter(pk__in=ids).exclude(description="").update(description=ANONYMISED_TEXT)
    TimelineEntry.objects.filter(incident_id__in=ids, kind__in=INCIDENT_FREE_TEXT_KINDS).exclude(text="").update(
        text=ANONYMISED_TEXT
    )
    _blank_run_notes(Incident, ids)


def anonymise_changes(ids: list[int]) -> None:
    """Replace the free text of these changes: reasons, written history messages, stage evidence, run notes."""
    from changes.models import ChangeHistory, ChangeRequest, StageResult

    changes = ChangeRequest.objects.filter(pk__in=ids)
    changes.exclude(freeze_override_reason="").update(freeze_override_reason=ANONYMISED_TEXT)
    changes.exclude(early_start_reason="").update(early_start_reason=ANONYMISED_TEXT)
    ChangeHistory.objects.filter(change_id__in=ids, kind__in=CHANGE_FREE_TEXT_KINDS).exclude(message="").update(
        message=ANONYMISED_TEXT
    )
    results = StageResult.objects.filter(change_id__in=ids)
    results.exclude(evidence="").update(evidence=ANONYMISED_TEXT)
    results.exclude(rolled_back="").update(rolled_back=ANONYMISED_TEXT)
    _blank_run_notes(ChangeRequest, ids)


KINDS: dict[str, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(RetentionKind.NOTIFICATIONS, "creation", [Source("notifications", _notifications)]),
        KindSpec(
            RetentionKind.REPORT_EMAILS,
            "creation (once mailed and a newer report of its kind is built)",
            [Source("report e-mails", _report_emails)],
        ),
        KindSpec(
            RetentionKind.WEBHOOK_DELIVERIES,
            "creation (delivered or failed rows only)",
            [Source("webhook deliveries", _webhook_deliveries)],
        ),
        KindSpec(RetentionKind.SESSIONS, "it was last written (sign-in)", [Source("sessions", _sessions)]),
        KindSpec(
            RetentionKind.LOGIN_ATTEMPTS,
            "the attempt",
            [
                Source("login attempts", _access_attempts),
                Source("login log", _access_logs),
                Source("failed login log", _access_failure_logs),
            ],
        ),
        KindSpec(
            RetentionKind.CLOSED_INCIDENTS,
            "closing",
            [Source("closed incidents", _closed_incidents)],
            anonymise=anonymise_incidents,
        ),
        KindSpec(
            RetentionKind.CLOSED_CHANGES,
            "completion (closed, rejected, cancelled or failed)",
            [Source("closed changes", _closed_changes)],
            anonymise=anonymise_changes,
        ),
    )
}

assert set(KINDS) == set(RetentionKind.values), "every retention kind needs its row in KINDS"
