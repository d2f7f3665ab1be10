"""Forms of the incidents pages."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from incidents.models import IncidentStatus, Service, Severity, TimelineKind
from incidents.services import REVIEW_FIELDS
from opsportal import plausible
from opsportal.roles import Role


def responders() -> Any:
    names = [Role.ONCALL.value, Role.MANAGER.value, Role.ADMIN.value]
    return get_user_model().objects.filter(is_active=True, groups__name__in=names).distinct().order_by("username")


class SeverityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Severity) -> str:
        return f"{obj.code} · {obj.name}, respond within {obj.response_text}"


class DeclareForm(forms.Form):
    """Two fields are enough at 3 a.m.: a title and a severity. The rest is optional."""

    title = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}))
    severity = SeverityChoiceField(
        queryset=Severity.objects.all(),
        to_field_name="code",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        empty_label=None,
    )
    detected_at = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="When it started, if earlier than now (your time zone).",
    )  # fmt: skip
    description = forms.CharField(
        required=False, max_length=plausible.TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )
    assignee = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False)
    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    users_affected = forms.IntegerField(required=False, min_value=0, max_value=plausible.MAX_USERS_AFFECTED)
    from_item = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    security = forms.BooleanField(
        required=False, label="Security incident", widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )
    personal_data_breach = forms.BooleanField(
        required=False, label="Personal data breach",
        help_text="Starts the 72-hour clock to notify the regulator (from now); describe it on the incident page.",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["assignee"]).queryset = responders()
        for name in ("detected_at", "description", "users_affected"):
            self.fields[name].widget.attrs["class"] = "form-control"
        self.fields["assignee"].widget.attrs["class"] = "form-select"

    def clean_detected_at(self) -> Any:
        value = self.cleaned_data.get("detected_at")
        if problem := plausible.detected_at_problem(value, now=timezone.now()):
            raise forms.ValidationError(problem)
        return value


class FilterForm(forms.Form):
    severity = forms.ModelChoiceField(
        queryset=Severity.objects.all(), to_field_name="code", required=False, empty_label="Any severity"
    )
    # Open incidents unless asked: "closed" is every incident no longer open, "all" every incident.
    status = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Open"),
            ("closed", "Closed (resolved, reviewed or closed)"),
            ("all", "All"),
            *[(value, label) for value, label in IncidentStatus.choices if value != IncidentStatus.CLOSED],
        ],
    )
    assignee = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False, empty_label="Anyone")
    service = forms.ModelChoiceField(queryset=Service.objects.all(), required=False, empty_label="Any service")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["assignee"]).queryset = responders()

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {"status": "open"}
        data = self.cleaned_data
        return {
            "severity": data["severity"].code if data.get("severity") else "",
            "status": data.get("status") or "open",
            "assignee": data["assignee"].pk if data.get("assignee") else "",
            "service": data["service"].pk if data.get("service") else "",
        }


class NoteForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)
    kind = forms.ChoiceField(
        choices=[(TimelineKind.NOTE, "Note"), (TimelineKind.MESSAGE, "Message to affected users")],
        initial=TimelineKind.NOTE,
    )


class SeverityForm(forms.Form):
    severity = SeverityChoiceField(queryset=Severity.objects.all(), to_field_name="code", empty_label=None)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False, empty_label="Nobody")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["assignee"]).queryset = responders()


TEXT_MAX = plausible.TEXT_MAX_LENGTH


class ReviewForm(forms.Form):
    summary = forms.CharField(required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}))
    root_cause = forms.CharField(required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}))
    contributing_factors = forms.CharField(
        required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    lessons_learned = forms.CharField(required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}))
    preventive_measures = forms.CharField(required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}))
    complete = forms.BooleanField(required=False, label="Mark the review complete")

    field_names = REVIEW_FIELDS


class ActionItemForm(forms.Form):
    description = forms.CharField(max_length=300)
    owner = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False)
    due_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_due_date(self) -> Any:
        value = self.cleaned_data.get("due_date")
        if problem := plausible.past_problem(value, now=timezone.now(), what="due date"):
            raise forms.ValidationError(problem)
        return value

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = (
            get_user_model().objects.filter(is_active=True).order_by("username")
        )


class EscalationPreviewForm(forms.Form):
    """The dry run of a severity's policy for an incident detected at a moment (now when blank)."""

    severity = SeverityChoiceField(queryset=Severity.objects.all(), to_field_name="code", empty_label=None)
    at = forms.DateTimeField(
        required=False, label="Detected at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Your time zone; blank: now.",
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["severity"].widget.attrs["class"] = "form-select"
        self.fields["at"].widget.attrs["class"] = "form-control"
