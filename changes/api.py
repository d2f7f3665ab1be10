"""REST API of the Changes area, mounted under /api/v1/changes/.

Every action: input serializer → service → output serializer. Errors use the one error shape
(opsportal.api) and name the field: services raise ValidationError({"field": "message"}).
"""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from changes import rules, selectors, services
from changes.models import ChangeRequest, ChangeStatus, ChangeType, Level, StandardChangeTemplate
from changes.serializers import (
    ApproveInputSerializer,
    ChangeDetailSerializer,
    ChangeInputSerializer,
    ChangeSerializer,
    IncidentLinkInputSerializer,
    IncidentLinkSerializer,
    RejectInputSerializer,
    StageInputSerializer,
    StageResultSerializer,
    StandardTemplateSerializer,
    TransitionInputSerializer,
)
from opsportal import plausible


class MayViewChanges(BasePermission):
    """Admit users who may see change data (``rules.may_view_changes``)."""

    message = rules.VIEW_REFUSAL

    def has_permission(self, request: Request, view: object) -> bool:
        return bool(request.user and request.user.is_authenticated and rules.may_view_changes(request.user))


class ChangeFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ChangeStatus.choices)
    type = django_filters.ChoiceFilter(field_name="change_type", choices=ChangeType.choices)
    risk = django_filters.ChoiceFilter(choices=Level.choices)
    service = django_filters.CharFilter(field_name="affected_services", lookup_expr="icontains")
    window_from = plausible.IsoDateTimeFilter(field_name="window_end", lookup_expr="gte")
    window_to = plausible.IsoDateTimeFilter(field_name="window_start", lookup_expr="lte")

    class Meta:
        model = ChangeRequest
        fields = ["status", "type", "risk", "service", "window_from", "window_to"]


@extend_schema_view(
    create=extend_schema(request=ChangeInputSerializer, responses={201: ChangeSerializer}),
    update=extend_schema(request=ChangeInputSerializer, responses=ChangeSerializer),
    partial_update=extend_schema(request=ChangeInputSerializer, responses=ChangeSerializer),
)
class ChangeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Change requests: read by everyone in the area; raised, edited and moved as the workflow allows."""

    permission_classes = [MayViewChanges]
    filterset_class = ChangeFilter
    lookup_value_regex = r"[0-9]+"  # any other id is a 404 from the router, never a 500
    ordering_fields = ["created_at", "window_start", "risk", "status"]
    serializer_class = ChangeSerializer

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return ChangeInputSerializer
        if self.action == "retrieve":
            return ChangeDetailSerializer
        return ChangeSerializer

    def get_queryset(self):
        return selectors.change_list()

    def get_object(self) -> ChangeRequest:
        return selectors.change_for_user(self.request.user, self.kwargs["pk"])

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ChangeDetailSerializer(selectors.change_with_details(self.get_object())).data)

    def create(self, request: Request) -> Response:
        data = ChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        change = services.change_create(
            by=request.user, data=values, freeze_override_reason=values.pop("freeze_override_reason", "")
        )
        return Response(ChangeSerializer(change).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        change = selectors.change_for_user(request.user, pk, write=True)
        data = ChangeInputSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if partial:  # only the fields sent, not the serializer's defaults
            values = {name: value for name, value in values.items() if name in request.data}
        change = services.change_update(
            change=change, by=request.user, data=values, freeze_override_reason=values.pop("freeze_override_reason", "")
        )
        return Response(ChangeSerializer(change).data)

    def destroy(self, request: Request, pk: str) -> Response:
        change = self.get_object()
        rules.require(rules.may_delete(request.user, change), "Only admins delete change requests.")
        services.change_delete(change=change, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=TransitionInputSerializer, responses=ChangeSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str) -> Response:
        """Move the change: body {"to": status, "reason": "...", "close_code": "..."}."""
        change = self.get_object()
        data = TransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change = services.change_transition(change=change, by=request.user, **data.validated_data)
        return Response(ChangeSerializer(change).data)

    @extend_schema(request=ApproveInputSerializer, responses=ChangeSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        change = self.get_object()
        data = ApproveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change = services.change_approve(change=change, by=request.user, **data.validated_data)
        return Response(ChangeSerializer(change).data)

    @extend_schema(request=RejectInputSerializer, responses=ChangeSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        change = self.get_object()
        data = RejectInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change = services.change_reject(change=change, by=request.user, **data.validated_data)
        return Response(ChangeSerializer(change).data)

    @extend_schema(methods=["GET"], request=None, responses=StageResultSerializer(many=True))
    @extend_schema(methods=["POST"], request=StageInputSerializer, responses={201: StageResultSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None)  # the whole list, unpaginated
    def stages(self, request: Request, pk: str) -> Response:
        """GET: the stage results; POST {"stage": name, "outcome": ..., "evidence", "rolled_back"}: record one."""
        change = self.get_object()
        if request.method == "GET":
            return Response(
                StageResultSerializer(change.stage_results.select_related("stage", "recorded_by"), many=True).data
            )
        rules.require(rules.may_work(request.user), "Only on-call engineers record deployment stages.")
        data = StageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.change_stage_record(change=change, by=request.user, **data.validated_data)
        return Response(StageResultSerializer(result).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], request=None, responses=IncidentLinkSerializer(many=True))
    @extend_schema(methods=["POST"], request=IncidentLinkInputSerializer, responses={201: IncidentLinkSerializer})
    @extend_schema(
        methods=["DELETE"], request=None, responses={204: None},
        parameters=[OpenApiParameter("incident", int, description="The incident to unlink.")],
    )  # fmt: skip
    @action(detail=True, methods=["get", "post", "delete"], pagination_class=None)  # the whole list, unpaginated
    def incidents(self, request: Request, pk: str) -> Response:
        """GET: the linked incidents; POST {"incident": id, "kind": "caused"|"related"}: link (or change the
        kind); DELETE ?incident=id: unlink."""
        change = self.get_object()
        if request.method == "GET":
            return Response(IncidentLinkSerializer(selectors.change_incident_links(change), many=True).data)
        if request.method == "DELETE":
            data = IncidentLinkInputSerializer(data={"incident": request.query_params.get("incident")})
            data.is_valid(raise_exception=True)
            if not services.change_unlink_incident(
                change=change, incident=data.validated_data["incident"], by=request.user
            ):
                raise NotFound("That incident is not linked to this change.")
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = IncidentLinkInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        link = services.change_link_incident(change=change, by=request.user, **data.validated_data)
        link = selectors.change_incident_links(change).get(pk=link.pk)
        return Response(IncidentLinkSerializer(link).data, status=status.HTTP_201_CREATED)


class StandardTemplateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The catalogue of pre-approved standard-change templates (kept by admins in Django admin)."""

    permission_classes = [MayViewChanges]
    serializer_class = StandardTemplateSerializer
    filterset_fields = ["active"]

    def get_queryset(self):
        return StandardChangeTemplate.objects.order_by("name")


router = SimpleRouter(trailing_slash=True)
# Registered before the changes, whose {id}/ route would otherwise claim "standard-templates".
router.register(r"standard-templates", StandardTemplateViewSet, basename="standard-template")
router.register(r"", ChangeViewSet, basename="change")

urlpatterns = router.urls
