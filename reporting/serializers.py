"""Serializers of the reporting API: KPI definitions, measurements and reports."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reporting import rules
from reporting.csv_io import MAX_VALUE
from reporting.models import KpiDefinition, KpiMeasurement, Report, Source
from reporting.services import measurement_problems

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class KpiSerializer(serializers.ModelSerializer):
    class Meta:
        model = KpiDefinition
        fields = [
            "id",
            "name",
            "slug",
            "category",
            "unit",
            "target",
            "min_value",
            "max_value",
            "direction",
            "aggregation",
            "source",
            "description",
        ]
        read_only_fields = fields


class MeasurementOutputSerializer(serializers.ModelSerializer):
    kpi: serializers.SlugRelatedField[KpiDefinition] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    value = serializers.DecimalField(max_digits=20, decimal_places=4, coerce_to_string=False, read_only=True)

    class Meta:
        model = KpiMeasurement
        fields = ["id", "kpi", "date", "value", "updated_at"]
        read_only_fields = fields


def _value_field() -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=20,
        decimal_places=4,
        max_value=MAX_VALUE - 1,
        min_value=-(MAX_VALUE - 1),
        coerce_to_string=False,
        error_messages={"invalid": "Non-numeric value: give a number such as 1234.5."},
    )


_DATE_ERRORS: dict[str, StrOrPromise] = {
    "invalid": "Unparseable date: use the YYYY-MM-DD format (for example 2026-11-30)."
}


class MeasurementInputSerializer(serializers.Serializer):
    """One value for the KPI in the URL: ``{"date": "2026-11-30", "value": 42.5}``."""

    date = serializers.DateField(input_formats=["iso-8601"], error_messages=_DATE_ERRORS)
    value = _value_field()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        kpi = attrs.get("kpi") or self.context.get("kpi")
        if kpi is not None:
            problems = measurement_problems(
                kpi=kpi, day=attrs["date"], value=attrs["value"], today=timezone.localdate()
            )
            if problems:
                raise serializers.ValidationError(problems)
        return attrs


@extend_schema_field(OpenApiTypes.STR)
class KpiField(serializers.Field):
    """A KPI named by slug (or id); refuses unknown and computed KPIs by name."""

    default_error_messages = {
        "unknown": "Unknown KPI {kpi!r}: use the slug of a KPI from /api/v1/kpis/.",
        "computed": "KPI {kpi!r} is computed by the portal and takes no values.",
    }

    def to_internal_value(self, data: Any) -> KpiDefinition:
        lookup: dict[str, KpiDefinition] = self.context["kpis"]
        kpi = lookup.get(str(data).strip().lower())
        if kpi is None:
            self.fail("unknown", kpi=str(data))
        if kpi.source != Source.MANUAL:
            self.fail("computed", kpi=str(data))
        return kpi

    def to_representation(self, value: KpiDefinition) -> str:
        return value.slug


class BulkMeasurementInputSerializer(MeasurementInputSerializer):
    """One value for any KPI: ``{"kpi": "uptime", "date": "2026-11-30", "value": 99.95}``."""

    kpi = KpiField()


class ReportListSerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Report
        fields = ["id", "kind", "period_start", "period_end", "built_at", "url"]
        read_only_fields = fields


class ReportSerializer(ReportListSerializer):
    class Meta(ReportListSerializer.Meta):
        fields = [*ReportListSerializer.Meta.fields, "data"]
        read_only_fields = fields

    def to_representation(self, instance: Report) -> dict[str, Any]:
        representation: dict[str, Any] = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None:  # what the reader may see: no change figures for Ops staff
            representation["data"] = rules.report_data_visible(request.user, representation["data"])
        return representation
