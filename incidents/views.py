"""Web pages of the Incidents area."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from changes.rules import may_view_changes
from incidents import escalation, rules, selectors, services
from incidents.forms import (
    ActionItemForm,
    AssignForm,
    DeclareForm,
    EscalationPreviewForm,
    FilterForm,
    NoteForm,
    ReviewForm,
    SeverityForm,
)
from incidents.lifecycle import BY_ACTION
from incidents.models import OPEN_STATUSES, ActionItem, Incident, PostIncidentReview, Service
from opsportal import clock, live
from opsportal.errors import Conflict
from opsportal.paging import NarrowPaginator
from opsportal.today import TodaySection, register_today_section

AREA = "incidents"
PAGE_SIZE = 25


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """List open incidents, most urgent first (closed ones behind the status filter), with live countdowns."""
    rules.require(rules.may_view(request.user), rules.VIEW_DENIED)
    form = FilterForm(request.GET or None)
    queryset = selectors.incident_list(filters=form.filters() if request.GET else {"status": "open"})
    # Live: the list polls itself; an unchanged poll answers 304 after one aggregate query.
    count, version = selectors.incident_list_version(queryset)
    etag = live.etag_of(request.user.pk, request.get_full_path(), count, version)
    if (not_modified := live.poll_not_modified(request, etag)) is not None:
        return not_modified
    paginator = NarrowPaginator(queryset, PAGE_SIZE)  # sorts keys only: the order is computed, not indexed
    paginator.count = count  # already counted by the version query: no second COUNT(*)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    response = render(
        request, "incidents/index.html",
        {"form": form, "page": page, "query": query.urlencode(), "can_declare": rules.may_declare(request.user),
         **live.live_context(etag)},
    )  # fmt: skip
    return live.stamp(request, response, etag)


@require_http_methods(["GET", "POST"])
def declare(request: HttpRequest) -> HttpResponse:
    """Declare an incident: a title and a severity are enough."""
    rules.require(rules.may_declare(request.user), rules.DECLARE_DENIED)
    # Raised from a checklist item's "problem found": pre-fill from it, link both ways on save.
    from_item_ref = request.POST.get("from_item") or request.GET.get("from_item")
    from_item, from_item_error = None, None
    if from_item_ref:
        try:
            from_item = selectors.from_item_for_user(request.user, from_item_ref)
        except ValidationError as error:
            from_item_error = error
    initial: dict[str, Any] = {"from_item": from_item_ref}
    # Raised already (another tab, a colleague): point to that incident before anyone fills the form.
    existing = selectors.incident_raised_from(from_item) if from_item is not None else None
    if from_item is not None:
        initial.update(selectors.incident_prefill_from_item(from_item))
    form = DeclareForm(request.POST or None, initial=initial)
    from_item_errors = from_item_error.message_dict["from_item"] if from_item_error is not None else []
    if not from_item_errors and request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = services.incident_declare(
                by=request.user, title=data["title"], severity=data["severity"], detected_at=data["detected_at"],
                description=data["description"], assignee=data["assignee"], services=data["services"],
                users_affected=data["users_affected"], from_item=from_item,
                security=data["security"], personal_data_breach=data["personal_data_breach"],
            )  # fmt: skip
        except ValidationError as error:
            form.add_error(None, error.messages if "from_item" in getattr(error, "error_dict", {}) else error)
        else:
            messages.success(request, f"Incident #{incident.pk} declared; respond by the deadline shown.")
            return redirect(incident)
    return render(
        request, "incidents/declare.html",
        {"form": form, "from_item": from_item, "from_item_errors": from_item_errors,
         "existing": existing or (selectors.incident_raised_from(from_item) if form.errors and from_item else None)},
        status=400 if form.errors or from_item_errors else 200,
    )  # fmt: skip


def _detail_context(request: HttpRequest, incident: Incident, **forms: Any) -> dict[str, Any]:
    can_respond = rules.may_respond(request.user, incident)
    return {
        "incident": incident,
        "phases": selectors.incident_phase_runs(incident),
        "review_phase_pending": selectors.incident_has_pending_phases(incident),
        "now": timezone.now(),
        # Ops staff see no change data: not even the titles of the linked changes.
        "may_view_changes": may_view_changes(request.user),
        "change_links": incident.change_links.select_related("change").order_by("change_id")
        if may_view_changes(request.user)
        else [],
        "timeline": selectors.timeline_for(incident),
        "review": selectors.review_for(incident),
        "escalation_steps": incident.escalation_steps.select_related("group", "user", "schedule").order_by(
            "position", "pk"
        ),
        "escalation_pages": escalation.incident_plan(incident),
        "actions": rules.actions_for(request.user, incident),
        "can_respond": can_respond,
        "note_form": forms.get("note_form") or NoteForm(),
        "severity_form": SeverityForm(initial={"severity": incident.severity.code}),
        "assign_form": AssignForm(initial={"assignee": incident.assignee_id}),
    }


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one incident with its timeline, actions and review."""
    rules.require(rules.may_view(request.user), rules.VIEW_DENIED)
    # Live: the page polls itself; an unchanged poll answers 304 after one query.
    etag = live.etag_of(request.user.pk, selectors.incident_version(pk))
    if (not_modified := live.poll_not_modified(request, etag)) is not None:
        return not_modified
    incident = selectors.incident_for_user(request.user, pk)
    context = {**_detail_context(request, incident), **live.live_context(etag)}
    return live.stamp(request, render(request, "incidents/detail.html", context), etag)


