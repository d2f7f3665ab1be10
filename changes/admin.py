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
from opsportal.admin import ReadOnlyAdmin, ReadOnlyInline


@admin.register(ChangeSettings)
class ChangeSettingsAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "approval_reminder_hours"]

    def has_add_permission(self, request):  # one row only
        return not ChangeSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FreezeWindow)
class FreezeWindowAdmin(SimpleHistoryAdmin):
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
class ProcessStepAdmin(SimpleHistoryAdmin):
    list_display = ["order", "name", "status", "description"]


@admin.register(DeploymentStage)
class DeploymentStageAdmin(SimpleHistoryAdmin):
    list_display = ["order", "name", "description"]


class HistoryInline(ReadOnlyInline):  # append-only, written by services
    model = ChangeHistory
    readonly_fields = ("kind", "actor", "at", "from_status", "to_status", "message")
    fields = readonly_fields


class StageInline(ReadOnlyInline):
    model = StageResult
    readonly_fields = ("stage", "outcome", "recorded_by", "recorded_at", "evidence", "rolled_back")
    fields = readonly_fields


class IncidentLinkInline(ReadOnlyInline):  # linked on the change page, so history records it
    model = ChangeIncidentLink
    readonly_fields = ("incident", "kind", "linked_by", "linked_at")
    fields = readonly_fields


@admin.register(ChangeRequest)
class ChangeRequestAdmin(ReadOnlyAdmin):
    """Changes move only through the workflow (the change page and API); the admin only shows them.

    Nothing is editable here, ``requester`` above all: editing it would let a manager approve
    their own change.
    """

    list_display = ["pk", "title", "change_type", "status", "risk", "window_start", "requester"]
    list_filter = ["status", "change_type", "risk"]
    search_fields = ["title", "affected_services"]
    inlines = [StageInline, IncidentLinkInline, HistoryInline]
