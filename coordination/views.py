"""Web pages of team coordination: meetings and their agendas, the skills matrix, the vendor register."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coordination import rules, selectors, services
from coordination.forms import ActionItemForm, MinutesForm, SkillForm, VendorForm, VendorLinkForm
from coordination.models import Meeting, MeetingActionItem, Skill
from opsportal import clock
from opsportal.today import TodaySection, register_today_section

PAGE_SIZE = 20


def _add_errors(form: object, error: ValidationError) -> None:
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)  # type: ignore[attr-defined]


# Meetings ------------------------------------------------------------------------------------


@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    """Show the coming meetings (two weeks) and the meetings held, newest first, paginated."""
    rules.require(rules.may_view(request.user), rules.VIEW_REFUSAL)
    now = clock.now()
    page = Paginator(selectors.meetings_held(before=now), PAGE_SIZE).get_page(request.GET.get("page"))
    upcoming = selectors.meetings_upcoming(now=now)
    return render(request, "coordination/meetings.html", {"page": page, "upcoming": upcoming})


def _meeting_page(request: HttpRequest, meeting: Meeting, **forms: object) -> HttpResponse:
    items = list(MeetingActionItem.objects.select_related("owner").filter(meeting=meeting))
    can_write = rules.may_write_minutes(request.user)
    for item in items:
        item.can_complete = item.done_at is None and rules.may_complete_action(request.user, item)  # type: ignore[attr-defined]
    context = {
        "meeting": meeting,
        "agenda": meeting.agenda,
        "items": items,
        "can_write": can_write,
        "minutes_form": forms.get("minutes_form") or MinutesForm(initial={"minutes": meeting.minutes}),
        "action_form": forms.get("action_form") or ActionItemForm(),
        "today": clock.local_today(),
    }
    status = 400 if forms else 200
    return render(request, "coordination/meeting.html", context, status=status)


@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a meeting's agenda snapshot, minutes and action items."""
    rules.require(rules.may_view(request.user), rules.VIEW_REFUSAL)
    return _meeting_page(request, selectors.meeting_for_user(request.user, pk))


