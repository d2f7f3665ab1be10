"""Reads and access checks of the incidents app, shared by HTML pages and the API."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, DateTimeField, F, IntegerField, Max, Q, QuerySet, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from checklists import selectors as checklist_selectors
from checklists.models import AttachTo, ChecklistRun, ChecklistTemplate, RelativeAnchor, RunItem
from incidents import business_hours, rules
from incidents.models import (
    OPEN_STATUSES,
    BusinessCalendar,
    Incident,
    IncidentStatus,
    PostIncidentReview,
    Service,
    TimelineEntry,
)
from opsportal import clock

AREA = "incidents"
# An open, unacknowledged incident is "at risk" this long before its response deadline.
AT_RISK_WINDOW = timedelta(minutes=30)


def business_calendar() -> business_hours.BusinessCalendar:
    """Return the default business calendar as a plain dataclass (two queries at most)."""
    row = BusinessCalendar.objects.filter(is_default=True).first() or BusinessCalendar.objects.first()
    if row is None:
        return business_hours.BusinessCalendar(time_zone=clock.portal_zone().key)
    hours: dict[int, list[business_hours.Interval]] = {}
    for weekday, start, end in row.working_hours.values_list("weekday", "start", "end"):
        hours.setdefault(weekday, []).append((start, end))
    holidays = frozenset(row.holidays.values_list("date", flat=True))
    return business_hours.BusinessCalendar(
        time_zone=row.time_zone or clock.portal_zone().key,
        working_hours=hours or dict(business_hours.DEFAULT_WORKING_HOURS),
        holidays=holidays,
    )


def incident_queryset() -> QuerySet[Incident]:
    return Incident.objects.select_related(
        "severity", "assignee", "acknowledged_by", "from_item__run", "breach"
    ).prefetch_related("services")


def incident_for_user(user: Any, pk: Any, *, write: bool = False) -> Incident:
    """Return the incident ``pk`` or raise Http404/PermissionDenied.

    ``write`` demands that the user may respond to incidents (``incidents.rules.may_respond``).
    """
    rules.require(rules.may_view(user), rules.VIEW_DENIED)
    if write:
        rules.require(rules.may_respond(user), rules.RESPOND_DENIED)
    return get_object_or_404(incident_queryset(), pk=pk)


def incident_list(*, filters: dict[str, Any] | None = None) -> QuerySet[Incident]:
    """Return incidents filtered by severity code, status, assignee id or username, service id or name.

    ``status`` is a status, "open", "closed" (no longer open: resolved, reviewed or closed) or
    "all"; without one, every incident. The order is ``most_urgent_first``.
    """
    filters = filters or {}
    queryset = incident_queryset()
    if filters.get("severity"):
        queryset = queryset.filter(severity__code=filters["severity"])
    status = filters.get("status")
    if status == "open":
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif status == "closed":  # every incident no longer open: resolved, reviewed or closed
        queryset = queryset.exclude(status__in=OPEN_STATUSES)
    elif status and status != "all":
        queryset = queryset.filter(status=status)
    assignee = filters.get("assignee")
    if assignee:
        if str(assignee) == "none":
            queryset = queryset.filter(assignee__isnull=True)
        elif str(assignee).isdigit():
            queryset = queryset.filter(assignee_id=int(assignee))
        else:
            queryset = queryset.filter(assignee__username=assignee)
    service = filters.get("service")
    if service:
        queryset = (
            queryset.filter(services__pk=int(service))
            if str(service).isdigit()
            else queryset.filter(services__name=service)
        )
    queryset = queryset.distinct() if service else queryset
    return most_urgent_first(queryset)


def most_urgent_first(queryset: QuerySet[Incident], *, now: Any = None) -> QuerySet[Incident]:
    """Order open incidents most urgent first, then the ended ones, newest first.

    Open incidents rank in three groups, each by response deadline then severity:
    1. breached: unacknowledged past the deadline, or acknowledged after it;
    2. awaiting a response within the deadline (closest deadline first);
    3. acknowledged in time (being worked on).
    The ended ones follow newest first, whatever their severity.
    """
    now = now or timezone.now()
    is_open = Q(status__in=OPEN_STATUSES)
    awaiting = Q(status=IncidentStatus.DECLARED)
    breached = (awaiting & Q(response_due_at__lte=now)) | Q(acknowledged_at__gt=F("response_due_at"))
    return queryset.annotate(
        urgency_rank=Case(
            When(is_open & breached, then=Value(0)),
            When(awaiting, then=Value(1)),
            When(is_open, then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        ),
        open_due_at=Case(When(is_open, then=F("response_due_at")), default=None, output_field=DateTimeField()),
        open_severity=Case(When(is_open, then=F("severity__position")), default=None, output_field=IntegerField()),
    ).order_by("urgency_rank", F("open_due_at").asc(nulls_last=True), "open_severity", "-detected_at", "-pk")


def incidents_at_risk(*, now: Any = None) -> QuerySet[Incident]:
    """Return unacknowledged incidents past or within AT_RISK_WINDOW of their deadline, soonest first."""
    now = now or timezone.now()
    return (
        incident_queryset()
        .filter(status=IncidentStatus.DECLARED, response_due_at__lte=now + AT_RISK_WINDOW)
        .order_by("response_due_at", "pk")
    )


def split_breached(incidents: Iterable[Incident], *, now: Any = None) -> tuple[list[Incident], list[Incident]]:
    """Return ``incidents`` split into those past their response deadline and those not yet past it."""
    now = now or timezone.now()
    breached: list[Incident] = []
    at_risk: list[Incident] = []
    for incident in incidents:
        (breached if incident.response_due_at <= now else at_risk).append(incident)
    return breached, at_risk


def incidents_needing(user: Any) -> QuerySet[Incident]:
    """Return open incidents assigned to ``user`` or unassigned and unacknowledged."""
    return (
        incident_queryset()
        .filter(status__in=OPEN_STATUSES)
        .filter(Q(assignee=user) | Q(assignee__isnull=True, status=IncidentStatus.DECLARED))
        .order_by("response_due_at", "pk")
    )


def timeline_for(incident: Incident) -> QuerySet[TimelineEntry]:
    return incident.timeline.select_related("author").order_by("created_at", "pk")


def review_for(incident: Incident) -> PostIncidentReview | None:
    return PostIncidentReview.objects.filter(incident=incident).select_related("owner", "completed_by").first()


def from_item_for_user(user: Any, pk: Any) -> RunItem:
    """Return the checklist item ``pk`` an incident is raised from, if ``user`` may see its run.

    Raise ValidationError naming ``from_item`` otherwise, so forms and the API show why.
    """
    try:
        return checklist_selectors.run_item_for_user(user, int(pk))
    except (TypeError, ValueError):
        raise ValidationError({"from_item": "Give the number of a checklist item."}) from None
    except Http404:
        raise ValidationError({"from_item": f"There is no checklist item {pk}."}) from None
    except PermissionDenied:
        raise ValidationError(
            {"from_item": f"You cannot see the checklist of item {pk}, so you cannot raise an incident from it."}
        ) from None


def incident_raised_from(item: RunItem) -> Incident | None:
    """Return the incident already raised from checklist ``item``, or None."""
    return Incident.objects.filter(from_item=item).order_by("pk").first()


def incident_prefill_from_item(item: RunItem) -> dict[str, str]:
    """Return the declare form's title and description for an incident raised from ``item``."""
    title = f"Problem in {item.run.name}: {item.text}"
    if len(title) > 200:
        title = title[:199] + "…"
    return {"title": title, "description": item.problem_note}


