"""Django admin of on-call: schedules with their layers, layers with their members, overrides; the shift log to read."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from oncall import services
from oncall.models import Handover, Layer, LayerMember, Override, Schedule, ShiftLog
from opsportal.admin import ReadOnlyAdmin


class _LogsThePastFirst:
    """Log the shifts up to now before an edit is saved, so an admin edit changes only the future."""

    def _schedule_of(self, obj: Any) -> Schedule | None:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        schedule = self._schedule_of(obj) if obj.pk else None
        if schedule is not None:
            services.shift_log_append(schedule=schedule)
        super().save_model(request, obj, form, change)  # type: ignore[misc]


class LayerInline(admin.StackedInline):
    model = Layer
    extra = 0
    show_change_link = True  # members are edited on the layer's page
    fields = [
        ("position", "name", "role"), ("shift_days", "handoff_time", "starts_on"),
        ("weekdays", "hours_start", "hours_end"),
    ]  # fmt: skip


class LayerMemberInline(admin.TabularInline):
    model = LayerMember
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Schedule)
class ScheduleAdmin(_LogsThePastFirst, SimpleHistoryAdmin):
    list_display = ["name", "time_zone", "logged_until"]
    search_fields = ["name"]
    readonly_fields = ["logged_until", "created_at"]
    inlines = [LayerInline]

    def _schedule_of(self, obj: Any) -> Schedule | None:
        return obj


@admin.register(Layer)
class LayerAdmin(_LogsThePastFirst, SimpleHistoryAdmin):
    list_display = ["__str__", "schedule", "position", "role", "shift_days", "handoff_time", "starts_on"]
    list_filter = ["schedule", "role"]
    inlines = [LayerMemberInline]

    def _schedule_of(self, obj: Any) -> Schedule | None:
        return obj.schedule


@admin.register(Override)
class OverrideAdmin(_LogsThePastFirst, SimpleHistoryAdmin):
    list_display = ["schedule", "user", "start", "end", "reason", "created_by"]
    list_filter = ["schedule"]
    list_select_related = ["schedule", "user", "created_by"]
    autocomplete_fields = ["user"]
    readonly_fields = ["created_by", "created_at"]

    def _schedule_of(self, obj: Any) -> Schedule | None:
        return obj.schedule

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not obj.created_by_id:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ShiftLog)
class ShiftLogAdmin(ReadOnlyAdmin):
    list_display = ["schedule", "role", "user", "start", "end", "source"]
    list_filter = ["schedule", "role", "source"]
    list_select_related = ["schedule", "user"]
    date_hierarchy = "start"


@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdmin):
    """Handovers are workflow records: sent by the sweep, acknowledged on their page; read-only here."""

    list_display = ["schedule", "handoff_at", "outgoing", "incoming", "sent_at", "acknowledged_at"]
    list_filter = ["schedule"]
    list_select_related = ["schedule", "outgoing", "incoming"]
    date_hierarchy = "handoff_at"
