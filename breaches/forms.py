"""Forms of the breach pages; the services validate, errors land next to the fields they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from breaches.services import CATEGORIES_MAX, PEOPLE_MAX, REFERENCE_MAX, TEXT_MAX

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M")
INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class ServiceErrorsMixin:
    def apply_errors(self, error: ValidationError) -> None:
        """Put a service's ValidationError next to the fields it names."""
        form: Any = self
        for field, messages in getattr(error, "message_dict", {"__all__": error.messages}).items():
            form.add_error(field if field in form.fields else None, messages)


class BreachFlagForm(ServiceErrorsMixin, forms.Form):
    """Flag an incident "security" / "personal data breach" and describe the breach."""

    security = forms.BooleanField(required=False, label="Security incident")
    personal_data_breach = forms.BooleanField(
        required=False, label="Personal data breach", help_text="Starts the 72-hour clock to notify the regulator."
    )
    aware_at = forms.DateTimeField(
        required=False, widget=DATETIME_INPUT, input_formats=INPUT_FORMATS, label="Aware since",
        help_text="When the team became aware (your time zone); empty: now.",
    )  # fmt: skip
    what_happened = forms.CharField(
        required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"})
    )
    categories = forms.CharField(
        required=False, max_length=CATEGORIES_MAX, label="Categories of personal data",
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "e.g. names, e-mail addresses"}),
    )  # fmt: skip
    people_affected = forms.IntegerField(
        required=False, min_value=0, max_value=PEOPLE_MAX, label="People affected (approximately)",
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("security", "personal_data_breach"):
            self.fields[name].widget.attrs["class"] = "form-check-input"


class NotificationForm(ServiceErrorsMixin, forms.Form):
    """Record when the regulator was notified, and its reference."""

    notified_at = forms.DateTimeField(
        widget=DATETIME_INPUT, input_formats=INPUT_FORMATS, label="Notified at", help_text="Your time zone."
    )
    reference = forms.CharField(max_length=REFERENCE_MAX, widget=forms.TextInput(attrs={"class": "form-control"}))
