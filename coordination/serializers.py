"""Output serializers of the meetings and vendors API."""

from __future__ import annotations

from rest_framework import serializers

from coordination.models import Meeting, MeetingActionItem, Vendor
from incidents.models import Incident, Service


class MeetingActionItemSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.get_username", read_only=True)

    class Meta:
        model = MeetingActionItem
        fields = ["id", "description", "owner", "due_date", "done_at"]


class MeetingListSerializer(serializers.ModelSerializer):
    class Meta:
        model = Meeting
        fields = ["id", "name", "kind", "date", "starts_at", "ends_at", "opened_at"]


class MeetingSerializer(serializers.ModelSerializer):
    agenda = serializers.JSONField(read_only=True, help_text="The snapshot built when the meeting opened.")
    action_items = MeetingActionItemSerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = [*MeetingListSerializer.Meta.fields, "agenda", "minutes", "minutes_updated_at", "action_items"]


class VendorSerializer(serializers.ModelSerializer):
    services: serializers.SlugRelatedField[Service] = serializers.SlugRelatedField(
        slug_field="name", many=True, read_only=True
    )
    incidents: serializers.PrimaryKeyRelatedField[Incident] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )

    class Meta:
        model = Vendor
        fields = [
            "id",
            "name",
            "services",
            "support_contact",
            "escalation_contact",
            "contract_end",
            "notes",
            "incidents",
        ]