def incident_phase_runs(incident: Incident) -> list[ChecklistRun]:
    """Return the incident's response-phase runs in phase order (one query)."""
    content_type = ContentType.objects.get_for_model(Incident)
    return list(
        ChecklistRun.objects.filter(subject_content_type=content_type, subject_object_id=incident.pk)
        .select_related("template")
        .order_by("template__position", "opens_at", "pk")
    )


def incident_has_pending_phases(incident: Incident) -> bool:
    """Return True when phases counted from resolution will attach once ``incident`` is resolved."""
    if incident.resolved_at is not None:
        return False
    return ChecklistTemplate.objects.filter(
        attach_to=AttachTo.INCIDENT, relative_anchor=RelativeAnchor.END, is_active=True
    ).exists()


def incident_version(pk: int) -> tuple[Any, ...] | None:
    """Return what changes when the incident page changes (one query), or None when it does not exist."""
    return (
        Incident.objects.filter(pk=pk)
        .annotate(entries=Count("timeline"), last_entry=Max("timeline__pk"))
        .values_list("updated_at", "status", "acknowledged_at", "severity_id", "assignee_id", "entries", "last_entry")
        .first()
    )


def incident_list_version(queryset: QuerySet[Incident]) -> tuple[Any, ...]:
    """Return (count, other version parts) of a filtered incident list: one aggregate query.

    The count is the paginator's (rows of ``queryset``), so the list page reuses it.
    """
    now = timezone.now()
    version = queryset.order_by().aggregate(
        count=Count("pk"),
        # An incident passing its deadline moves up the list: the version changes with it.
        breached=Count("pk", filter=Q(status=IncidentStatus.DECLARED, response_due_at__lte=now)),
        last=Max("updated_at"),
        acknowledged=Count("acknowledged_at"),
        resolved=Count("resolved_at"),
        assigned=Count("assignee"),
    )
    return (version.pop("count"), tuple(version.values()))


def services_with_counts() -> QuerySet[Service]:
    """Return every service with its open-incident and incident counts, by name."""
    return Service.objects.annotate(
        open_incidents=Count("incidents", filter=Q(incidents__status__in=OPEN_STATUSES), distinct=True),
        all_incidents=Count("incidents", distinct=True),
    ).order_by("name")
