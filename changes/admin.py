"""Django admin of the changes app: settings, freeze windows, steps and stages; changes read-mostly."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from changes.models import (
    ChangeHistory,
    ChangeIncidentLink,
    ChangeRequest,
    ChangeSettings,
    DeploymentStage,
    FreezeWindow,
    ProcessStep,
    StageResult,
    StandardChangeTemplate,
)


@admin.register(ChangeSettings)
class ChangeSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "approval_reminder_hours"]

    def has_add_permission(self, request):  # one row only
        return not ChangeSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FreezeWindow)
class FreezeWindowAdmin(admin.ModelAdmin):
    list_display = ["name", "start", "end"]
    search_fields = ["name", "reason"]


@admin.register(StandardChangeTemplate)
class StandardChangeTemplateAdmin(SimpleHistoryAdmin):
    """The catalogue of pre-approved standard changes; retire a template with "active" rather than delete it."""

    list_display = ["name", "likelihood", "impact", "risk", "affected_services", "active"]
    list_filter = ["active", "risk", "impact"]
    search_fields = ["name", "description", "affected_services"]
    readonly_fields = ["risk"]
    fields = [
        "name", "description", "affected_services", "implementation_plan", "rollback_plan", "likelihood", "impact",
        "risk", "active",
    ]  # fmt: skip

    def has_delete_permission(self, request, obj=None):  # changes raised from it keep pointing at it
        return obj is None or not obj.changes.exists()


@admin.register(ProcessStep)
class ProcessStepAdmin(admin.ModelAdmin):
    list_display = ["order", "name", "status", "description"]


@admin.register(DeploymentStage)
class DeploymentStageAdmin(admin.ModelAdmin):
    list_display = ["order", "name", "description"]


class HistoryInline(admin.TabularInline):
    model = ChangeHistory
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "actor", "at", "from_status", "to_status", "message"]

    def has_add_permission(self, request, obj=None):  # append-only, written by services
        return False


class StageInline(admin.TabularInline):
    model = StageResult
    extra = 0
    can_delete = False
    readonly_fields = ["stage", "outcome", "recorded_by", "recorded_at", "evidence", "rolled_back"]

    def has_add_permission(self, request, obj=None):
        return False


class IncidentLinkInline(admin.TabularInline):
    model = ChangeIncidentLink
    extra = 0
    can_delete = False
    readonly_fields = ["incident", "kind", "linked_by", "linked_at"]

    def has_add_permission(self, request, obj=None):  # linked on the change page, so history records it
        return False


@admin.register(ChangeRequest)
class ChangeRequestAdmin(admin.ModelAdmin):
    """Changes move only through the workflow (the change page and API), so status is read-only here."""

    list_display = ["pk", "title", "change_type", "status", "risk", "window_start", "requester"]
    list_filter = ["status", "change_type", "risk"]
    search_fields = ["title", "affected_services"]
    readonly_fields = ["status", "risk", "risk_rule", "approved_by", "approved_at", "status_changed_at", "completed_at",
                       "close_code", "freeze_override_by", "freeze_override_reason"]  # fmt: skip
    inlines = [StageInline, IncidentLinkInline, HistoryInline]
