"""Serializers of the changes app: input shapes for each action, one output shape for a change."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from rest_framework import serializers

from changes.models import (
    ChangeHistory,
    ChangeIncidentLink,
    ChangeRequest,
    ChangeStatus,
    ChangeType,
    CloseCode,
    DeploymentStage,
    IncidentLinkKind,
    Level,
    StageOutcome,
    StageResult,
    StandardChangeTemplate,
)
from incidents.models import Incident
from opsportal import plausible
from opsportal.plausible import SHORT_TEXT_MAX_LENGTH, text_field


class ChangeInputSerializer(serializers.Serializer):
    """The editable content of a change (create: all optional but title; update: partial)."""

    title = serializers.CharField(max_length=200)
    change_type = serializers.ChoiceField(choices=ChangeType.choices, default=ChangeType.NORMAL)
    business_justification = text_field()
    description = text_field()
    affected_services = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    likelihood = serializers.ChoiceField(choices=Level.choices, default=Level.LOW)
    impact = serializers.ChoiceField(choices=Level.choices, default=Level.LOW)
    implementation_plan = text_field()
    rollback_plan = text_field()
    verification_plan = text_field()
    window_start = plausible.DateTimeField(required=False, allow_null=True, default=None)
    window_end = plausible.DateTimeField(required=False, allow_null=True, default=None)
    implementer = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(), required=False, allow_null=True, default=None
    )
    freeze_override_reason = text_field()
    standard_template = serializers.PrimaryKeyRelatedField(
        queryset=StandardChangeTemplate.objects.all(), required=False, allow_null=True, default=None,
        help_text="Required for a standard change: the id of an active template (GET /api/v1/changes/standard-templates/); "
        "its plans, likelihood and impact are copied.",
        error_messages={"does_not_exist": "There is no standard-change template {pk_value}."},
    )  # fmt: skip
    new_feature = serializers.BooleanField(
        default=False, help_text="Ships a new feature: a privacy impact assessment must be complete before approval."
    )
    processes_personal_data = serializers.BooleanField(
        default=False,
        help_text="Processes personal data: a privacy impact assessment must be complete before approval.",
    )


class StandardTemplateSerializer(serializers.ModelSerializer):
    """A pre-approved standard-change template."""

    class Meta:
        model = StandardChangeTemplate
        fields = [
            "id", "name", "description", "implementation_plan", "rollback_plan", "likelihood", "impact", "risk",
            "affected_services", "active",
        ]  # fmt: skip
        read_only_fields = fields


class TransitionInputSerializer(serializers.Serializer):
    to = serializers.CharField(max_length=SHORT_TEXT_MAX_LENGTH)
    reason = text_field()
    close_code = serializers.ChoiceField(choices=CloseCode.choices, required=False, allow_blank=True, default="")


class ApproveInputSerializer(serializers.Serializer):
    comment = text_field()


class RejectInputSerializer(serializers.Serializer):
    reason = text_field()


class StageInputSerializer(serializers.Serializer):
    stage = serializers.SlugRelatedField(slug_field="name", queryset=DeploymentStage.objects.all())
    outcome = serializers.ChoiceField(choices=StageOutcome.choices)
    evidence = text_field()
    rolled_back = text_field()


class HistorySerializer(serializers.ModelSerializer):
    actor: serializers.StringRelatedField[User] = serializers.StringRelatedField(allow_null=True)

    class Meta:
        model = ChangeHistory
        fields = ["kind", "actor", "at", "from_status", "to_status", "message"]


class StageResultSerializer(serializers.ModelSerializer):
    stage: serializers.StringRelatedField[DeploymentStage] = serializers.StringRelatedField()
    recorded_by: serializers.StringRelatedField[User] = serializers.StringRelatedField()

    class Meta:
        model = StageResult
        fields = ["id", "stage", "outcome", "recorded_by", "recorded_at", "evidence", "rolled_back"]


class ChangeSerializer(serializers.ModelSerializer):
    """A change as the API shows it."""

    requester: serializers.StringRelatedField[User] = serializers.StringRelatedField()
    implementer: serializers.StringRelatedField[User] = serializers.StringRelatedField(allow_null=True)
    approved_by: serializers.StringRelatedField[User] = serializers.StringRelatedField(allow_null=True)
    status = serializers.ChoiceField(choices=ChangeStatus.choices, read_only=True)
    close_code = serializers.ChoiceField(choices=CloseCode.choices, allow_blank=True, read_only=True)

    class Meta:
        model = ChangeRequest
        fields = [
            "id", "title", "change_type", "status", "business_justification", "description", "affected_services",
            "likelihood", "impact", "risk", "risk_rule", "implementation_plan", "rollback_plan", "verification_plan",
            "window_start", "window_end", "requester", "implementer", "approved_by", "approved_at",
            "freeze_override_reason", "close_code", "standard_template", "early_start_reason", "created_at", "updated_at", "status_changed_at", "completed_at",
            "new_feature", "processes_personal_data",
        ]  # fmt: skip
        read_only_fields = fields


class IncidentLinkSerializer(serializers.ModelSerializer):
    """An incident linked to a change: caused by it, or related."""

    incident = serializers.IntegerField(source="incident_id")
    title = serializers.CharField(source="incident.title")
    severity = serializers.CharField(source="incident.severity.code")
    status = serializers.CharField(source="incident.status")
    linked_by: serializers.StringRelatedField[User] = serializers.StringRelatedField(allow_null=True)

    class Meta:
        model = ChangeIncidentLink
        fields = ["incident", "kind", "title", "severity", "status", "linked_by", "linked_at"]
        read_only_fields = fields


class IncidentLinkInputSerializer(serializers.Serializer):
    incident = serializers.PrimaryKeyRelatedField(
        queryset=Incident.objects.all(),
        error_messages={"does_not_exist": "There is no incident {pk_value}; give its number."},
    )
    kind = serializers.ChoiceField(choices=IncidentLinkKind.choices, default=IncidentLinkKind.RELATED)


class ChangeDetailSerializer(ChangeSerializer):
    history = HistorySerializer(many=True, read_only=True)
    stage_results = StageResultSerializer(many=True, read_only=True)
    incidents = IncidentLinkSerializer(source="incident_links", many=True, read_only=True)

    class Meta(ChangeSerializer.Meta):
        fields = [*ChangeSerializer.Meta.fields, "history", "stage_results", "incidents"]
        read_only_fields = fields
