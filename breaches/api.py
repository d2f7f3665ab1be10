"""REST API of the breach register, mounted under /api/v1/: breaches/.

Recording the regulator's notification is an action on the incident
(``POST /api/v1/incidents/{id}/breach-notified/``, in incidents/api.py).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import mixins, viewsets
from rest_framework.permissions import BasePermission
from rest_framework.routers import SimpleRouter

from breaches import rules, selectors
from breaches.models import Breach
from breaches.serializers import BreachSerializer


class RegisterViewer(BasePermission):
    """Managers and admins read the breach register."""

    message = rules.REGISTER_REFUSAL

    def has_permission(self, request: Any, view: Any) -> bool:
        return rules.may_view_register(request.user)


class BreachViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The breach register: every personal data breach, newest awareness first (managers and admins)."""

    serializer_class = BreachSerializer
    permission_classes = [RegisterViewer]
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Breach]:
        return selectors.breach_register(self.request.user)


router = SimpleRouter(trailing_slash=True)
router.register("breaches", BreachViewSet, basename="breach")

urlpatterns = router.urls
