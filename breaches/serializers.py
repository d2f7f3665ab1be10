"""Serializers of the breaches API: the register's rows and the notification input."""

from __future__ import annotations

from rest_framework import serializers

from breaches.models import Breach
from breaches.selectors import deadline_state
from opsportal import plausible


class BreachSerializer(serializers.ModelSerializer):
    """A personal data breach: what happened, when the team became aware, the deadline and the notification."""

    incident_title = serializers.CharField(source="incident.title", read_only=True)
    notified_by = serializers.CharField(source="notified_by.username", default=None, allow_null=True)
    deadline_met = serializers.BooleanField(
        allow_null=True, help_text="True/false once notified (within 72 hours or not); null while not notified."
    )
    overdue = serializers.SerializerMethodField(help_text="Not notified and the deadline has passed.")

    class Meta:
        model = Breach
        fields = [
            "id", "incident", "incident_title", "aware_at", "deadline_at", "what_happened", "categories",
            "people_affected", "notified_at", "notification_reference", "notified_by", "deadline_met", "overdue",
        ]  # fmt: skip
        read_only_fields = fields

    def get_overdue(self, breach: Breach) -> bool:
        return deadline_state(breach).code == "overdue"


class BreachNotifiedInputSerializer(serializers.Serializer):
    notified_at = plausible.DateTimeField(help_text="When the regulator was notified (not in the future).")
    reference = serializers.CharField(max_length=200, help_text="The regulator's or the submission's reference.")
