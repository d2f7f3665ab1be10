"""Serializers of the on-call app: the schedule JSON of the public contract, overrides, shifts."""

from __future__ import annotations

from datetime import UTC, date
from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from oncall.models import Layer, Schedule
from oncall.services import MAX_SHIFT_DAYS, LayerInput
from opsportal import plausible
from opsportal.plausible import SHORT_TEXT_MAX_LENGTH

NAMED_LENGTHS = {"daily": 1, "weekly": 7}
SHIFT_LENGTH_SCHEMA = {
    "oneOf": [
        {"type": "string", "enum": list(NAMED_LENGTHS)},
        {"type": "integer", "minimum": 1, "maximum": MAX_SHIFT_DAYS},
    ],
    "description": '"daily", "weekly" or a number of days.',
}


def shift_length_label(days: int) -> str | int:
    """Return ``"daily"``, ``"weekly"`` or the number of days, as the API shows a shift length."""
    for label, length in NAMED_LENGTHS.items():
        if length == days:
            return label
    return days


@extend_schema_field(SHIFT_LENGTH_SCHEMA)
class ShiftLengthField(serializers.Field):
    """``"daily"``, ``"weekly"`` or a number of days, read as a number of days."""

    default_error_messages = {
        "invalid": f'Give "daily", "weekly" or a whole number of days from 1 to {MAX_SHIFT_DAYS}.',
    }

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, str) and data in NAMED_LENGTHS:
            return NAMED_LENGTHS[data]
        if isinstance(data, bool) or not isinstance(data, int) or not 1 <= data <= MAX_SHIFT_DAYS:
            self.fail("invalid")
        return int(data)

    def to_representation(self, value: int) -> str | int:
        return shift_length_label(value)


@extend_schema_field({"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "09:00"})
class ClockTimeField(serializers.TimeField):
    """A local wall-clock time written "HH:MM"."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", input_formats=["%H:%M"], **kwargs)


def _clock_time(**kwargs: Any) -> serializers.TimeField:
    return ClockTimeField(**kwargs)


class LayerSerializer(serializers.Serializer):
    """One layer: members by username in rotation order, shift length, handoff time, optional limits."""

    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(
        choices=Layer.Role.choices,
        default=Layer.Role.PRIMARY,
        help_text='"backup": the layer names the secondary instead of the next person in the rotation.',
    )
    members = serializers.ListField(
        child=serializers.CharField(max_length=150), min_length=1, max_length=100, help_text="Usernames, in order."
    )
    shift_length = ShiftLengthField()
    handoff_time = _clock_time(help_text='Local "HH:MM" in the schedule\'s zone.')
    starts_on = serializers.DateField(help_text="The first shift starts at the handoff time on this date.")
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        min_length=1,
        max_length=7,
        required=False,
        allow_null=True,
        default=None,
        help_text="Only on these weekdays, Monday 0.",
    )
    hours = serializers.ListField(
        child=_clock_time(),
        min_length=2,
        max_length=2,
        required=False,
        allow_null=True,
        default=None,
        help_text='["HH:MM", "HH:MM"]: only between these local times (an end before the start crosses midnight).',
    )

    def validate_members(self, value: list[str]) -> list[Any]:
        users = {user.username: user for user in get_user_model().objects.filter(username__in=value)}
        unknown = [name for name in value if name not in users]
        if unknown:
            raise serializers.ValidationError(f"Unknown users: {', '.join(unknown)}.")
        return [users[name] for name in value]

    def validate_starts_on(self, value: date) -> date:
        if not date(2000, 1, 1) <= value < date(2100, 1, 1):
            raise serializers.ValidationError("The rotation must start between 2000 and 2099.")
        return value

    def to_representation(self, instance: Layer) -> dict[str, Any]:
        members = sorted(instance.members.all(), key=lambda m: (m.position, m.pk))
        return {
            "name": instance.name,
            "role": instance.role,
            "members": [member.user.get_username() for member in members],
            "shift_length": shift_length_label(instance.shift_days),
            "handoff_time": instance.handoff_time.strftime("%H:%M"),
            "starts_on": instance.starts_on.isoformat(),
            "weekdays": instance.weekdays,
            "hours": (
                [instance.hours_start.strftime("%H:%M"), instance.hours_end.strftime("%H:%M")]
                if instance.hours_start and instance.hours_end
                else None
            ),
        }


def layer_inputs(data: list[dict[str, Any]]) -> list[LayerInput]:
    """Return the validated layers as service inputs."""
    return [
        LayerInput(
            members=item["members"],
            shift_days=item["shift_length"],
            handoff_time=item["handoff_time"],
            starts_on=item["starts_on"],
            weekdays=item.get("weekdays"),
            hours=(item["hours"][0], item["hours"][1]) if item.get("hours") else None,
            role=item.get("role", Layer.Role.PRIMARY),
            name=item.get("name", ""),
        )
        for item in data
    ]


class ScheduleSerializer(serializers.Serializer):
    """A schedule: name, time zone and layers (the layer listed last wins where layers overlap)."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=200)
    time_zone = serializers.CharField(max_length=64, help_text="An IANA zone, e.g. Europe/London.")
    layers = LayerSerializer(many=True)

    def to_representation(self, instance: Schedule) -> dict[str, Any]:
        layers = sorted(instance.layers.all(), key=lambda layer: (layer.position, layer.pk))
        return {
            "id": instance.pk,
            "name": instance.name,
            "time_zone": instance.time_zone,
            "layers": [LayerSerializer(layer).data for layer in layers],
        }


class OnCallSerializer(serializers.Serializer):
    """Who is on call at an instant."""

    primary = serializers.CharField(allow_null=True, help_text="Username, or null when nobody is on call.")
    secondary = serializers.CharField(allow_null=True)
    until = serializers.DateTimeField(default_timezone=UTC, help_text="When the primary or secondary next changes.")


class ShiftSerializer(serializers.Serializer):
    """A shift of a schedule."""

    user = serializers.CharField()
    start = serializers.DateTimeField(default_timezone=UTC)
    end = serializers.DateTimeField(default_timezone=UTC)
    source = serializers.ChoiceField(choices=["layer", "override"])  # type: ignore[assignment]  # a field, not Field.source
    role = serializers.ChoiceField(choices=["primary", "secondary"])


class OverrideInputSerializer(serializers.Serializer):
    user = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.filter(is_active=True),
        error_messages={"does_not_exist": "There is no active user {value}."},
    )
    start = plausible.DateTimeField()
    end = plausible.DateTimeField()
    reason = serializers.CharField(max_length=SHORT_TEXT_MAX_LENGTH, required=False, allow_blank=True, default="")


class OverrideSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.CharField(source="user.username")
    start = serializers.DateTimeField(default_timezone=UTC)
    end = serializers.DateTimeField(default_timezone=UTC)
    reason = serializers.CharField()
    created_by = serializers.CharField(source="created_by.username", allow_null=True)
