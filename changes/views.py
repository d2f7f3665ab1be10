"""Web pages of the Changes area: list, forms, the change page, the calendar and its feed."""

from __future__ import annotations

import calendar as calendar_module
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from changes import ical, rules, selectors, services, workflow
from changes.forms import CLOSE_CODE_CHOICES, ChangeForm, FilterForm, StageForm
from changes.models import (
    PROCESS_STATUSES,
    CalendarToken,
    ChangeRequest,
    ChangeStatus,
    FreezeWindow,
    IncidentLinkKind,
    ProcessStep,
)
from incidents.models import Incident
from opsportal.middleware import AuthenticatedHttpRequest
from opsportal.notifications import absolute_url
from opsportal.today import TodaySection, register_today_section

AREA = "changes"
PAGE_SIZE = 25


def _require_area(request: HttpRequest) -> None:
    rules.require(rules.may_view_changes(request.user), rules.VIEW_REFUSAL)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """List changes with filters and pagination."""
    _require_area(request)
    form = FilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = dict(form.cleaned_data)
        zone = timezone.get_current_timezone()
        if filters.get("window_from"):
            filters["window_from"] = datetime.combine(filters["window_from"], time.min, tzinfo=zone)
        if filters.get("window_to"):
            filters["window_to"] = datetime.combine(filters["window_to"] + timedelta(days=1), time.min, tzinfo=zone)
    page = Paginator(selectors.change_list(filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    changes = list(page.object_list)
    flags = selectors.incident_flags(changes)
    for change in changes:
        # A display attribute for the list template; no model field.
        change.incident_flags = flags.get(change.pk, [])  # type: ignore[attr-defined]
    return render(
        request,
        "changes/index.html",
        {
            "page": page,
            "changes": changes,
            "filter_form": form,
            "query": query.urlencode(),
            "may_raise": rules.may_raise(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def change_new(request: HttpRequest) -> HttpResponse:
    """Raise a new change request."""
    rules.require(rules.may_raise(request.user), "Only on-call engineers, managers and admins raise changes.")
    form = ChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            change = services.change_create(
                by=request.user,
                data=form.cleaned_data,
                freeze_override_reason=form.cleaned_data["freeze_override_reason"],
            )
        except ValidationError as error:
            form.apply_errors(error)
        else:
            messages.success(request, f"{change.reference} raised.")
            return redirect(change)
    return render(
        request, "changes/form.html", {"form": form, "title": "Raise a change"}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
def change_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a change while it is still editable."""
    change = selectors.change_for_user(request.user, pk, write=True)
    form = ChangeForm(request.POST or None, instance=ChangeRequest.objects.get(pk=change.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.change_update(
                change=change, by=request.user, data=form.cleaned_data,
                freeze_override_reason=form.cleaned_data["freeze_override_reason"],
            )  # fmt: skip
        except ValidationError as error:
            form.apply_errors(error)
        else:
            messages.success(request, f"{change.reference} saved.")
            return redirect(change)
    return render(
        request, "changes/form.html", {"form": form, "change": change, "title": f"Edit {change.reference}"},
        status=400 if form.errors else 200,
    )  # fmt: skip


# The steps each type skips (see changes/workflow.py).
SKIPPED_STEPS = {
    workflow.STANDARD: (ChangeStatus.ASSESSMENT, ChangeStatus.APPROVAL),
    workflow.EMERGENCY: (ChangeStatus.ASSESSMENT,),
}


def _progress(change: ChangeRequest) -> list[dict[str, Any]]:
    """Return the seven steps with their state for the progress bar."""
    descriptions = {step.status: step.description for step in ProcessStep.objects.all()}
    current = workflow.step_index(change.status)
    reached = current
    if current < 0:  # an end: show how far it got from its history
        reached = max(
            (workflow.step_index(status) for status in change.history.values_list("from_status", flat=True)), default=0
        )
    steps = []
    for index, status in enumerate(PROCESS_STATUSES):
        if status in SKIPPED_STEPS.get(change.change_type, ()):
            state = "skipped"
        elif index < reached or (current == workflow.step_index(ChangeStatus.CLOSED)):
            state = "done"
        elif index == reached:
            state = "current" if current >= 0 else "stopped"
        else:
            state = "todo"
        steps.append({"status": status, "label": ChangeStatus(status).label, "state": state,
                      "description": descriptions.get(status, "")})  # fmt: skip
    return steps


def _detail_context(request: HttpRequest, change: ChangeRequest, **extra: Any) -> dict[str, Any]:
    actions = selectors.change_actions(request.user, change)
    stage_form = StageForm()
    return {
        "change": change,
        "steps": _progress(change),
        "actions": actions,
        "waiting_for": selectors.change_waiting_for(request.user, change),
        "close_codes": CLOSE_CODE_CHOICES,
        "stages": selectors.change_stages(change),
        "may_record_stages": rules.may_record_stages(request.user, change),
        "stage_form": stage_form,
        "history": change.history.select_related("actor"),
        "overlaps": selectors.changes_with_overlaps_of(change),
        "freezes": selectors.freeze_windows_between(change.window_start, change.window_end)
        if change.window_start and change.window_end
        else [],
        "may_edit": rules.may_edit(request.user, change),
        "incident_links": selectors.change_incident_links(change),
        "incident_flags": selectors.incident_flags([change]).get(change.pk, []),
        "may_link_incidents": rules.may_link_incidents(request.user, change),
        "link_kinds": [(IncidentLinkKind.RELATED, "Related"), (IncidentLinkKind.CAUSED, "Caused by this change")],
        "pia_runs": _pia_context(request, change),
        **extra,
    }


def _pia_context(request: HttpRequest, change: ChangeRequest) -> list[dict[str, Any]]:
    """Return the change's privacy impact assessment runs with their items and whether the user may tick."""
    from checklists import rules as checklist_rules
    from checklists.services import run_refusal

    now = timezone.now()
    return [
        {
            "run": run,
            "items": list(run.items.all()),
            "can_tick": checklist_rules.may_write_run(request.user, run) and not run_refusal(run, now=now),
        }
        for run in selectors.pia_runs(change)
    ]


@require_GET
def change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a change: progress, next actions, deployment stages, history."""
    change = selectors.change_for_user(request.user, pk)
    return render(request, "changes/detail.html", _detail_context(request, change))


def _refused(request: HttpRequest, change: ChangeRequest, error: ValidationError) -> HttpResponse:
    """Re-render the change page with the service's errors, answering 400."""
    errors = getattr(error, "message_dict", {"__all__": error.messages})
    return render(request, "changes/detail.html", _detail_context(request, change, errors=errors), status=400)


@require_POST
def change_transition_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the change to ``to`` (the service checks the workflow table and the role)."""
    change = selectors.change_for_user(request.user, pk)
    try:
        change = services.change_transition(
            change=change, to=request.POST.get("to", ""), by=request.user,
            reason=request.POST.get("reason", ""), close_code=request.POST.get("close_code", ""),
        )  # fmt: skip
    except ValidationError as error:
        return _refused(request, change, error)
    messages.success(request, f"{change.reference} is now {change.get_status_display().lower()}.")
    return redirect(change)


@require_POST
def change_approve_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve the change with a comment."""
    change = selectors.change_for_user(request.user, pk)
    try:
        change = services.change_approve(change=change, by=request.user, comment=request.POST.get("comment", ""))
    except ValidationError as error:
        return _refused(request, change, error)
    messages.success(request, f"{change.reference} approved.")
    return redirect(change)


@require_POST
def change_reject_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Reject the change; a reason is required."""
    change = selectors.change_for_user(request.user, pk)
    try:
        change = services.change_reject(change=change, by=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        return _refused(request, change, error)
    messages.success(request, f"{change.reference} rejected.")
    return redirect(change)


@require_POST
def change_stage_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a deployment stage's result."""
    change = selectors.change_for_user(request.user, pk)
    rules.require(rules.may_work(request.user), "Only on-call engineers record deployment stages.")
    form = StageForm(request.POST)
    if not form.is_valid():
        return render(
            request, "changes/detail.html",
            _detail_context(request, change, stage_form=form, errors=form.errors.get_json_data()), status=400,
        )  # fmt: skip
    try:
        services.change_stage_record(
            change=change, stage=form.cleaned_data["stage"], outcome=form.cleaned_data["outcome"], by=request.user,
            evidence=form.cleaned_data["evidence"], rolled_back=form.cleaned_data["rolled_back"],
        )  # fmt: skip
    except ValidationError as error:
        return _refused(request, change, error)
    messages.success(request, f"{form.cleaned_data['stage']} recorded.")
    return redirect(change)


@require_POST
def change_incidents_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Link an incident to the change (caused or related), or unlink it with ``unlink``."""
    change = selectors.change_for_user(request.user, pk)
    rules.require(
        rules.may_link_incidents(request.user, change), "Only on-call engineers, managers and admins link incidents."
    )
    reference = request.POST.get("incident", "").strip().lstrip("#")
    incident = Incident.objects.filter(pk=int(reference)).first() if reference.isdigit() else None
    if incident is None:
        errors = {"incident": [f"There is no incident {reference or '(none given)'}; give its number, e.g. 42."]}
        return render(request, "changes/detail.html", _detail_context(request, change, errors=errors), status=400)
    try:
        if request.POST.get("unlink"):
            services.change_unlink_incident(change=change, incident=incident, by=request.user)
            messages.success(request, f"Incident #{incident.pk} unlinked.")
        else:
            services.change_link_incident(
                change=change, incident=incident, kind=request.POST.get("kind", ""), by=request.user
            )
            messages.success(request, f"Incident #{incident.pk} linked.")
    except ValidationError as error:
        return _refused(request, change, error)
    return redirect(change)


def _calendar_range(view: str, day: date) -> tuple[date, date]:
    """Return the first day shown and the day after the last: a Monday-to-Sunday week, or the
    whole weeks that hold the month (a month grid starts on a Monday and ends on a Sunday)."""
    if view == "month":
        first_of_month = day.replace(day=1)
        last_of_month = first_of_month.replace(day=calendar_module.monthrange(day.year, day.month)[1])
        first = first_of_month - timedelta(days=first_of_month.weekday())
        after = last_of_month + timedelta(days=7 - last_of_month.weekday())
        return max(first, CALENDAR_FIRST_DAY), min(after, CALENDAR_LAST_DAY + timedelta(days=1))
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=7)


# A page's weeks and the "next" link must stay inside the years Python's dates can hold.
CALENDAR_FIRST_DAY = date(1970, 1, 5)  # a Monday
CALENDAR_LAST_DAY = date(9998, 12, 27)  # a Sunday


def _local_midnight(day: date) -> datetime:
    """Return local midnight opening ``day`` as a UTC instant (a DST day is 23 or 25 hours long)."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone()).astimezone(UTC)


def _calendar_day(day: date, *, month: int | None, today: date, changes: list[ChangeRequest],
                  overlaps: dict[int, list[tuple[str, ChangeRequest]]], flags: dict[int, list[tuple[str, Any]]],
                  freezes: list[FreezeWindow]) -> dict[str, Any]:  # fmt: skip
    """Return one calendar cell: the changes and freeze windows that touch the local day."""
    day_start, day_end = _local_midnight(day), _local_midnight(day + timedelta(days=1))
    return {
        "date": day,
        "today": day == today,
        "weekend": day.weekday() >= 5,
        "outside": month is not None and day.month != month,
        "changes": [
            {"change": c, "overlaps": overlaps.get(c.pk, []), "incidents": flags.get(c.pk, []),
             "frozen": [f for f in freezes if f.start < c.window_end and f.end > c.window_start],
             "continues": c.window_start < day_start, "goes_on": c.window_end > day_end}
            for c in changes if c.window_start and c.window_end and c.window_start < day_end and c.window_end > day_start
        ],
        "freezes": [f for f in freezes if f.start < day_end and f.end > day_start],
    }  # fmt: skip


@require_GET
def calendar(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Show scheduled changes in a 7-day week or a month grid, with overlaps and freeze windows in place."""
    _require_area(request)
    view = request.GET.get("view", "week")
    if view not in ("week", "month"):
        view = "week"
    today = timezone.localdate()
    day = today
    if request.GET.get("date"):
        try:
            day = date.fromisoformat(request.GET["date"])
        except ValueError:
            messages.error(request, f"{request.GET['date']!r} is not a date (use YYYY-MM-DD); showing today.")
        if not CALENDAR_FIRST_DAY <= day <= CALENDAR_LAST_DAY:
            messages.error(
                request,
                f"The calendar shows {CALENDAR_FIRST_DAY.year} to {CALENDAR_LAST_DAY.year}; showing today instead.",
            )
            day = today
    first, after = _calendar_range(view, day)
    start, end = _local_midnight(first), _local_midnight(after)
    changes = selectors.calendar_changes(start, end)
    overlaps = selectors.change_overlaps(changes)
    flags = selectors.incident_flags(changes)
    freezes = selectors.freeze_windows_between(start, end)
    month = day.month if view == "month" else None
    days = [
        _calendar_day(first + timedelta(days=offset), month=month, today=today, changes=changes,
                      overlaps=overlaps, flags=flags, freezes=freezes)
        for offset in range((after - first).days)
    ]  # fmt: skip
    weeks = [days[index : index + 7] for index in range(0, len(days), 7)]
    if view == "month":
        period_first = day.replace(day=1)
        period_last = period_first.replace(day=calendar_module.monthrange(day.year, day.month)[1])
        previous = max(period_first - timedelta(days=1), CALENDAR_FIRST_DAY).replace(day=1)
        following = min(period_last + timedelta(days=1), CALENDAR_LAST_DAY)
    else:
        period_first, period_last = first, after - timedelta(days=1)
        previous = max(first - timedelta(days=7), CALENDAR_FIRST_DAY)
        following = min(after, CALENDAR_LAST_DAY)
    in_period = [c for c in changes if c.window_start and c.window_end
                 and c.window_start < _local_midnight(period_last + timedelta(days=1))
                 and c.window_end > _local_midnight(period_first)]  # fmt: skip
    # The first change after this page (never one in the past): where "Next scheduled change" leads.
    upcoming = selectors.next_scheduled_change(after=max(timezone.now(), end))
    token = CalendarToken.objects.filter(user=request.user).first()
    feed_url = absolute_url(f"{reverse('changes:calendar-feed')}?token={token.token}") if token else ""
    return render(
        request,
        "changes/calendar.html",
        {
            "view": view, "weeks": weeks, "weekdays": [d["date"] for d in days[:7]],
            "first": period_first, "last": period_last, "previous": previous, "next": following,
            "freezes": freezes, "feed_url": feed_url, "has_changes": bool(in_period),
            "upcoming": upcoming, "upcoming_date": timezone.localtime(upcoming.window_start).date() if upcoming and upcoming.window_start else None,
            "is_current": period_first <= today <= period_last,
        },
    )  # fmt: skip


@require_POST
def calendar_token_new(request: HttpRequest) -> HttpResponse:
    """Create (or replace) the user's calendar feed token."""
    _require_area(request)
    services.calendar_token_reset(user=request.user)
    messages.success(request, "Your calendar feed address is ready. Any earlier address stops working.")
    return redirect("changes:calendar")


# Calendar apps fetch the feed without a session: the token in the URL is the credential.
@login_not_required
@require_GET
def calendar_feed(request: HttpRequest) -> HttpResponse:
    """Serve the iCalendar feed of every scheduled change to the holder of a valid token."""
    token = request.GET.get("token", "")
    if not token:
        raise Http404("No such calendar.")
    holder = get_object_or_404(CalendarToken.objects.select_related("user"), token=token)
    if not rules.may_view_changes(holder.user):
        raise PermissionDenied("This calendar's owner may no longer see changes.")
    events = []
    for change in selectors.scheduled_changes():
        description = (
            f"{change.get_change_type_display()} change · risk {change.risk} · {change.get_status_display()}\n"
            f"Services: {change.affected_services or '—'}\nRequester: {change.requester}\n"
            f"Implementer: {change.implementer or '—'}\n\n{change.description}"
        )
        events.append(
            {
                "uid": f"change-{change.pk}@opsportal",
                "start": change.window_start,
                "end": change.window_end,
                "summary": f"{change.reference} {change.title}",
                "description": description,
                "url": absolute_url(change.get_absolute_url()),
                "status": "CONFIRMED" if change.status not in (ChangeStatus.INITIATION, ChangeStatus.ASSESSMENT,
                                                                ChangeStatus.APPROVAL) else "TENTATIVE",
                "sequence": int(change.updated_at.timestamp()) % 2_000_000_000,
            }
        )  # fmt: skip
    body = ical.calendar_document(name="OpsPortal changes", events=events, now=timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="changes.ics"'
    return response


@register_today_section(AREA)
def today_section(request: HttpRequest) -> TodaySection | None:
    """Return changes awaiting the user's approval and the user's changes scheduled today."""
    if not request.user.is_authenticated or not rules.may_view_changes(request.user):
        return None
    zone = timezone.get_current_timezone()
    start = datetime.combine(timezone.localdate(), time.min, tzinfo=zone)
    awaiting = list(selectors.changes_awaiting_approval_of(request.user)[:10])
    scheduled = list(selectors.changes_scheduled_for(request.user, start, start + timedelta(days=1))[:10])
    return TodaySection(
        area=AREA, title="Changes", template="changes/_today.html", link="/changes/",
        context={"awaiting": awaiting, "scheduled": scheduled},
    )  # fmt: skip
