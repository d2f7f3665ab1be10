"""REST API of the knowledge library, mounted under /api/v1/knowledge/: pages/ and search/."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from knowledge import rules, selectors, serializers, services
from knowledge.models import Page


class KnowledgeReader(BasePermission):
    """Every portal role reads the library; writes are checked again by the services."""

    message = rules.VIEW_REFUSAL

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            self.message = rules.WRITE_REFUSAL
            return rules.may_write(request.user)
        return rules.may_view(request.user)


@extend_schema_view(
    create=extend_schema(request=serializers.PageInputSerializer, responses={201: serializers.PageDetailSerializer}),
    partial_update=extend_schema(request=serializers.PageInputSerializer, responses=serializers.PageDetailSerializer),
    retrieve=extend_schema(responses=serializers.PageDetailSerializer),
)
class PageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Knowledge pages: list and read; POST creates a page (a draft v1), PATCH makes a new version."""

    permission_classes = [KnowledgeReader]
    serializer_class = serializers.PageSerializer
    lookup_value_regex = r"[0-9]+"  # any other id is a 404 from the router, never a 500
    filter_backends: Sequence[Any] = []
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        return selectors.page_list(self.request.user)

    def get_object(self) -> Page:
        return selectors.page_for_user(self.request.user, int(self.kwargs["pk"]))

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(serializers.PageDetailSerializer(self.get_object(), context={"request": request}).data)

    def _detail(self, page: Page, *, code: int = status.HTTP_200_OK) -> Response:
        page = selectors.page_for_user(self.request.user, page.pk)
        return Response(serializers.PageDetailSerializer(page, context={"request": self.request}).data, status=code)

    def create(self, request: Request) -> Response:
        data = serializers.PageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        page = services.page_create(by=request.user, **data.validated_data)
        return self._detail(page, code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        page = self.get_object()
        data = serializers.PageInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = serializers.only_sent(dict(data.validated_data), request.data)
        if "kind" in values:
            raise ValidationError({"kind": ["A page's kind is fixed when it is created."]})
        services.page_update(page=page, by=request.user, **values)
        return self._detail(page)

    @extend_schema(responses=serializers.PageVersionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def versions(self, request: Request, pk: str) -> Response:
        """The page's versions you may read (drafts only to their author, the owner and reviewers), newest first."""
        page = self.get_object()
        versions = selectors.versions_for_user(request.user, page)
        rows = self.paginate_queryset(versions)
        return self.get_paginated_response(serializers.PageVersionSerializer(rows, many=True).data)

    @extend_schema(request=serializers.PublishInputSerializer, responses=serializers.PageDetailSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        """Publish a version; 409 naming why until its quality checklist is ticked by someone other than its author."""
        page = self.get_object()
        data = serializers.PublishInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = selectors.version_for_user(request.user, page, data.validated_data["version"])
        services.version_publish(version=version, by=request.user)
        return self._detail(page)


class SearchViewSet(viewsets.GenericViewSet):
    """Full-text search over the published pages, best match first."""

    permission_classes = [KnowledgeReader]
    serializer_class = serializers.SearchResultSerializer
    filter_backends: Sequence[Any] = []

    @extend_schema(
        parameters=[OpenApiParameter("q", OpenApiTypes.STR, required=True, description="Words to find.")],
        responses=serializers.SearchResultSerializer(many=True),
    )
    def list(self, request: Request) -> Response:
        query = request.query_params.get("q", "").replace("\x00", "").strip()
        if not query:
            raise ValidationError({"q": ["Give words to search for, e.g. ?q=failover."]})
        if len(query) > 200:
            raise ValidationError({"q": ["Search for at most 200 characters."]})
        rows = self.paginate_queryset(selectors.search(request.user, query))
        return self.get_paginated_response(serializers.SearchResultSerializer(rows, many=True).data)


router = SimpleRouter(trailing_slash=True)
router.register("pages", PageViewSet, basename="knowledge-page")
router.register("search", SearchViewSet, basename="knowledge-search")

urlpatterns = router.urls
