"""REST API of team coordination, mounted under /api/v1/: meetings/ (with agenda) and vendors/."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.routers import SimpleRouter

from coordination import rules, selectors, serializers
from coordination.models import Meeting
from opsportal import clock

MAX_RANGE_DAYS = 366
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)


class CoordinationViewer(BasePermission):
    """Everyone with a portal role reads meetings and vendors."""

    message = rules.VIEW_REFUSAL

    def has_permission(self, request: Any, view: Any) -> bool:
        return rules.may_view(request.user)


def date_param(request: Request, name: str, default: date) -> date:
    """Return the YYYY-MM-DD date in query parameter ``name``, or a 400 naming it."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({name: ["Give a date as YYYY-MM-DD, e.g. 2026-03-30."]}) from None
    if not EARLIEST <= value <= LATEST:
        raise ValidationError({name: ["Give a date between 2000-01-01 and 2099-12-31."]})
    return value


RANGE_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="First local date (default: 30 days ago)."),
    OpenApiParameter(
        "to", OpenApiTypes.DATE, description="Last local date, at most 366 days on (default: in 14 days)."
    ),
]


@extend_schema_view(list=extend_schema(parameters=RANGE_PARAMETERS))
class MeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Meetings held or opened, with their agenda snapshot; filter by local date with ?from=&to=."""

    permission_classes = [CoordinationViewer]
    lookup_value_regex = r"[0-9]+"  # any other id is a 404 from the router, never a 500
    filter_backends: Sequence[Any] = []

    def get_queryset(self) -> Any:
        if self.action != "list":
            return Meeting.objects.prefetch_related("action_items__owner")
        today = clock.local_today()
        start = date_param(self.request, "from", today - timedelta(days=30))
        end = date_param(self.request, "to", today + timedelta(days=14))
        if end < start:
            raise ValidationError({"to": ["'to' must not be before 'from'."]})
        if (end - start).days > MAX_RANGE_DAYS:
            raise ValidationError({"to": [f"Ask for at most {MAX_RANGE_DAYS} days at once."]})
        return selectors.meetings_between(start, end)

    def get_serializer_class(self) -> Any:
        return serializers.MeetingListSerializer if self.action == "list" else serializers.MeetingSerializer


class VendorViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The vendor register (read-only here; managers and admins edit it on /vendors/)."""

    permission_classes = [CoordinationViewer]
    serializer_class = serializers.VendorSerializer
    lookup_value_regex = r"[0-9]+"
    filter_backends: Sequence[Any] = []

    def get_queryset(self) -> Any:
        return selectors.vendor_list().prefetch_related("incidents")


router = SimpleRouter(trailing_slash=True)
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("vendors", VendorViewSet, basename="vendor")

urlpatterns = router.urls
