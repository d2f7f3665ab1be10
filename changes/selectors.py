"""Reads and access checks of the changes app, shared by the HTML views and the API."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects
from django.shortcuts import get_object_or_404
from django.utils import timezone

from changes import rules, workflow
from changes.models import (
    ChangeHistory,
    ChangeIncidentLink,
    ChangeRequest,
    ChangeStatus,
    CloseCode,
    DeploymentStage,
    FreezeWindow,
    IncidentLinkKind,
    StageResult,
)
from incidents.models import OPEN_STATUSES, Incident
from opsportal.roles import Role


def change_list(*, filters: dict[str, Any] | None = None) -> QuerySet[ChangeRequest]:
    """Return changes, newest first, narrowed by ``filters`` (status, type, risk, service, window range)."""
    filters = filters or {}
    changes = ChangeRequest.objects.select_related("requester", "implementer", "approved_by")
    if filters.get("status"):
        changes = changes.filter(status=filters["status"])
    if filters.get("type"):
        changes = changes.filter(change_type=filters["type"])
    if filters.get("risk"):
        changes = changes.filter(risk=filters["risk"])
    if filters.get("service"):
        changes = changes.filter(affected_services__icontains=str(filters["service"]).strip().lower())
    if filters.get("window_from"):
        changes = changes.filter(window_end__gte=filters["window_from"])
    if filters.get("window_to"):
        changes = changes.filter(window_start__lte=filters["window_to"])
    return changes


def change_for_user(user: Any, pk: int | str, *, write: bool = False) -> ChangeRequest:
    """Return the change ``pk`` if ``user`` may see it (or, with ``write``, edit it).

    Everyone in the Changes area sees every change; its requester, its implementer and the
    managers and admins edit it.
    """
    rules.require(rules.may_view_changes(user), rules.VIEW_REFUSAL)
    change = get_object_or_404(
        ChangeRequest.objects.select_related("requester", "implementer", "approved_by", "standard_template"), pk=pk
    )
    if write and (refusal := rules.edit_refusal(user, change)):
        raise PermissionDenied(refusal)
    return change


def change_with_details(change: ChangeRequest) -> ChangeRequest:
    """Load ``change``'s history, stage results and incident links with their users in a fixed number of queries."""
    prefetch_related_objects(
        [change],
        Prefetch("history", ChangeHistory.objects.select_related("actor")),
        Prefetch("stage_results", StageResult.objects.select_related("stage", "recorded_by")),
        Prefetch("incident_links", ChangeIncidentLink.objects.select_related("incident__severity", "linked_by")),
    )
    return change


def change_may_edit(user: Any, change: ChangeRequest) -> bool:
    """Return True when ``user`` may edit the content of ``change`` now (see ``rules.may_edit``)."""
    return rules.may_edit(user, change)


@dataclass(frozen=True)
class Action:
    """An action the user may take next on a change: a transition and what it still needs."""

    transition: workflow.Transition
    missing: tuple[str, ...]
    early_start: bool = False  # starting it now is before the window: an early-start reason is required

    @property
    def missing_labels(self) -> list[str]:
        return [workflow.FIELD_LABELS[name] for name in self.missing]


def change_actions(user: Any, change: ChangeRequest) -> list[Action]:
    """Return only the transitions ``user`` may make next on ``change``, from the workflow table."""
    candidates = workflow.transitions_from(change.status, change.change_type)
    if (
        change.status == ChangeStatus.IMPLEMENTATION
        and change.change_type == workflow.EMERGENCY
        and change.approved_at is None
    ):
        candidates.append(workflow.RETROSPECTIVE_APPROVAL)
    actions = []
    now = timezone.now()
    for transition in candidates:
        if not rules.may_make(user, change, transition):
            continue
        values = {name: getattr(change, name, None) for name in workflow.FIELD_LABELS}
        values["close_code"] = "pending"  # asked for in the close form itself
        early = workflow.starts_early(transition, change.window_start, now=now) is not None
        actions.append(Action(transition, tuple(workflow.missing_fields(transition, values)), early_start=early))
    return actions


# Who acts next, in words, for the roles of the workflow's next steps.
ROLE_WORDS = {Role.ONCALL: "an on-call engineer", Role.MANAGER: "a manager", Role.ADMIN: "an admin"}


