"""Serializers of the incidents API: input serializers validate, output serializers render."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from incidents.models import (
    ActionItem,
    Incident,
    IncidentEscalationStep,
    PostIncidentReview,
    Service,
    Severity,
    TimelineEntry,
    TimelineKind,
)
from incidents.services import REVIEW_FIELDS
from opsportal import plausible
from opsportal.plausible import TEXT_MAX_LENGTH, text_field


class IncidentSerializer(serializers.ModelSerializer):
    severity = serializers.CharField(source="severity.code")
    severity_name = serializers.CharField(source="severity.name")
    assignee = serializers.CharField(source="assignee.username", default=None, allow_null=True)
    acknowledged_by = serializers.CharField(source="acknowledged_by.username", default=None, allow_null=True)
    services: serializers.SlugRelatedField[Service] = serializers.SlugRelatedField(
        slug_field="name", many=True, read_only=True
    )
    from_item = serializers.IntegerField(source="from_item_id", allow_null=True)
    response_breached = serializers.BooleanField()
    regulator_notification_due_at = serializers.DateTimeField(
        source="breach.deadline_at", default=None, allow_null=True,
        help_text="A personal data breach: notify the regulator by then (72 hours after awareness); else null.",
    )  # fmt: skip

    class Meta:
        model = Incident
        fields = [
            "id", "title", "description", "severity", "severity_name", "status", "detected_at", "declared_at",
            "response_due_at", "sla_response_minutes", "sla_business_hours_only", "sla_text", "response_breached",
            "acknowledged_at", "acknowledged_by", "resolved_at", "closed_at",
            "assignee", "services", "users_affected", "from_item",
            "security", "personal_data_breach", "regulator_notification_due_at",
        ]  # fmt: skip
        read_only_fields = fields


class PhaseRunSerializer(serializers.Serializer):
    """A response phase of an incident: a checklist run (tick its items through the checklists API)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField()
    opens_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    items_done = serializers.IntegerField()
    items_total = serializers.IntegerField()
    url = serializers.CharField(source="get_absolute_url")


class IncidentEscalationStepSerializer(serializers.ModelSerializer):
    """A step of the incident's escalation plan: whom it pages (``target`` and its ``schedule``, ``group`` or ``user``)."""

    step = serializers.IntegerField(source="position")
    schedule = serializers.CharField(source="schedule.name", default=None, allow_null=True)
    group = serializers.CharField(source="group.name", default=None, allow_null=True)
    user = serializers.CharField(source="user.username", default=None, allow_null=True)

    class Meta:
        model = IncidentEscalationStep
        fields = [
            "step", "delay_minutes", "target", "schedule", "group", "user",
            "repeat_every_minutes", "max_repeats", "rounds_sent", "next_due_at",
        ]  # fmt: skip
        read_only_fields = fields


class EscalationPageSerializer(serializers.Serializer):
    """One page of the dry run: who would be paged, when, by which step, if nobody acknowledges."""

    at = serializers.DateTimeField()
    users = serializers.ListField(child=serializers.CharField())
    step = serializers.IntegerField()


class IncidentDetailSerializer(IncidentSerializer):
    phases = PhaseRunSerializer(source="phase_runs", many=True, read_only=True)
    escalation_steps = IncidentEscalationStepSerializer(many=True, read_only=True)

    class Meta(IncidentSerializer.Meta):
        fields = [*IncidentSerializer.Meta.fields, "phases", "escalation_steps"]
        read_only_fields = fields


class IncidentCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    severity = serializers.SlugRelatedField(
        slug_field="code", queryset=Severity.objects.all(),
        error_messages={"does_not_exist": "Unknown severity {value}; use one of the severity codes such as P1."},
    )  # fmt: skip
    detected_at = plausible.DateTimeField(required=False, allow_null=True)
    description = text_field()
    assignee = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.filter(is_active=True), required=False, allow_null=True
    )
    services = serializers.SlugRelatedField(
        slug_field="name", queryset=Service.objects.all(), many=True, required=False
    )
    users_affected = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=plausible.MAX_USERS_AFFECTED
    )
    from_item = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    security = serializers.BooleanField(default=False)
    personal_data_breach = serializers.BooleanField(
        default=False, help_text="Starts the regulator's 72-hour notification clock (aware now)."
    )


class TimelineEntrySerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", default=None, allow_null=True)

    class Meta:
        model = TimelineEntry
        fields = ["id", "kind", "author", "created_at", "text", "from_value", "to_value"]
        read_only_fields = fields


class IncidentNoteInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)
    kind = serializers.ChoiceField(choices=[TimelineKind.NOTE, TimelineKind.MESSAGE], default=TimelineKind.NOTE)


class ResolveInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class ActionItemSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username", default=None, allow_null=True)

    class Meta:
        model = ActionItem
        fields = ["id", "description", "owner", "due_date", "done", "done_at"]
        read_only_fields = fields


class ReviewSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username", default=None, allow_null=True)
    completed_by = serializers.CharField(source="completed_by.username", default=None, allow_null=True)
    action_items = ActionItemSerializer(many=True, read_only=True)

    class Meta:
        model = PostIncidentReview
        fields = ["incident", "owner", "due_at", *REVIEW_FIELDS, "completed_at", "completed_by", "action_items"]
        read_only_fields = fields


class ReviewInputSerializer(serializers.Serializer):
    summary = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX_LENGTH)
    root_cause = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX_LENGTH)
    contributing_factors = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX_LENGTH)
    lessons_learned = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX_LENGTH)
    preventive_measures = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX_LENGTH)
    complete = serializers.BooleanField(required=False, default=False)
