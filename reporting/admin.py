"""Django admin of the reporting app: KPI definitions and schedules are editable; reports are not."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from opsportal.admin import ReadOnlyAdmin
from reporting.models import KpiDefinition, KpiMeasurement, Report, ReportDelivery, ReportSchedule


@admin.register(KpiDefinition)
class KpiDefinitionAdmin(SimpleHistoryAdmin):
    list_display = ["name", "category", "unit", "target", "direction", "aggregation", "source"]
    list_filter = ["category", "source", "direction"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(KpiMeasurement)
class KpiMeasurementAdmin(admin.ModelAdmin):
    list_display = ["kpi", "date", "value", "entered_by", "updated_at"]
    list_filter = ["kpi"]
    date_hierarchy = "date"
    list_select_related = ["kpi", "entered_by"]
    raw_id_fields = ["entered_by"]


@admin.register(ReportSchedule)
class ReportScheduleAdmin(SimpleHistoryAdmin):
    list_display = ["kind", "description", "enabled", "build_time", "recipients_group"]
    list_editable = ["enabled", "build_time"]


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    """Reports are immutable snapshots: read-only here too."""

    list_display = ["kind", "period_start", "period_end", "built_at"]
    list_filter = ["kind"]
    date_hierarchy = "period_start"


@admin.register(ReportDelivery)
class ReportDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["report", "recipient", "created_at", "emailed_at"]
    list_select_related = ["report", "recipient"]
