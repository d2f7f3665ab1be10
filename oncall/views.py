"""Web pages of on-call: who is on call now and next, the coming weeks, one's own shifts and feed."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from changes import ical
from incidents import escalation
from incidents.forms import EscalationPreviewForm
from oncall import handover, rules, selectors, services
from oncall.forms import LayerFormSet, OverrideForm, ScheduleForm, layer_initial
from oncall.models import FeedToken, Schedule
from opsportal import clock
from opsportal.middleware import AuthenticatedHttpRequest
from opsportal.notifications import absolute_url

# How far the page's calendar and one's own shifts look ahead.
CALENDAR_DAYS = 28
# How far past the calendar's end one's own shifts are followed to their end.
MY_SHIFTS_LOOKAHEAD = timedelta(days=CALENDAR_DAYS + 31)
# How far the iCalendar feed looks back and ahead.
FEED_PAST = timedelta(days=14)
FEED_AHEAD = timedelta(days=90)


def _require_area(request: HttpRequest) -> None:
    rules.require(rules.may_view(request.user), rules.VIEW_REFUSAL)


def _calendar(rows: list[selectors.ScheduleNow], first_day: datetime) -> list[dict[str, object]]:
    """Return one row per local day: for each schedule, the primaries on call that day."""
    zone = timezone.get_current_timezone()
    days = []
    for offset in range(CALENDAR_DAYS):
        day = first_day.date() + timedelta(days=offset)
        start = datetime.combine(day, time(0), tzinfo=zone)
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        cells = []
        for row in rows:
            names: list[str] = []
            for shift in row.shifts:
                if shift.role == "primary" and shift.start < end and shift.end > start:
                    name = shift.user.get_username()
                    if name not in names:
                        names.append(name)
            cells.append(names)
        days.append({"date": day, "cells": cells, "weekend": day.weekday() >= 5})
    return days


@require_GET
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Show each schedule's primary and secondary now and next, the coming weeks, and one's own shifts."""
    _require_area(request)
    now = clock.now()
    rows = selectors.board(now, days=MY_SHIFTS_LOOKAHEAD.days)
    local_now = timezone.localtime(now)
    # One's own shifts that start within the calendar's weeks, shown whole (not cut at its end).
    calendar_end = now + timedelta(days=CALENDAR_DAYS)
    mine = sorted(
        (
            (row.schedule, shift)
            for row in rows
            for shift in row.shifts
            if shift.user.pk == request.user.pk and shift.start < calendar_end
        ),
        key=lambda item: item[1].start,
    )
    token = FeedToken.objects.filter(user=request.user).first()
    feed_url = absolute_url(f"{reverse('oncall:feed')}?token={token.token}") if token else ""
    # The escalation dry run, as /incidents/escalation-preview/ computes it (bound once a severity is asked).
    dry_run = EscalationPreviewForm(request.GET if "severity" in request.GET else None)
    dry_run_pages, dry_run_start = None, None
    if dry_run.is_bound and dry_run.is_valid():
        dry_run_start = dry_run.cleaned_data["at"] or now
        dry_run_pages = escalation.severity_plan(dry_run.cleaned_data["severity"], at=dry_run_start)
    return render(
        request,
        "oncall/index.html",
        {
            "rows": rows,
            "days": _calendar(rows, local_now),
            "mine": mine,
            "feed_url": feed_url,
            "may_edit": rules.may_edit(request.user),
            "override_form": OverrideForm() if rules.may_edit(request.user) else None,
            "handovers": handover.handover_list()[:5],
            "dry_run": dry_run,
            "pages": dry_run_pages,
            "start": dry_run_start,
        },
        status=400 if dry_run.errors else 200,
    )


def _schedule_save(request: HttpRequest, schedule: Schedule | None, form: ScheduleForm, layers: Any) -> Schedule | None:
    """Write the schedule through the services; put their refusals next to the fields; return it or None."""
    # The schedule's layers as they were (changed or not) and any filled-in blank one, less those marked Delete.
    kept = [
        layer
        for index, layer in enumerate(layers.forms)
        if (index < layers.initial_form_count() or layer.has_changed()) and not layer.cleaned_data.get("DELETE")
    ]
    data = form.cleaned_data
    try:
        if schedule is None:
            return services.schedule_create(
                by=request.user,
                name=data["name"],
                time_zone=data["time_zone"],
                layers=[layer.layer_input() for layer in kept],
            )
        return services.schedule_update(
            schedule=schedule,
            by=request.user,
            name=data["name"],
            time_zone=data["time_zone"],
            layers=[layer.layer_input() for layer in kept],
        )
    except ValidationError as error:
        for key, problems in error.message_dict.items():
            if key.startswith("layers."):
                _, index, field = key.split(".", 2)
                target = kept[int(index)]
                target.add_error(_LAYER_FIELDS.get(field), problems)
            elif key == "layers":
                form.add_error(None, problems)
            else:
                form.add_error(key if key in form.fields else None, problems)
    return None


