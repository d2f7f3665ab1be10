"""REST API of on-call schedules, mounted under /api/v1/: schedules/, their oncall/, shifts/ and overrides/."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from oncall import rules, selectors, serializers, services
from oncall.models import Schedule
from opsportal import clock
from opsportal.plausible import offset_is_plausible

# The widest range of shifts one request may ask for.
MAX_SHIFTS_RANGE = timedelta(days=92)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


class ScheduleAccess(BasePermission):
    """Everyone with a portal role reads; managers and admins write."""

    message = rules.VIEW_REFUSAL

    def has_permission(self, request: Any, view: Any) -> bool:
        if not rules.may_view(request.user):
            return False
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        self.message = rules.EDIT_REFUSAL
        return rules.may_edit(request.user)


def instant_param(request: Request, name: str, *, default: datetime | None = None) -> datetime:
    """Return the ISO-8601 instant in query parameter ``name`` (UTC), or a 400 naming it."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        if default is None:
            raise ValidationError({name: ["This parameter is required (ISO-8601, e.g. 2026-03-30T09:00:00Z)."]})
        return default
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError({name: ["Give an ISO-8601 instant, e.g. 2026-03-30T09:00:00Z."]}) from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError({name: ["Give the instant with its UTC offset (Z or +01:00)."]})
    if not offset_is_plausible(value):
        raise ValidationError({name: ["The UTC offset must be between -14:00 and +14:00."]})
    if not EARLIEST <= value < LATEST:
        raise ValidationError({name: ["Give an instant between 2000 and 2099."]})
    return value.astimezone(UTC)


class ScheduleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """On-call schedules with their layers; who is on call, the shifts, and overrides."""

    serializer_class = serializers.ScheduleSerializer
    permission_classes = [ScheduleAccess]
    lookup_value_regex = r"[0-9]+"  # any other id is a 404 from the router, never a 500
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filter_backends: Sequence[Any] = []

    def get_queryset(self) -> Any:
        return selectors.schedules()

    def get_object(self) -> Schedule:
        try:
            return selectors.schedule_get(int(self.kwargs["pk"]))
        except Schedule.DoesNotExist:
            raise NotFound("There is no such schedule.") from None

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = serializers.ScheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        schedule = services.schedule_create(
            by=request.user,
            name=data["name"],
            time_zone=data["time_zone"],
            layers=serializers.layer_inputs(data["layers"]),
        )
        output = serializers.ScheduleSerializer(selectors.schedule_get(schedule.pk)).data
        return Response(output, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        schedule = self.get_object()
        serializer = serializers.ScheduleSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        updated = services.schedule_update(
            schedule=schedule,
            by=request.user,
            name=data.get("name"),
            time_zone=data.get("time_zone"),
            layers=serializers.layer_inputs(data["layers"]) if "layers" in data else None,
        )
        return Response(serializers.ScheduleSerializer(updated).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.schedule_delete(schedule=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="v1_schedules_oncall",
        parameters=[OpenApiParameter("at", OpenApiTypes.DATETIME, description="The instant (default: now).")],
        responses=serializers.OnCallSerializer,
    )
    @action(detail=True, methods=["get"])
    def oncall(self, request: Request, pk: str | None = None) -> Response:
        """Who is primary and secondary at ``at`` (default now), and until when."""
        schedule = self.get_object()
        at = instant_param(request, "at", default=clock.now())
        now = selectors.oncall_at(schedule, at)
        return Response(
            {
                "primary": now.primary.get_username() if now.primary else None,
                "secondary": now.secondary.get_username() if now.secondary else None,
                "until": now.until.isoformat().replace("+00:00", "Z"),
            }
        )

    @extend_schema(
        operation_id="v1_schedules_shifts",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATETIME, required=True, description="Range start (ISO-8601)."),
            OpenApiParameter("to", OpenApiTypes.DATETIME, required=True, description="Range end, at most 92 days on."),
        ],
        responses=serializers.ShiftSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def shifts(self, request: Request, pk: str | None = None) -> Response:
        """The primary and secondary shifts during ``[from, to)``: the past as logged, overrides applied."""
        schedule = self.get_object()
        start = instant_param(request, "from")
        end = instant_param(request, "to")
        if end <= start:
            raise ValidationError({"to": ["'to' must be after 'from'."]})
        if end - start > MAX_SHIFTS_RANGE:
            raise ValidationError({"to": [f"Ask for at most {MAX_SHIFTS_RANGE.days} days at once."]})
        shifts = selectors.shifts_between(schedule, start, end)
        rows = [
            {"user": s.user.get_username(), "start": s.start, "end": s.end, "source": s.source, "role": s.role}
            for s in shifts
        ]
        return Response(serializers.ShiftSerializer(rows, many=True).data)

    @extend_schema(
        operation_id="v1_schedules_overrides_create",
        request=serializers.OverrideInputSerializer,
        responses={201: serializers.OverrideSerializer},
    )
    @action(detail=True, methods=["post"])
    def overrides(self, request: Request, pk: str | None = None) -> Response:
        """Let one person cover the schedule during a window (a swap is two overrides)."""
        schedule = self.get_object()
        serializer = serializers.OverrideInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        override = services.override_create(schedule=schedule, by=request.user, **serializer.validated_data)
        return Response(serializers.OverrideSerializer(override).data, status=status.HTTP_201_CREATED)


router = SimpleRouter(trailing_slash=True)
router.register("schedules", ScheduleViewSet, basename="schedule")

urlpatterns = router.urls