def change_waiting_for(user: Any, change: ChangeRequest) -> str:
    """Return who must act next on ``change`` when it is not ``user``, in words; "" when nobody else.

    A decision waits for a manager: "another manager than you" to a manager who requested it
    (nobody decides their own change). Other steps name the roles of the next forward step.
    """
    candidates = workflow.transitions_from(change.status, change.change_type)
    if (
        change.status == ChangeStatus.IMPLEMENTATION
        and change.change_type == workflow.EMERGENCY
        and change.approved_at is None
    ):
        candidates.append(workflow.RETROSPECTIVE_APPROVAL)
    forward = [t for t in candidates if t.target not in (ChangeStatus.CANCELLED, ChangeStatus.REJECTED)]
    decision = next((t for t in forward if t.decision), None)
    if decision is not None:
        if rules.may_make(user, change, decision):
            return ""
        if change.requester_id == user.pk and rules.may_decide(user):
            return "Waiting for approval by a manager other than you."
        return "Waiting for approval by a manager."
    if not forward or any(rules.may_make(user, change, t) for t in forward):
        return ""
    roles = sorted({role for t in forward for role in t.roles}, key=list(ROLE_WORDS).index)
    who = " or ".join(ROLE_WORDS[role] for role in roles if role in ROLE_WORDS)
    return f"Waiting for {who}: {forward[0].label.lower()}." if who else ""


@dataclass
class StageRow:
    stage: DeploymentStage
    results: list[StageResult]

    @property
    def latest(self) -> StageResult | None:
        return self.results[-1] if self.results else None


def change_stages(change: ChangeRequest) -> list[StageRow]:
    """Return each deployment stage with the change's results for it (two queries)."""
    results: dict[int, list[StageResult]] = defaultdict(list)
    for result in StageResult.objects.filter(change=change).select_related("recorded_by").order_by("recorded_at", "pk"):
        results[result.stage_id].append(result)
    return [StageRow(stage, results[stage.pk]) for stage in DeploymentStage.objects.all()]


def change_overlaps(changes: list[ChangeRequest]) -> dict[int, list[tuple[str, ChangeRequest]]]:
    """Return, per change id, the (service, other change) pairs whose windows overlap on one service."""
    # (window start, window end, change) of every change with a whole window, per service.
    by_service: dict[str, list[tuple[datetime, datetime, ChangeRequest]]] = defaultdict(list)
    for change in changes:
        if change.window_start and change.window_end:
            for service in change.services:
                by_service[service].append((change.window_start, change.window_end, change))
    overlaps: dict[int, list[tuple[str, ChangeRequest]]] = defaultdict(list)
    for service, items in by_service.items():
        items.sort(key=lambda item: item[0])
        for index, (_, first_end, first) in enumerate(items):
            for second_start, _, second in items[index + 1 :]:
                if second_start >= first_end:
                    break
                overlaps[first.pk].append((service, second))
                overlaps[second.pk].append((service, first))
    return dict(overlaps)


# Changes that are on the calendar: scheduled and not stopped.
CALENDAR_EXCLUDED = (ChangeStatus.REJECTED, ChangeStatus.CANCELLED)


def calendar_changes(start: datetime, end: datetime) -> list[ChangeRequest]:
    """Return the scheduled changes whose window overlaps [start, end), by window start."""
    return list(
        ChangeRequest.objects.filter(window_start__lt=end, window_end__gt=start)
        .exclude(status__in=CALENDAR_EXCLUDED)
        .select_related("requester", "implementer")
        .order_by("window_start", "pk")
    )


def next_scheduled_change(*, after: datetime) -> ChangeRequest | None:
    """Return the first scheduled change whose window starts at or after ``after``, if any."""
    return (
        ChangeRequest.objects.filter(window_start__gte=after, window_end__isnull=False)
        .exclude(status__in=CALENDAR_EXCLUDED)
        .order_by("window_start", "pk")
        .first()
    )


def scheduled_changes() -> QuerySet[ChangeRequest]:
    """Return every scheduled change for the iCalendar feed."""
    return (
        ChangeRequest.objects.filter(window_start__isnull=False, window_end__isnull=False)
        .exclude(status__in=CALENDAR_EXCLUDED)
        .select_related("requester", "implementer")
        .order_by("window_start", "pk")
    )


def changes_with_overlaps_of(change: ChangeRequest) -> list[tuple[str, ChangeRequest]]:
    """Return the (service, change) pairs whose windows overlap ``change`` on a shared service."""
    if not (change.window_start and change.window_end and change.services):
        return []
    others = [other for other in calendar_changes(change.window_start, change.window_end) if other.pk != change.pk]
    return change_overlaps([change, *others]).get(change.pk, [])


def freeze_windows_between(start: datetime, end: datetime) -> list[FreezeWindow]:
    """Return the freeze windows overlapping [start, end)."""
    return list(FreezeWindow.objects.filter(start__lt=end, end__gt=start))


@dataclass(frozen=True)
class FailureRate:
    """The change failure rate of a period: failed ÷ completed (None when nothing completed)."""

    failed: int
    completed: int

    @property
    def rate(self) -> float | None:
        return self.failed / self.completed if self.completed else None


