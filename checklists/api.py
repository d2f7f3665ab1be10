"""REST API of the Checklists area, mounted under /api/v1/checklists/.

- ``templates/`` and ``templates/{id}/``: templates with their schedule and items.
- ``runs/`` filterable by ``date`` (runs that open on that local date), ``status`` and
  ``template`` (id); ``runs/{id}/``: one run with its items.
- Item actions, on the item's own URL: ``POST items/{id}/tick/`` (optional ``note``),
  ``items/{id}/untick/``, ``items/{id}/note/`` (``note``), ``items/{id}/problem/``
  (``problem_note``). Only members of the owning group, managers and admins may use them
  (:mod:`checklists.rules`); others get 403 with a message. A run whose window has ended,
  or a calendar run that has not opened yet, answers 409 saying why (and when it opens).
  ``GET items/{id}/`` returns the item.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from checklists import selectors, services
from checklists.models import ChecklistItem, ChecklistRun, ChecklistTemplate, RunItem, RunStatus
from checklists.serializers import (
    ChecklistRunDetailSerializer,
    ChecklistRunSerializer,
    ChecklistTemplateSerializer,
    EmptyInputSerializer,
    NoteInputSerializer,
    ProblemInputSerializer,
    RunItemSerializer,
    TickInputSerializer,
)
from opsportal.permissions import area_permission


class TemplateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """List checklist templates with their schedule and items, or read one."""

    serializer_class = ChecklistTemplateSerializer
    permission_classes = [area_permission("checklists")]
    filterset_fields = ["frequency", "is_active"]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[ChecklistTemplate]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return ChecklistTemplate.objects.none()
        return selectors.templates_visible(self.request.user).prefetch_related(
            Prefetch("items", queryset=ChecklistItem.objects.order_by("position", "pk"))
        )


class RunFilter(django_filters.FilterSet):
    date = django_filters.DateFilter(field_name="period_date", help_text="Runs that open on this local date.")
    status = django_filters.ChoiceFilter(choices=RunStatus.choices)
    template = django_filters.NumberFilter(field_name="template_id")

    class Meta:
        model = ChecklistRun
        fields = ["date", "status", "template"]


class RunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """List checklist runs (filter by ``date``, ``status``, ``template``), or read one with its items."""

    permission_classes = [area_permission("checklists")]
    filterset_class = RunFilter
    lookup_value_regex = r"[0-9]+"
    ordering_fields = ["opens_at", "period_date", "name"]

    def get_queryset(self) -> QuerySet[ChecklistRun]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return ChecklistRun.objects.none()
        runs = selectors.runs_visible(self.request.user).order_by("opens_at", "name", "pk")
        if self.action == "retrieve":
            runs = runs.prefetch_related(
                Prefetch(
                    "items", queryset=RunItem.objects.select_related("done_by", "problem_by").order_by("position", "pk")
                )
            )
        return runs

    def get_serializer_class(self) -> type:
        return ChecklistRunDetailSerializer if self.action == "retrieve" else ChecklistRunSerializer


@extend_schema_view(
    tick=extend_schema(responses=RunItemSerializer),
    untick=extend_schema(responses=RunItemSerializer),
    note=extend_schema(responses=RunItemSerializer),
    problem=extend_schema(responses=RunItemSerializer),
)
class RunItemViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Read a run item, or tick, untick, note or flag it: ``/api/v1/checklists/items/{id}/tick/``."""

    serializer_class = RunItemSerializer
    permission_classes = [area_permission("checklists")]
    queryset = RunItem.objects.none()
    lookup_value_regex = r"\d+"

    def get_object(self) -> RunItem:
        write = self.request.method not in ("GET", "HEAD", "OPTIONS")
        return selectors.run_item_for_user(self.request.user, int(self.kwargs["pk"]), write=write)

    def _answer(self, item: RunItem) -> Response:
        return Response(RunItemSerializer(item).data)

    @action(detail=True, methods=["post"], serializer_class=TickInputSerializer)
    def tick(self, request: Request, pk: Any = None) -> Response:
        """Tick the item as done by you; ``note`` is required for "evidence required" items."""
        item = self.get_object()
        data = self._input(TickInputSerializer, request)
        return self._answer(services.run_item_tick(item=item, by=request.user, note=data["note"]))

    @action(detail=True, methods=["post"], serializer_class=EmptyInputSerializer)
    def untick(self, request: Request, pk: Any = None) -> Response:
        """Clear the item's tick."""
        return self._answer(services.run_item_untick(item=self.get_object(), by=request.user))

    @action(detail=True, methods=["post"], serializer_class=NoteInputSerializer)
    def note(self, request: Request, pk: Any = None) -> Response:
        """Write the item's note (empty clears it)."""
        item = self.get_object()
        data = self._input(NoteInputSerializer, request)
        return self._answer(services.run_item_note(item=item, by=request.user, note=data["note"]))

    @action(detail=True, methods=["post"], serializer_class=ProblemInputSerializer)
    def problem(self, request: Request, pk: Any = None) -> Response:
        """Mark the item "problem found" with ``problem_note``."""
        item = self.get_object()
        data = self._input(ProblemInputSerializer, request)
        return self._answer(services.run_item_flag_problem(item=item, by=request.user, note=data["problem_note"]))

    @staticmethod
    def _input(serializer_class: type, request: Request) -> dict[str, Any]:
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


router = SimpleRouter(trailing_slash=True)
router.register("templates", TemplateViewSet, basename="checklist-template")
router.register("runs", RunViewSet, basename="checklist-run")
router.register("items", RunItemViewSet, basename="checklist-run-item")

urlpatterns = router.urls
