"""Django admin of the incidents app: severities and policies, calendars, services, incidents."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from simple_history.admin import SimpleHistoryAdmin

from incidents.models import (
    ActionItem,
    BusinessCalendar,
    EscalationNotice,
    EscalationStep,
    Holiday,
    Incident,
    IncidentEscalationStep,
    PostIncidentReview,
    Service,
    Severity,
    TimelineEntry,
    WorkingHours,
)
from incidents.services import calendar_fill_holidays
from opsportal import clock
from opsportal.admin import ReadOnlyAdmin, ReadOnlyInline


class EscalationStepInline(admin.TabularInline):
    model = EscalationStep
    extra = 0
    fields = ["position", "delay_minutes", "target", "schedule", "group", "user", "repeat_every_minutes", "max_repeats"]


@admin.register(Severity)
class SeverityAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "response_minutes", "business_hours_only", "position"]
    list_editable = ["position"]
    inlines = [EscalationStepInline]


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


class FillHolidaysForm(forms.Form):
    country = forms.CharField(max_length=8, help_text="ISO code, e.g. GB, US, DE")
    subdivision = forms.CharField(max_length=8, required=False, help_text="e.g. ENG")
    years = forms.CharField(max_length=40, help_text="Comma-separated, e.g. 2026, 2027")

    def clean_years(self) -> list[int]:
        try:
            years = [int(part) for part in self.cleaned_data["years"].replace(" ", "").split(",") if part]
        except ValueError as error:
            raise ValidationError("Write years as numbers separated by commas.") from error
        if not years or any(not 1900 < year < 2200 for year in years):
            raise ValidationError("Give one or more years between 1901 and 2199.")
        return years


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(SimpleHistoryAdmin):
    list_display = ["name", "time_zone", "is_default"]
    inlines = [WorkingHoursInline, HolidayInline]
    actions = ["fill_holidays"]

    @admin.action(description="Fill holidays from the holidays package for a country")
    def fill_holidays(self, request: HttpRequest, queryset: Any) -> HttpResponse | None:
        year = clock.local_today().year
        form = FillHolidaysForm(
            request.POST if "apply" in request.POST else None, initial={"years": f"{year}, {year + 1}"}
        )
        if "apply" in request.POST and form.is_valid():
            for calendar in queryset:
                try:
                    added = calendar_fill_holidays(
                        calendar=calendar, country=form.cleaned_data["country"], years=form.cleaned_data["years"],
                        subdivision=form.cleaned_data["subdivision"] or None,
                    )  # fmt: skip
                except ValidationError as error:
                    self.message_user(request, "; ".join(error.messages), messages.ERROR)
                    return None
                self.message_user(request, f"{added} holidays added to {calendar}.")
            return None
        return render(
            request, "incidents/admin_fill_holidays.html",
            {**self.admin_site.each_context(request), "form": form, "calendars": queryset, "title": "Fill holidays"},
        )  # fmt: skip


@admin.register(Service)
class ServiceAdmin(SimpleHistoryAdmin):
    list_display = ["name"]
    search_fields = ["name"]


class IncidentEscalationStepInline(ReadOnlyInline):
    model = IncidentEscalationStep
    readonly_fields = [
        "position",
        "delay_minutes",
        "target",
        "schedule",
        "group",
        "user",
        "repeat_every_minutes",
        "max_repeats",
        "next_due_at",
        "rounds_sent",
    ]
    fields = [*readonly_fields]


class TimelineInline(ReadOnlyInline):
    model = TimelineEntry
    readonly_fields = ["created_at", "kind", "author", "text", "from_value", "to_value"]
    fields = [*readonly_fields]


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    """Incidents change through the portal's services; the admin shows them and never deletes them."""

    list_display = ["pk", "title", "severity", "status", "detected_at", "response_due_at", "acknowledged_at"]
    list_filter = ["severity", "status"]
    search_fields = ["title"]
    inlines = [IncidentEscalationStepInline, TimelineInline]


@admin.register(TimelineEntry)
class TimelineEntryAdmin(ReadOnlyAdmin):
    """Timeline entries are append-only: read-only here."""

    list_display = ["incident", "kind", "author", "created_at"]
    list_filter = ["kind"]


@admin.register(EscalationNotice)
class EscalationNoticeAdmin(TimelineEntryAdmin):
    list_display = ["incident", "step", "round", "due_at", "created_at", "recipient_count"]
    list_filter = []


class ActionItemInline(ReadOnlyInline):
    model = ActionItem
    readonly_fields = ("description", "owner", "due_date", "done", "done_at")
    fields = readonly_fields


@admin.register(PostIncidentReview)
class PostIncidentReviewAdmin(ReadOnlyAdmin):
    """Reviews and their action items are written on the incident's review page."""

    list_display = ["incident", "due_at", "completed_at"]
    inlines = [ActionItemInline]
