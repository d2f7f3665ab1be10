"""REST API of the Incidents area, mounted under /api/v1/incidents/."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from breaches.serializers import BreachNotifiedInputSerializer, BreachSerializer
from incidents import escalation, selectors, services
from incidents.models import Incident, IncidentStatus
from incidents.serializers import (
    EscalationPageSerializer,
    IncidentCreateSerializer,
    IncidentDetailSerializer,
    IncidentNoteInputSerializer,
    IncidentSerializer,
    ResolveInputSerializer,
    ReviewInputSerializer,
    ReviewSerializer,
    TimelineEntrySerializer,
)
from opsportal.paging import NarrowPagination


class IncidentFilter(django_filters.FilterSet):
    severity = django_filters.CharFilter(field_name="severity__code", help_text="Severity code, e.g. P1")
    status = django_filters.ChoiceFilter(choices=IncidentStatus.choices)
    assignee = django_filters.CharFilter(method="filter_assignee", help_text="User id or username")
    service = django_filters.CharFilter(method="filter_service", help_text="Service id or name")

    class Meta:
        model = Incident
        fields = ["severity", "status", "assignee", "service"]

    def filter_assignee(self, queryset: QuerySet[Incident], name: str, value: str) -> QuerySet[Incident]:
        return selectors.incident_list(filters={"assignee": value}).filter(pk__in=queryset.values("pk"))

    def filter_service(self, queryset: QuerySet[Incident], name: str, value: str) -> QuerySet[Incident]:
        return selectors.incident_list(filters={"service": value}).filter(pk__in=queryset.values("pk"))


class IncidentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Incidents: list (filter by severity, status, assignee, service), declare, read, acknowledge, resolve."""

    serializer_class = IncidentSerializer
    filterset_class = IncidentFilter
    pagination_class = NarrowPagination  # the urgency order is computed: sort keys, then read one page
    lookup_value_regex = r"[0-9]+"  # any other id is a 404 from the router, never a 500

    def get_queryset(self) -> QuerySet[Incident]:
        return selectors.incident_list()  # open first, most urgent first

    def get_object(self, *, write: bool = False) -> Incident:
        return selectors.incident_for_user(self.request.user, self.kwargs["pk"], write=write)

    @extend_schema(request=IncidentCreateSerializer, responses={201: IncidentSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = IncidentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        from_item = values.pop("from_item", None)
        if from_item is not None:
            values["from_item"] = selectors.from_item_for_user(request.user, from_item)
        incident = services.incident_declare(by=request.user, **values)
        return Response(
            IncidentSerializer(selectors.incident_queryset().get(pk=incident.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(responses={200: IncidentDetailSerializer})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Read one incident with its response phases and linked changes."""
        incident = self.get_object()
        # A display attribute, read by IncidentDetailSerializer's ``phases``; no model field.
        incident.phase_runs = selectors.incident_phase_runs(incident)  # type: ignore[attr-defined]
        return Response(IncidentDetailSerializer(incident, context={"request": request}).data)

    @extend_schema(request=None, responses={200: IncidentSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str) -> Response:
        """Acknowledge; 409 names who acknowledged first."""
        incident = services.incident_acknowledge(incident=self.get_object(write=True), by=request.user)
        return Response(IncidentSerializer(selectors.incident_queryset().get(pk=incident.pk)).data)

    @extend_schema(request=None, responses={200: EscalationPageSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def escalation(self, request: Request, pk: str) -> Response:
        """Dry run: who would be paged, when and by which step, if nobody acknowledges (empty once acknowledged)."""
        pages = escalation.incident_plan(self.get_object())
        return Response(EscalationPageSerializer(pages, many=True).data)

    @extend_schema(request=ResolveInputSerializer, responses={200: IncidentSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str) -> Response:
        incident = self.get_object(write=True)
        data = ResolveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = services.incident_resolve(incident=incident, by=request.user, note=data.validated_data["note"])
        return Response(IncidentSerializer(selectors.incident_queryset().get(pk=incident.pk)).data)

    @extend_schema(methods=["GET"], request=None, responses={200: TimelineEntrySerializer(many=True)})
    @extend_schema(methods=["POST"], request=IncidentNoteInputSerializer, responses={201: TimelineEntrySerializer})
    @action(detail=True, methods=["get", "post"])
    def timeline(self, request: Request, pk: str) -> Response:
        """List the timeline, or add a note (or a message to affected users)."""
        if request.method == "GET":
            incident = self.get_object()
            page = self.paginate_queryset(selectors.timeline_for(incident))
            return self.get_paginated_response(TimelineEntrySerializer(page, many=True).data)
        incident = self.get_object(write=True)
        data = IncidentNoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.incident_note_add(incident=incident, by=request.user, **data.validated_data)
        return Response(TimelineEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=BreachNotifiedInputSerializer, responses={200: BreachSerializer})
    @action(detail=True, methods=["post"], url_path="breach-notified")
    def breach_notified(self, request: Request, pk: str) -> Response:
        """Record that the regulator was notified of this incident's personal data breach (managers, admins).

        400 names ``notified_at`` (in the future, before awareness) or ``reference``; 409 when it was
        already recorded; 404 when the incident has no breach.
        """
        from breaches import selectors as breach_selectors
        from breaches import services as breach_services

        breach = breach_selectors.breach_for_user(request.user, pk, notify=True)
        data = BreachNotifiedInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        breach = breach_services.breach_record_notification(breach=breach, by=request.user, **data.validated_data)
        return Response(BreachSerializer(breach).data)

    @extend_schema(methods=["GET"], request=None, responses={200: ReviewSerializer})
    @extend_schema(methods=["PATCH"], request=ReviewInputSerializer, responses={200: ReviewSerializer})
    @action(detail=True, methods=["get", "patch"])
    def review(self, request: Request, pk: str) -> Response:
        """Read the post-incident review, or write it (``complete: true`` finishes it)."""
        incident = self.get_object(write=request.method == "PATCH")
        review = selectors.review_for(incident)
        if review is None:
            raise Http404("This incident has no review yet; it opens on resolution.")
        if request.method == "PATCH":
            data = ReviewInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            services.review_update(review=review, by=request.user, **data.validated_data)
            review = selectors.review_for(incident)
        return Response(ReviewSerializer(review).data)


router = SimpleRouter(trailing_slash=True)
router.register("", IncidentViewSet, basename="incident")

urlpatterns = router.urls
