"""Django admin of the checklists app: templates with ordered items inline, and runs to read."""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from checklists.forms import ChecklistTemplateAdminForm
from checklists.models import ChecklistItem, ChecklistRun, ChecklistTemplate, RunItem
from opsportal.admin import ReadOnlyAdmin, ReadOnlyInline


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 1
    ordering = ["position", "pk"]
    fields = ["position", "text", "help_text", "link", "required", "evidence_required"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(SimpleHistoryAdmin):
    form = ChecklistTemplateAdminForm
    inlines = [ChecklistItemInline]
    list_display = ["name", "frequency", "schedule_text", "owner_group", "is_active"]
    list_filter = ["frequency", "attach_to", "owner_group", "is_active"]
    search_fields = ["name", "key", "description"]
    prepopulated_fields = {"key": ["frequency", "name"]}
    fieldsets = [
        (None, {"fields": ["name", "key", "description", "owner_group", "is_active"]}),
        (
            "Schedule (portal time zone)",
            {"fields": ["frequency", "time_of_day", "weekdays", "week_of_month", "day_of_month"]},
        ),
        (
            "Window",
            {"fields": ["due_after", "window_days"], "description": "Leave empty for the frequency's defaults."},
        ),
        (
            "Runbook phase (on demand)",
            {
                "fields": ["attach_to", "relative_anchor", "relative_open_minutes", "relative_due_minutes", "position"],
                "description": "A phase attaches to every incident or change, with a window relative to it.",
            },
        ),
    ]

    @admin.display(description="Schedule")
    def schedule_text(self, template: ChecklistTemplate) -> str:
        return template.schedule_text()


class RunItemInline(ReadOnlyInline):
    model = RunItem
    readonly_fields = ("position", "text", "done_by", "done_at", "note", "problem", "problem_note")
    fields = readonly_fields


@admin.register(ChecklistRun)
class ChecklistRunAdmin(ReadOnlyAdmin):
    """Runs are read here; they change only through ticking and the sweeps."""

    inlines = [RunItemInline]
    list_display = ["name", "period_date", "opens_at", "status", "items_done", "items_total"]
    list_filter = ["status", "template"]
    date_hierarchy = "opens_at"
    list_select_related = ["template"]
    readonly_fields = [field.name for field in ChecklistRun._meta.fields]