# The services name layer fields as the API does; the form's fields where they differ.
_LAYER_FIELDS = {
    "members": "members",
    "shift_length": "shift_days",
    "starts_on": "starts_on",
    "weekdays": "weekdays",
    "hours": "hours_end",
    "role": "role",
}


def _schedule_page(request: HttpRequest, schedule: Schedule | None) -> HttpResponse:
    """Show and handle the schedule form with its layer formset, for a new or an existing schedule."""
    _require_area(request)
    rules.require(rules.may_edit(request.user), rules.EDIT_REFUSAL)
    if schedule is None:
        initial: dict[str, object] = {}
        layer_rows: list[dict[str, object]] = []
    else:
        initial = {"name": schedule.name, "time_zone": schedule.time_zone}
        layer_rows = layer_initial(schedule)
    posted = request.POST if request.method == "POST" else None
    form = ScheduleForm(posted, initial=initial)
    layers = LayerFormSet(posted, initial=layer_rows, prefix="layers")
    if posted is not None and form.is_valid() and layers.is_valid():
        saved = _schedule_save(request, schedule, form, layers)
        if saved is not None:
            messages.success(request, f"Schedule {saved.name} saved; shifts already past stay as they were.")
            return redirect("oncall:index")
    return render(
        request,
        "oncall/schedule_form.html",
        {"form": form, "layers": layers, "schedule": schedule},
        status=400 if posted is not None else 200,
    )


@require_http_methods(["GET", "POST"])
def schedule_new(request: HttpRequest) -> HttpResponse:
    """Let a manager or admin create a schedule with its layers."""
    return _schedule_page(request, None)


@require_http_methods(["GET", "POST"])
def schedule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Let a manager or admin change a schedule and its layers; the shifts already past stay as logged."""
    _require_area(request)
    try:
        schedule = selectors.schedule_get(pk)
    except Schedule.DoesNotExist:
        raise Http404("No such schedule.") from None
    return _schedule_page(request, schedule)


@require_http_methods(["GET", "POST"])
def override_new(request: HttpRequest) -> HttpResponse:
    """Let a manager add an override: one person covers a schedule during a window."""
    _require_area(request)
    rules.require(rules.may_edit(request.user), rules.EDIT_REFUSAL)
    form = OverrideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.override_create(
                schedule=data["schedule"],
                by=request.user,
                user=data["user"],
                start=data["start"],
                end=data["end"],
                reason=data["reason"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, f"{data['user']} covers {data['schedule']} as asked.")
            return redirect("oncall:index")
    return render(request, "oncall/override_form.html", {"form": form}, status=400 if request.method == "POST" else 200)


@require_POST
def feed_token_new(request: HttpRequest) -> HttpResponse:
    """Create (or replace) the user's on-call feed token."""
    _require_area(request)
    services.feed_token_reset(user=request.user)
    messages.success(request, "Your on-call calendar address is ready. Any earlier address stops working.")
    return redirect("oncall:index")


# Calendar apps fetch the feed without a session: the token in the URL is the credential.
@login_not_required
@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    """Serve the iCalendar feed of the token holder's own on-call shifts."""
    token = request.GET.get("token", "")
    holder = selectors.feed_holder(token) if token else None
    if holder is None:
        raise Http404("No such calendar.")
    if not holder.is_active or not rules.may_view(holder):
        raise PermissionDenied("This calendar's owner may no longer see on-call schedules.")
    now = clock.now()
    events = [
        {
            "uid": f"oncall-{schedule.pk}-{shift.role}-{int(shift.start.timestamp())}@opsportal",
            "start": shift.start,
            "end": shift.end,
            "summary": f"On call ({shift.role}): {schedule.name}",
            "description": f"{schedule.name}: {shift.role} on-call shift ({shift.source}).",
            "url": absolute_url(reverse("oncall:index")),
            "status": "CONFIRMED",
        }
        for schedule, shift in selectors.user_shifts(holder, now - FEED_PAST, now + FEED_AHEAD)
    ]
    body = ical.calendar_document(name="OpsPortal on-call shifts", events=events, now=now)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="oncall.ics"'
    return response
