"""REST API of the Reports area, mounted under /api/v1/: kpis/, kpis/{id}/measurements/, reports/."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from reporting import rules, serializers
from reporting.csv_io import kpi_lookup
from reporting.models import KpiDefinition, KpiMeasurement, Report
from reporting.selectors import report_list
from reporting.services import MeasurementInput, measurements_record


class ReportsViewer(BasePermission):
    """Admit users who may read reports and KPIs (``reporting.rules.may_view_reports``)."""

    message = rules.VIEW_DENIED

    def has_permission(self, request: Any, view: Any) -> bool:
        return rules.may_view_reports(request.user)


class KpiEditor(BasePermission):
    """Admit users who may enter KPI values (``reporting.rules.may_enter_measurements``)."""

    message = "Only managers and admins enter KPI values."

    def has_permission(self, request: Any, view: Any) -> bool:
        return rules.may_enter_measurements(request.user)


MAX_BULK = 5000
# One value posted answers one measurement; a list posted answers the list.
ONE_OR_MANY_MEASUREMENTS = {
    "oneOf": [
        {"$ref": "#/components/schemas/MeasurementOutput"},
        {"type": "array", "items": {"$ref": "#/components/schemas/MeasurementOutput"}},
    ]
}


def _many(data: Any) -> tuple[list[Any], bool]:
    """Return the posted items as a list, and whether a list was posted."""
    if isinstance(data, list):
        if len(data) > MAX_BULK:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"non_field_errors": [f"Post at most {MAX_BULK} measurements at once."]})
        return data, True
    return [data], False


class KpiFilter(filters.FilterSet):
    class Meta:
        model = KpiDefinition
        fields = ["category", "source", "slug"]


class MeasurementFilter(filters.FilterSet):
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = KpiMeasurement
        fields = ["date_from", "date_to"]


class KpiViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """KPI definitions (read-only; admins edit them in Django admin) and their measurements."""

    queryset = KpiDefinition.objects.all()
    serializer_class = serializers.KpiSerializer
    lookup_value_regex = r"[0-9]+"  # any other id is a 404 from the router, never a 500
    permission_classes = [ReportsViewer]
    filterset_class = KpiFilter

    def get_permissions(self) -> Sequence[Any]:
        if self.request.method == "POST":
            return [KpiEditor()]
        return super().get_permissions()

    def _record(self, request: Request, serializer_class: type, context: dict[str, Any], kpi: Any = None) -> Response:
        items, many = _many(request.data)
        serializer = serializer_class(data=items if many else request.data, many=many, context=context)
        serializer.is_valid(raise_exception=True)
        validated = serializer.validated_data if many else [serializer.validated_data]
        rows = [
            MeasurementInput(kpi=item.get("kpi", kpi), date=item["date"], value=item["value"]) for item in validated
        ]
        measurements_record(rows=rows, by=request.user)
        saved = KpiMeasurement.objects.select_related("kpi").filter(
            kpi_id__in={row.kpi.pk for row in rows}, date__in={row.date for row in rows}
        )
        wanted = {(row.kpi.pk, row.date) for row in rows}
        output = serializers.MeasurementOutputSerializer(
            [m for m in saved if (m.kpi_id, m.date) in wanted], many=True
        ).data
        return Response(output if many else output[0], status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        operation_id="v1_kpis_measurements_list",
        parameters=[
            OpenApiParameter("date_from", OpenApiTypes.DATE, description="Only values on or after this date."),
            OpenApiParameter("date_to", OpenApiTypes.DATE, description="Only values on or before this date."),
        ],
        responses=serializers.MeasurementOutputSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        operation_id="v1_kpis_measurements_create",
        request=serializers.MeasurementInputSerializer,
        responses={201: ONE_OR_MANY_MEASUREMENTS},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def measurements(self, request: Request, pk: str | None = None) -> Response:
        """GET: the KPI's values (filter date_from, date_to). POST: one value or a list; same date updates."""
        kpi = get_object_or_404(KpiDefinition, pk=pk)
        if request.method == "POST":
            if kpi.source != "manual":
                from rest_framework.exceptions import ValidationError

                raise ValidationError({"kpi": [f"KPI {kpi.slug!r} is computed by the portal and takes no values."]})
            return self._record(request, serializers.MeasurementInputSerializer, {"kpi": kpi}, kpi=kpi)
        queryset = MeasurementFilter(
            request.query_params,
            queryset=KpiMeasurement.objects.filter(kpi=kpi).select_related("kpi").order_by("-date"),
            request=request,
        ).qs
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(serializers.MeasurementOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="v1_kpis_measurements_bulk_create",
        request=serializers.BulkMeasurementInputSerializer,
        responses={201: ONE_OR_MANY_MEASUREMENTS},
    )
    @action(detail=False, methods=["post"], url_path="measurements")
    def bulk_measurements(self, request: Request) -> Response:
        """POST one value or a list for any KPIs: ``[{"kpi": "uptime", "date": "…", "value": 99.9}]``."""
        return self._record(
            request, serializers.BulkMeasurementInputSerializer, {"kpis": kpi_lookup(KpiDefinition.objects.all())}
        )


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Built report snapshots (read-only); filter with ?kind=monthly."""

    permission_classes = [ReportsViewer]
    filterset_fields = ["kind"]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> Any:
        return report_list() if self.action == "list" else Report.objects.all()

    def get_serializer_class(self) -> Any:
        return serializers.ReportListSerializer if self.action == "list" else serializers.ReportSerializer


router = SimpleRouter(trailing_slash=True)
router.register("kpis", KpiViewSet, basename="kpi")
router.register("reports", ReportViewSet, basename="report")

urlpatterns = router.urls