@require_POST
def transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Acknowledge, investigate, resolve, close or reopen an incident."""
    incident = selectors.incident_for_user(request.user, pk, write=True)
    if action not in BY_ACTION:
        return HttpResponse("Unknown action.", status=404)
    try:
        services.incident_transition(
            incident=incident, action=action, by=request.user, note=request.POST.get("note", "")
        )
    except Conflict as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Incident #{incident.pk}: {BY_ACTION[action].target.label.lower()}.")
    return redirect(incident)


@require_POST
def note(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a note or a message to affected users to the timeline."""
    incident = selectors.incident_for_user(request.user, pk, write=True)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.incident_note_add(
                incident=incident, by=request.user, text=form.cleaned_data["text"], kind=form.cleaned_data["kind"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(incident)
    return render(request, "incidents/detail.html", _detail_context(request, incident, note_form=form), status=400)


@require_POST
def change_severity(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.incident_for_user(request.user, pk, write=True)
    form = SeverityForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a severity from the list.")
        return redirect(incident)
    try:
        services.incident_change_severity(incident=incident, severity=form.cleaned_data["severity"], by=request.user)
    except Conflict as error:
        messages.error(request, error.message)
    return redirect(incident)


@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.incident_for_user(request.user, pk, write=True)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose an on-call engineer, manager or admin.")
        return redirect(incident)
    services.incident_assign(incident=incident, assignee=form.cleaned_data["assignee"], by=request.user)
    return redirect(incident)


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """Read (everyone) or write (responders) the post-incident review."""
    incident = selectors.incident_for_user(request.user, pk, write=request.method == "POST")
    review_row = get_object_or_404(
        PostIncidentReview.objects.select_related("owner", "completed_by"), incident=incident
    )
    form = ReviewForm(
        request.POST or None, initial={name: getattr(review_row, name) for name in ReviewForm.field_names}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.review_update(
                review=review_row,
                by=request.user,
                complete=data["complete"],
                **{name: data[name] for name in ReviewForm.field_names},
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Review saved.")
            return redirect("incidents:review", pk=incident.pk)
    return render(
        request, "incidents/review.html",
        {"incident": incident, "review": review_row, "form": form, "item_form": ActionItemForm(),
         "items": review_row.action_items.select_related("owner"),
         "can_respond": rules.may_edit_review(request.user, review_row)},
        status=400 if form.errors else 200,
    )  # fmt: skip


@require_POST
def action_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.incident_for_user(request.user, pk, write=True)
    review_row = get_object_or_404(PostIncidentReview, incident=incident)
    form = ActionItemForm(request.POST)
    if form.is_valid():
        services.action_item_add(review=review_row, by=request.user, **form.cleaned_data)
    else:
        messages.error(request, "An action item needs a description; the due date must be a date.")
    return redirect("incidents:review", pk=incident.pk)


@require_POST
def action_item_done(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    incident = selectors.incident_for_user(request.user, pk, write=True)
    item = get_object_or_404(ActionItem, pk=item_pk, review__incident=incident)
    services.action_item_set_done(item=item, by=request.user, done=request.POST.get("done", "1") == "1")
    return redirect("incidents:review", pk=incident.pk)


@require_GET
def escalation_preview(request: HttpRequest) -> HttpResponse:
    """Dry run of a severity's policy: who would be paged, and when, for an incident detected at a moment."""
    rules.require(rules.may_view(request.user), rules.VIEW_DENIED)
    form = EscalationPreviewForm(request.GET or None)
    pages, start = None, None
    if form.is_bound and form.is_valid():
        start = form.cleaned_data["at"] or timezone.now()
        pages = escalation.severity_plan(form.cleaned_data["severity"], at=start)
    return render(
        request, "incidents/escalation_preview.html", {"form": form, "pages": pages, "start": start},
        status=400 if form.errors else 200,
    )  # fmt: skip


@require_GET
def at_risk(request: HttpRequest) -> HttpResponse:
    """Show unacknowledged incidents nearing or past their response deadline."""
    rules.require(rules.may_view(request.user), rules.VIEW_DENIED)
    # Live: the list polls itself (htmx, no <meta refresh> that would reset scroll and focus); an
    # unchanged poll answers 304. The minute is part of the version: incidents enter the window by time.
    incidents = list(selectors.incidents_at_risk()[:100])
    etag = live.etag_of(
        request.user.pk, clock.now().replace(second=0, microsecond=0),
        *((incident.pk, incident.updated_at) for incident in incidents),
    )  # fmt: skip
    if (not_modified := live.poll_not_modified(request, etag)) is not None:
        return not_modified
    breached, at_risk_list = selectors.split_breached(incidents)
    response = render(
        request,
        "incidents/at_risk.html",
        {
            "incidents": incidents,
            "breached": breached,
            "at_risk": at_risk_list,
            "window": selectors.AT_RISK_WINDOW,
            **live.live_context(etag),
        },
    )
    return live.stamp(request, response, etag)


@register_today_section(AREA)
def today_section(request: HttpRequest) -> TodaySection | None:
    """Return open incidents that need the user and those at risk, or None without the area."""
    if not rules.may_view(request.user):
        return None
    needing = list(selectors.incidents_needing(request.user)[:10]) if rules.may_respond(request.user) else []
    breached, at_risk_list = selectors.split_breached(
        [incident for incident in selectors.incidents_at_risk()[:10] if incident not in needing]
    )
    return TodaySection(
        area=AREA, title="Incidents", template="incidents/_today.html", link="/incidents/",
        context={"needing": needing, "breached": breached, "at_risk": at_risk_list,
                 "can_declare": rules.may_declare(request.user)},
    )  # fmt: skip


# Service pages: one Service model shared by incidents and changes -----------------------------

SERVICE_RECENT = 10  # incidents and changes listed on a service page; the lists link to the rest
SERVICE_FAILURE_DAYS = 90  # the change failure rate's window on a service page


@require_GET
def service_list(request: HttpRequest) -> HttpResponse:
    """List the services incidents and changes name, with their open incidents."""
    rules.require(rules.may_view(request.user), rules.VIEW_DENIED)
    page = Paginator(selectors.services_with_counts(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "incidents/service_list.html", {"page": page, "query": ""})


@require_GET
def service_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one service: its incidents, its changes and their failure rate (to those who see changes)."""
    rules.require(rules.may_view(request.user), rules.VIEW_DENIED)
    service = get_object_or_404(Service, pk=pk)
    incidents = selectors.incident_list(filters={"service": str(service.pk)})
    context: dict[str, Any] = {
        "service": service,
        "incidents": list(incidents[:SERVICE_RECENT]),
        "incident_count": incidents.count(),
        "open_count": incidents.filter(status__in=OPEN_STATUSES).count(),
        "shows_changes": may_view_changes(request.user),
    }
    if context["shows_changes"]:
        from changes import selectors as change_selectors

        changes = service.changes.select_related("requester").order_by("-pk")
        now = timezone.now()
        context.update(
            changes=list(changes[:SERVICE_RECENT]),
            change_count=changes.count(),
            failure=change_selectors.change_failure_rate(
                start=clock.before(now, timedelta(days=SERVICE_FAILURE_DAYS)), end=now, service=service
            ),
            failure_days=SERVICE_FAILURE_DAYS,
        )
    return render(request, "incidents/service_detail.html", context)
