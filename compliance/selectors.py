"""Reads of the compliance app: a person's data, the records of processing, the retention log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q

from compliance.models import KIND_ACTIONS, RetentionAction, RetentionKind, RetentionLog, RetentionRule
from compliance.retention import KINDS
from opsportal import clock

EXPORT_FORMAT = "opsportal-personal-data/1"


def _rows(queryset: models.QuerySet[Any], *fields: str) -> list[dict[str, Any]]:
    return list(queryset.order_by("pk").values(*fields))


def personal_data_for(user: Any) -> dict[str, Any]:
    """Return everything the portal holds about ``user``, as JSON-ready data (secrets left out).

    One section per kind of record, each row with the fields that concern the person and the
    ids that lead to the record. Tokens are listed by creation time only: a secret is not data
    about a person and must not travel in a file.
    """
    from axes.models import AccessLog
    from rest_framework.authtoken.models import Token

    from changes.models import CalendarToken, ChangeHistory, ChangeRequest, StageResult
    from checklists.models import RunItem
    from incidents.models import ActionItem, Incident, PostIncidentReview, TimelineEntry
    from oncall.models import FeedToken, Handover, LayerMember, Override, ShiftLog
    from opsportal.models import Notification
    from reporting.models import KpiMeasurement, ReportDelivery

    pk = user.pk
    item_fields = ("id", "run_id", "run__name", "text", "done_at", "note", "problem", "problem_note", "problem_at")
    incident_fields = ("id", "title", "status", "declared_at", "declared_by_id", "assignee_id", "acknowledged_by_id")
    change_fields = ("id", "title", "status", "created_at", "requester_id", "implementer_id", "approved_by_id",
                     "approved_at", "freeze_override_by_id", "freeze_override_reason")  # fmt: skip
    return {
        "format": EXPORT_FORMAT,
        "exported_at": clock.now(),
        "profile": {
            "id": pk,
            "username": user.get_username(),
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "is_active": user.is_active,
            "is_staff": user.is_staff,
            "is_superuser": user.is_superuser,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
        "roles": sorted(user.groups.values_list("name", flat=True)),
        "checklist_ticks": _rows(RunItem.objects.filter(done_by_id=pk), *item_fields),
        "checklist_notes": _rows(RunItem.objects.filter(note_by_id=pk).exclude(note=""), *item_fields),
        "checklist_problems": _rows(RunItem.objects.filter(problem_by_id=pk), *item_fields),
        "incidents": _rows(
            Incident.objects.filter(Q(declared_by_id=pk) | Q(assignee_id=pk) | Q(acknowledged_by_id=pk)),
            *incident_fields,
        ),
        "timeline_entries": _rows(
            TimelineEntry.objects.filter(author_id=pk), "id", "incident_id", "kind", "created_at", "text"
        ),
        "incident_reviews": _rows(
            PostIncidentReview.objects.filter(Q(owner_id=pk) | Q(completed_by_id=pk)),
            "id",
            "incident_id",
            "owner_id",
            "completed_by_id",
            "due_at",
            "completed_at",
        ),
        "action_items": _rows(
            ActionItem.objects.filter(owner_id=pk), "id", "review__incident_id", "description", "due_date", "done"
        ),
        "changes": _rows(
            ChangeRequest.objects.filter(
                Q(requester_id=pk) | Q(implementer_id=pk) | Q(approved_by_id=pk) | Q(freeze_override_by_id=pk)
            ),
            *change_fields,
        ),
        "change_history": _rows(
            ChangeHistory.objects.filter(actor_id=pk),
            "id",
            "change_id",
            "kind",
            "at",
            "from_status",
            "to_status",
            "message",
        ),
        "approvals": _rows(
            ChangeHistory.objects.filter(
                actor_id=pk, kind__in=[ChangeHistory.Kind.APPROVED, ChangeHistory.Kind.REJECTED]
            ),
            "id",
            "change_id",
            "kind",
            "at",
            "message",
        ),
        "stage_results": _rows(
            StageResult.objects.filter(recorded_by_id=pk),
            "id",
            "change_id",
            "stage__name",
            "outcome",
            "recorded_at",
            "evidence",
        ),
        "notifications": _rows(
            Notification.objects.filter(recipient_id=pk),
            "id",
            "subject",
            "body",
            "link",
            "created_at",
            "read_at",
            "emailed_at",
        ),
        "report_emails": _rows(ReportDelivery.objects.filter(recipient_id=pk), "id", "report_id", "emailed_at"),
        "kpi_measurements": _rows(KpiMeasurement.objects.filter(entered_by_id=pk), "id", "kpi__name", "date", "value"),
        "oncall_layers": _rows(
            LayerMember.objects.filter(user_id=pk), "id", "layer__schedule__name", "layer__name", "position"
        ),
        "oncall_shifts": _rows(
            ShiftLog.objects.filter(user_id=pk), "id", "schedule__name", "role", "start", "end", "source"
        ),
        "oncall_overrides": _rows(
            Override.objects.filter(Q(user_id=pk) | Q(created_by_id=pk)),
            "id",
            "schedule__name",
            "user_id",
            "created_by_id",
            "start",
            "end",
            "reason",
        ),
        "handovers": _rows(
            Handover.objects.filter(Q(outgoing_id=pk) | Q(incoming_id=pk) | Q(acknowledged_by_id=pk)),
            "id",
            "schedule__name",
            "handoff_at",
            "outgoing_id",
            "incoming_id",
            "note",
            "acknowledged_at",
        ),
        "calendar_tokens": _rows(CalendarToken.objects.filter(user_id=pk), "created_at")
        + _rows(FeedToken.objects.filter(user_id=pk), "created_at"),
        "api_tokens": list(Token.objects.filter(user_id=pk).values("created")),
        "login_log": _rows(
            AccessLog.objects.filter(username=user.get_username()),
            "attempt_time",
            "logout_time",
            "ip_address",
            "user_agent",
        ),
        "webhooks_owned": [],  # webhook endpoints belong to groups and schedules, never to a person
        **_access_data(pk),
    }


def _access_data(pk: int) -> dict[str, Any]:
    """Return the person's role changes, access review lines and training records (the access app)."""
    from access.models import AccessReviewLine, RoleChange, TrainingRecord

    return {
        "role_changes": _rows(RoleChange.objects.filter(user_number=pk), "id", "role", "action", "at", "by_id", "via"),
        "access_review_lines": _rows(
            AccessReviewLine.objects.filter(user_id=pk), "id", "review__quarter", "roles", "last_login", "dormant",
            "decision", "reason", "decided_by_id", "decided_at",
        ),
        "access_review_decisions": _rows(
            AccessReviewLine.objects.filter(decided_by_id=pk), "id", "review__quarter", "user_id", "decision",
            "decided_at",
        ),
        "training_records": _rows(
            TrainingRecord.objects.filter(person_id=pk), "id", "topic", "completed_on", "expires_on", "recorded_by_id"
        ),
    }  # fmt: skip


