"""Django admin of team coordination: schedules, skills and vendors editable (with history); meetings read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from coordination.models import (
    Meeting,
    MeetingActionItem,
    MeetingSchedule,
    Notice,
    ScheduleCoverage,
    Skill,
    SkillFlag,
    Vendor,
)
from opsportal.admin import ReadOnlyAdmin, ReadOnlyInline


@admin.register(MeetingSchedule)
class MeetingScheduleAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "time_of_day", "weekday", "duration_minutes", "is_active"]
    list_filter = ["kind", "is_active"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The import finds a schedule by its key and builds its agenda by its kind: fixed once made.
        return ["key", "kind"] if obj is not None else []


class MeetingActionItemInline(ReadOnlyInline):
    model = MeetingActionItem
    fields = ["description", "owner", "due_date", "done_at"]


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["name", "date", "starts_at", "opened_at"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    inlines = [MeetingActionItemInline]


@admin.register(Skill)
class SkillAdmin(SimpleHistoryAdmin):
    list_display = ["user", "service", "trained_on", "expires_on"]
    list_filter = ["service"]
    list_select_related = ["user", "service"]
    search_fields = ["user__username", "service__name"]


@admin.register(SkillFlag)
class SkillFlagAdmin(ReadOnlyAdmin):
    list_display = ["kind", "detail", "opened_at", "closed_at"]
    list_filter = ["kind"]


@admin.register(Vendor)
class VendorAdmin(SimpleHistoryAdmin):
    list_display = ["name", "support_contact", "contract_end"]
    search_fields = ["name"]
    filter_horizontal = ["services"]
    raw_id_fields = ["incidents"]


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["key", "created_at"]
    search_fields = ["key"]


@admin.register(ScheduleCoverage)
class ScheduleCoverageAdmin(SimpleHistoryAdmin):
    list_display = ["schedule"]
    filter_horizontal = ["services"]