@require_POST
def meeting_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the minutes of a meeting."""
    rules.require(rules.may_write_minutes(request.user), rules.MINUTES_REFUSAL)
    meeting = selectors.meeting_for_user(request.user, pk)
    form = MinutesForm(request.POST)
    if not form.is_valid():
        return _meeting_page(request, meeting, minutes_form=form)
    services.meeting_minutes_save(meeting=meeting, by=request.user, minutes=form.cleaned_data["minutes"])
    messages.success(request, "Minutes saved.")
    return redirect(meeting)


@require_POST
def meeting_action_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add an action item to a meeting."""
    rules.require(rules.may_write_minutes(request.user), rules.MINUTES_REFUSAL)
    meeting = selectors.meeting_for_user(request.user, pk)
    form = ActionItemForm(request.POST)
    if form.is_valid():
        try:
            services.meeting_action_add(meeting=meeting, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Action item added.")
            return redirect(meeting)
    return _meeting_page(request, meeting, action_form=form)


@require_POST
def meeting_action_done(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark an action item done."""
    rules.require(rules.may_view(request.user), rules.VIEW_REFUSAL)
    item = MeetingActionItem.objects.select_related("meeting").filter(pk=pk).first()
    if item is None:
        from django.http import Http404

        raise Http404("There is no such action item.")
    services.meeting_action_done(item=item, by=request.user)
    messages.success(request, "Action item done.")
    if request.POST.get("next") == "/":
        return redirect("today")
    return redirect(item.meeting)


# Skills --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def skills(request: HttpRequest) -> HttpResponse:
    """Show who is trained on which service, the open flags, and (to editors) a form to record a skill."""
    rules.require(rules.may_view(request.user), rules.VIEW_REFUSAL)
    can_edit = rules.may_edit_register(request.user)
    form = SkillForm()
    status = 200
    if request.method == "POST":
        rules.require(can_edit, rules.EDIT_REFUSAL)
        form = SkillForm(request.POST)
        if form.is_valid():
            try:
                services.skill_save(by=request.user, **form.cleaned_data)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, "Skill recorded.")
                return redirect("coordination:skills")
        status = 400
    context = {
        "rows": selectors.skills_matrix(today=clock.local_today()),
        "flags": list(selectors.open_flags()[:50]),
        "form": form,
        "can_edit": can_edit,
    }
    return render(request, "coordination/skills.html", context, status=status)


@require_POST
def skill_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a skill record."""
    rules.require(rules.may_edit_register(request.user), rules.EDIT_REFUSAL)
    skill = Skill.objects.filter(pk=pk).first()
    if skill is not None:
        services.skill_delete(by=request.user, skill=skill)
        messages.success(request, "Skill removed.")
    return redirect("coordination:skills")


# Vendors -------------------------------------------------------------------------------------


@require_GET
def vendor_list(request: HttpRequest) -> HttpResponse:
    """List the vendors with their services, contacts and contract ends, paginated."""
    rules.require(rules.may_view(request.user), rules.VIEW_REFUSAL)
    page = Paginator(selectors.vendor_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    today = clock.local_today()
    context = {
        "page": page,
        "can_edit": rules.may_edit_register(request.user),
        "today": today,
        "soon": today + timedelta(days=services.REMIND_DAYS_BEFORE),
    }
    return render(request, "coordination/vendors.html", context)


@require_http_methods(["GET", "POST"])
def vendor_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Register a vendor or edit one (managers and admins)."""
    rules.require(rules.may_edit_register(request.user), rules.EDIT_REFUSAL)
    vendor = selectors.vendor_for_user(request.user, pk) if pk is not None else None
    form = VendorForm(request.POST or None, instance=vendor)
    if request.method == "POST" and form.is_valid():
        fields = {name: value for name, value in form.cleaned_data.items() if name != "services"}
        try:
            services.vendor_save(by=request.user, vendor=vendor, services=form.cleaned_data["services"], **fields)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Vendor saved.")
            return redirect("coordination:vendors")
    status = 400 if request.method == "POST" else 200
    return render(request, "coordination/vendor_form.html", {"form": form, "vendor": vendor}, status=status)


@require_POST
def vendor_link(request: HttpRequest, incident_pk: int) -> HttpResponse:
    """Link a vendor to an incident (from the incident page)."""
    from incidents.selectors import incident_for_user

    rules.require(rules.may_link_incident(request.user), rules.LINK_REFUSAL)
    incident = incident_for_user(request.user, incident_pk)
    form = VendorLinkForm(request.POST)
    if form.is_valid():
        services.vendor_link_incident(vendor=form.cleaned_data["vendor"], incident=incident, by=request.user)
        messages.success(request, f"Linked {form.cleaned_data['vendor']}.")
    else:
        messages.error(request, "Choose a vendor to link.")
    return redirect(incident)


@require_POST
def vendor_unlink(request: HttpRequest, incident_pk: int, pk: int) -> HttpResponse:
    """Remove a vendor's link to an incident."""
    from incidents.selectors import incident_for_user

    rules.require(rules.may_link_incident(request.user), rules.LINK_REFUSAL)
    incident = incident_for_user(request.user, incident_pk)
    vendor = selectors.vendor_for_user(request.user, pk)
    services.vendor_unlink_incident(vendor=vendor, incident=incident, by=request.user)
    messages.success(request, f"Unlinked {vendor}.")
    return redirect(incident)


# Today ---------------------------------------------------------------------------------------


@register_today_section("meetings")
def today_section(request: HttpRequest) -> TodaySection | None:
    """Return the user's open meeting action items (one query), or None when there are none."""
    if not rules.may_view(request.user):
        return None
    items = selectors.open_action_items_for(request.user)
    if not items:
        return None
    return TodaySection(
        area="meetings",
        title="Meeting action items",
        template="coordination/_today.html",
        link="/meetings/",
        context={"items": items, "today": clock.local_today()},
    )
