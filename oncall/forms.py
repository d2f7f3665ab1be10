"""Forms of the on-call page: a manager's override."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from oncall.models import Schedule


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
