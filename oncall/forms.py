"""Forms of the on-call pages: a manager's override, and a schedule with its layers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from oncall.models import Layer, Schedule
from oncall.services import MAX_LAYERS, LayerInput


class OverrideForm(forms.Form):
    """Let one person cover a schedule during a window (times in the viewer's zone)."""

    schedule = forms.ModelChoiceField(queryset=Schedule.objects.all())
    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True, groups__isnull=False).distinct().order_by("username"),
        label="Who covers",
    )
    start = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    end = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    reason = forms.CharField(max_length=500, required=False)


WEEKDAY_CHOICES = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]


class ScheduleForm(forms.Form):
    """A schedule's name and time zone; its layers come from ``LayerFormSet``."""

    name = forms.CharField(max_length=200)
    time_zone = forms.CharField(max_length=64, initial="UTC", help_text="A zone name, e.g. Europe/London.")


class LayerForm(forms.Form):
    """One layer: members in rotation order, shift length, handoff, start, optional weekdays and hours."""

    name = forms.CharField(max_length=100, required=False)
    role = forms.ChoiceField(choices=Layer.Role.choices, initial=Layer.Role.PRIMARY)
    members = forms.CharField(
        max_length=5000, help_text="Usernames in rotation order, separated by commas, e.g. alice, bob, carol."
    )
    shift_days = forms.IntegerField(
        min_value=1, max_value=366, initial=7, label="Shift length (days)", help_text="1 daily, 7 weekly, or N days."
    )
    handoff_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    starts_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Optional: only on these days (none: every day).",
    )
    hours_start = forms.TimeField(
        required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), label="Hours from"
    )
    hours_end = forms.TimeField(
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        label="Hours until",
        help_text="Optional: only between these times (none: all day).",
    )

    def clean_members(self) -> list[Any]:
        """Return the users named, in order; name every unknown username."""
        names = [part.strip() for part in self.cleaned_data["members"].split(",") if part.strip()]
        if not names:
            raise forms.ValidationError("Name at least one member.")
        found = {user.get_username(): user for user in get_user_model().objects.filter(username__in=names)}
        unknown = [name for name in names if name not in found]
        if unknown:
            raise forms.ValidationError(f"No such user: {', '.join(unknown)}.")
        return [found[name] for name in names]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("hours_start") is None) != (data.get("hours_end") is None) and not self.has_error("hours_start"):
            self.add_error("hours_end", "Give both ends of the hours, or neither.")
        return data

    def layer_input(self) -> LayerInput:
        """Return the layer as the services take it."""
        data = self.cleaned_data
        hours = (data["hours_start"], data["hours_end"]) if data.get("hours_start") is not None else None
        return LayerInput(
            members=data["members"],
            shift_days=data["shift_days"],
            handoff_time=data["handoff_time"],
            starts_on=data["starts_on"],
            weekdays=data["weekdays"] or None,
            hours=hours,
            role=data["role"],
            name=data["name"],
        )


LayerFormSet = forms.formset_factory(LayerForm, extra=1, can_delete=True, max_num=MAX_LAYERS, validate_max=True)


def layer_initial(schedule: Schedule) -> list[dict[str, Any]]:
    """Return the schedule's layers as the formset's initial data (from a prefetched schedule)."""
    rows = []
    for layer in sorted(schedule.layers.all(), key=lambda item: (item.position, item.pk)):
        members = sorted(layer.members.all(), key=lambda member: (member.position, member.pk))
        rows.append(
            {
                "name": layer.name,
                "role": layer.role,
                "members": ", ".join(member.user.get_username() for member in members),
                "shift_days": layer.shift_days,
                "handoff_time": layer.handoff_time,
                "starts_on": layer.starts_on,
                "weekdays": layer.weekdays or [],
                "hours_start": layer.hours_start,
                "hours_end": layer.hours_end,
            }
        )
    return rows
