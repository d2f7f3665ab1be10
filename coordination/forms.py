"""Forms of team coordination: minutes, action items, skills, vendors and incident links."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from coordination.models import Vendor
from incidents.models import Service
from knowledge.models import Page

MAX_MINUTES = 20000


def people() -> Any:
    """Return the active users who hold a portal role, by username."""
    return get_user_model().objects.filter(is_active=True, groups__isnull=False).distinct().order_by("username")


class DateInput(forms.DateInput):
    input_type = "date"


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label="What was said and decided",
        max_length=MAX_MINUTES,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        strip=False,
    )


class ActionItemForm(forms.Form):
    description = forms.CharField(max_length=300)
    owner = forms.ModelChoiceField(queryset=people())
    due_date = forms.DateField(widget=DateInput)


class SkillForm(forms.Form):
    user = forms.ModelChoiceField(queryset=people(), label="Person")
    service = forms.ModelChoiceField(queryset=Service.objects.order_by("name"))
    trained_on = forms.DateField(widget=DateInput)
    expires_on = forms.DateField(widget=DateInput, required=False, help_text="Blank: does not expire.")
    notes = forms.CharField(max_length=300, required=False)
    runbook = forms.ModelChoiceField(
        queryset=Page.objects.filter(published_version__isnull=False).order_by("title"),
        required=False,
        help_text="The runbook the training was on (optional).",
    )


class VendorForm(forms.ModelForm):
    class Meta:
        model = Vendor
        fields = ["name", "services", "support_contact", "escalation_contact", "contract_end", "notes"]
        widgets = {
            "services": forms.CheckboxSelectMultiple,
            "contract_end": DateInput,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def validate_unique(self) -> None:
        """Leave uniqueness to the service, which names the field."""


class VendorLinkForm(forms.Form):
    vendor = forms.ModelChoiceField(queryset=Vendor.objects.order_by("name"))