def change_failure_rate(*, start: datetime, end: datetime, service: Any = None) -> FailureRate:
    """Return the change failure rate of changes completed in [start, end) (on ``service`` if given).

    Completed: the change reached Closed or Failed in the period (``completed_at``).
    Failed: it ended Failed (a rollback or a failed implementation/verification), was
    closed with the close code "unsuccessful", or is linked as the cause of an incident.
    Rejected and cancelled changes never ran, so they count in neither.
    """
    completed = ChangeRequest.objects.filter(
        completed_at__gte=start, completed_at__lt=end, status__in=[ChangeStatus.CLOSED, ChangeStatus.FAILED]
    )
    if service is not None:
        completed = completed.filter(linked_services=service)
    caused_incident = Exists(ChangeIncidentLink.objects.filter(change=OuterRef("pk"), kind=IncidentLinkKind.CAUSED))
    completed = completed.annotate(caused_incident=caused_incident)
    failed_filter = Q(status=ChangeStatus.FAILED) | Q(close_code=CloseCode.UNSUCCESSFUL) | Q(caused_incident=True)
    counts = completed.aggregate(
        total=Count("pk"),
        failed=Count("pk", filter=failed_filter),
    )
    return FailureRate(failed=counts["failed"], completed=counts["total"])


def changes_awaiting_approval_of(user: Any) -> QuerySet[ChangeRequest]:
    """Return the changes ``user`` may decide now (managers and admins; never their own)."""
    if not rules.may_decide(user):
        return ChangeRequest.objects.none()
    return (
        ChangeRequest.objects.filter(status=ChangeStatus.APPROVAL)
        .exclude(requester=user)
        .select_related("requester")
        .order_by("status_changed_at")
    )


def changes_scheduled_for(user: Any, start: datetime, end: datetime) -> QuerySet[ChangeRequest]:
    """Return ``user``'s changes (requested or implementing) whose window overlaps [start, end)."""
    return (
        ChangeRequest.objects.filter(
            Q(requester=user) | Q(implementer=user), window_start__lt=end, window_end__gt=start
        )
        .exclude(status__in=CALENDAR_EXCLUDED)
        .order_by("window_start")
    )


# Open incidents of these severities flag the changes scheduled on their services.
FLAG_SEVERITIES = ("P0", "P1")


def change_incident_links(change: ChangeRequest) -> QuerySet[ChangeIncidentLink]:
    """Return the change's incident links with their incidents (one query)."""
    return change.incident_links.select_related("incident__severity").order_by("incident_id")


def incident_flags(changes: list[ChangeRequest], *, now: datetime | None = None) -> dict[int, list[tuple[str, Any]]]:
    """Return, per change id, the (service, incident) pairs of open P0/P1 incidents on its services.

    Only changes whose window is now or still ahead are flagged. Changes name services in
    free text; incidents use Service rows: names match case-insensitively. Two queries,
    however many changes.
    """
    now = now or timezone.now()
    scheduled = [change for change in changes if change.window_end and change.window_end > now and change.services]
    if not scheduled:
        return {}
    by_service: dict[str, list[Any]] = defaultdict(list)
    incidents = (
        Incident.objects.filter(status__in=OPEN_STATUSES, severity__code__in=FLAG_SEVERITIES)
        .select_related("severity")
        .prefetch_related("services")
        .order_by("severity__position", "pk")
    )
    for incident in incidents:
        for service in incident.services.all():
            by_service[service.name.strip().lower()].append(incident)
    flags: dict[int, list[tuple[str, Any]]] = {}
    for change in scheduled:
        found = [(service, incident) for service in change.services for incident in by_service.get(service, [])]
        if found:
            flags[change.pk] = found
    return flags


def pia_runs(change: ChangeRequest) -> list[Any]:
    """Return the privacy impact assessment runs attached to ``change`` (checklists attached to changes)."""
    from django.contrib.contenttypes.models import ContentType

    from checklists.models import AttachTo, ChecklistRun

    content_type = ContentType.objects.get_for_model(ChangeRequest)
    return list(
        ChecklistRun.objects.filter(
            subject_content_type=content_type, subject_object_id=change.pk, template__attach_to=AttachTo.CHANGE
        )
        .select_related("template__owner_group")
        .prefetch_related("items__done_by", "items__note_by", "items__problem_by")
        .order_by("template__position", "pk")
    )


def pia_open_items(change: ChangeRequest) -> list[str]:
    """Return the texts of the required, unticked items of ``change``'s PIA runs (in order)."""
    from checklists.models import RunItem

    return list(
        RunItem.objects.filter(run__in=[run.pk for run in pia_runs(change)], required=True, done_at__isnull=True)
        .order_by("run__template__position", "run_id", "position", "pk")
        .values_list("text", flat=True)
    )
