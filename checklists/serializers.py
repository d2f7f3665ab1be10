"""Serializers of the checklists API: input of item actions, output of templates and runs."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from checklists.models import NOTE_MAX_LENGTH, ChecklistItem, ChecklistRun, ChecklistTemplate, RunItem


class ChecklistItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistItem
        fields = ["id", "position", "text", "help_text", "link", "required", "evidence_required"]


@extend_schema_field(
    {"type": "string", "pattern": r"^\d{2}:\d{2}:\d{2}$", "example": "08:00:00", "nullable": True,
     "description": "Local time in the portal's time zone (no offset)."}
)  # fmt: skip
class LocalTimeField(serializers.TimeField):
    """A wall-clock time without an offset; OpenAPI's ``format: time`` would demand one."""


class ChecklistTemplateSerializer(serializers.ModelSerializer):
    owner_group = serializers.CharField(source="owner_group.name")
    time_of_day = LocalTimeField(allow_null=True, read_only=True)
    schedule = serializers.CharField(source="schedule_text")
    items = ChecklistItemSerializer(many=True)

    class Meta:
        model = ChecklistTemplate
        fields = [
            "id", "key", "name", "description", "owner_group", "frequency", "time_of_day", "weekdays",
            "week_of_month", "day_of_month", "due_after", "window_days", "is_active", "schedule", "items",
        ]  # fmt: skip


class RunItemSerializer(serializers.ModelSerializer):
    done_by = serializers.CharField(source="done_by.username", default=None, allow_null=True)
    problem_by = serializers.CharField(source="problem_by.username", default=None, allow_null=True)

    class Meta:
        model = RunItem
        fields = [
            "id", "run", "position", "text", "help_text", "link", "required", "evidence_required",
            "done_by", "done_at", "note", "problem", "problem_note", "problem_by", "problem_at",
        ]  # fmt: skip


class ChecklistRunSerializer(serializers.ModelSerializer):
    template_name = serializers.CharField(source="template.name")
    owner_group = serializers.CharField(source="template.owner_group.name")
    item_count = serializers.IntegerField(source="items_total")
    done_count = serializers.IntegerField(source="items_done")
    percent = serializers.IntegerField()

    class Meta:
        model = ChecklistRun
        fields = [
            "id", "template", "template_name", "name", "owner_group", "period_date", "opens_at", "due_at",
            "missed_at", "status", "completed_at", "item_count", "done_count", "percent",
        ]  # fmt: skip


class ChecklistRunDetailSerializer(ChecklistRunSerializer):
    items = RunItemSerializer(many=True)

    class Meta(ChecklistRunSerializer.Meta):
        fields = [*ChecklistRunSerializer.Meta.fields, "items"]


class EmptyInputSerializer(serializers.Serializer):
    """No input (untick)."""


class TickInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH, default="")


class NoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, max_length=NOTE_MAX_LENGTH)


class ProblemInputSerializer(serializers.Serializer):
    problem_note = serializers.CharField(max_length=NOTE_MAX_LENGTH)
