"""REST API of access reviews, mounted under /api/v1/: access-reviews/ (with lines) and the decide action."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from access import rules, selectors, serializers, services
from access.models import AccessReviewLine
from opsportal.permissions import roles_permission


class AccessReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Quarterly access reviews (managers and admins); decide a line keep or revoke with a reason."""

    permission_classes = [roles_permission(*rules.VIEW_ROLES, message=rules.VIEW_REFUSAL)]
    lookup_value_regex = r"[0-9]+"  # any other id is a 404 from the router, never a 500
    filter_backends: Sequence[Any] = []

    def get_queryset(self) -> Any:
        reviews = selectors.review_list()
        if self.action == "list":
            return reviews
        lines = AccessReviewLine.objects.select_related("user", "decided_by").order_by("pk")
        return reviews.prefetch_related(Prefetch("lines", queryset=lines))

    def get_serializer_class(self) -> Any:
        if self.action == "list":
            return serializers.AccessReviewListSerializer
        return serializers.AccessReviewSerializer

    @extend_schema(
        request=serializers.DecideInputSerializer,
        responses={200: serializers.AccessReviewLineSerializer},
        parameters=[OpenApiParameter("line", OpenApiTypes.INT, OpenApiParameter.PATH, description="The line's id.")],
    )
    @action(detail=True, methods=["post"], url_path=r"lines/(?P<line>[0-9]+)/decide")
    def decide(self, request: Request, pk: str, line: str) -> Response:
        """Decide one line; 403 for your own line, 409 (naming who) when it is already decided."""
        review_line = selectors.line_for_user(request.user, pk, line)
        data = serializers.DecideInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decided = services.access_review_decide(line=review_line, by=request.user, **data.validated_data)
        return Response(serializers.AccessReviewLineSerializer(decided).data)


router = SimpleRouter(trailing_slash=True)
router.register("access-reviews", AccessReviewViewSet, basename="access-review")

urlpatterns = router.urls