# Records of processing ----------------------------------------------------------------------


@dataclass(frozen=True)
class PersonalDataField:
    """One kind of personal data the portal stores: what, why, and which retention kind bounds it."""

    what: str
    where: str
    why: str
    retention_kind: str | None  # None: kept while the account exists; erase_user removes it


# The declared list of the personal data the portal stores. Keep it in step with the models: a
# new field holding a person's details belongs here, and in personal_data_for and user_erase.
PERSONAL_DATA: tuple[PersonalDataField, ...] = (
    PersonalDataField("Username, first and last name, e-mail address", "User accounts",
                      "Sign-in, showing who did what, sending notifications", None),
    PersonalDataField("Roles (group membership), last login", "User accounts",
                      "Access control and access reviews", None),
    PersonalDataField("Who ticked, noted or flagged a checklist item, and when", "Checklist runs",
                      "Accountability for routine operations", None),
    PersonalDataField("Who declared, acknowledged, was assigned or reviewed an incident", "Incidents",
                      "Response accountability and SLA figures", None),
    PersonalDataField("Who requested, approved, implemented or recorded a change", "Change requests",
                      "Four-eyes control of production changes", None),
    PersonalDataField("On-call shifts, overrides and handovers", "On-call schedules",
                      "Paging the right person; on-call load reports", None),
    PersonalDataField("Affected users' contacts and details in incident descriptions, notes, status notes "
                      "and messages to affected users, and the notes on an incident's checklists",
                      "Incidents", "Resolving the incident and informing those affected",
                      RetentionKind.CLOSED_INCIDENTS),
    PersonalDataField("Free-text notes on changes: approval and transition messages, freeze-override and "
                      "early-start reasons, stage evidence, checklist notes", "Change requests",
                      "Recording decisions on the change", RetentionKind.CLOSED_CHANGES),
    PersonalDataField("Notification subjects and bodies, read and mailed times", "Notifications",
                      "Telling people what needs them", RetentionKind.NOTIFICATIONS),
    PersonalDataField("Report e-mails sent to a person", "Report e-mail outbox",
                      "Sending each report exactly once", RetentionKind.REPORT_EMAILS),
    PersonalDataField("Notifications posted to chat webhooks (may name people)", "Webhook deliveries",
                      "Posting each notification exactly once", RetentionKind.WEBHOOK_DELIVERIES),
    PersonalDataField("Session cookies' server-side data", "Sessions", "Keeping people signed in",
                      RetentionKind.SESSIONS),
    PersonalDataField("Usernames, IP addresses and browsers of login attempts", "Login attempts",
                      "Locking out password guessing", RetentionKind.LOGIN_ATTEMPTS),
    PersonalDataField("Roles granted and revoked (when, by whom), access review lines and decisions",
                      "Role audit trail and access reviews", "Proving who held which access, and why", None),
    PersonalDataField("Training completed, on which topic, and when it expires", "Training records",
                      "Security awareness training and its reminders", None),
)  # fmt: skip


@dataclass(frozen=True)
class ProcessingRecord:
    what: str
    where: str
    why: str
    how_long: str
    then: str


def records_of_processing() -> list[ProcessingRecord]:
    """Return one line per declared personal data field, its period read from the retention rules."""
    rules = {rule.kind: rule for rule in RetentionRule.objects.all()}
    records = []
    for item in PERSONAL_DATA:
        if item.retention_kind is None:
            how_long, then = "While the account exists", "Anonymised by erase_user when the person leaves"
        else:
            rule = rules.get(item.retention_kind)
            counted = KINDS[item.retention_kind].counted_from
            if rule is None or not rule.enabled:
                how_long = "No retention rule is enabled: kept until one is"
            else:
                how_long = f"{rule.days} days after {counted}"
            action = KIND_ACTIONS[item.retention_kind]
            then = "Deleted" if action == RetentionAction.DELETE else "Anonymised (the record and its figures stay)"
        records.append(ProcessingRecord(item.what, item.where, item.why, how_long, then))
    return records


def retention_log_recent(*, limit: int = 20) -> list[RetentionLog]:
    """Return the most recent retention log rows, newest first."""
    return list(RetentionLog.objects.order_by("-started_at", "-pk")[:limit])
