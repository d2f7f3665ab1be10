"""Forms of the access app: a decision on a review line, a training record."""

from __future__ import annotations

from django import forms

from access.models import Decision
from access.selectors import training_people
from access.services import MAX_REASON


class DateInput(forms.DateInput):
    input_type = "date"


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.RadioSelect)
    reason = forms.CharField(max_length=MAX_REASON, widget=forms.TextInput(attrs={"placeholder": "Why"}))


class TrainingForm(forms.Form):
    person = forms.ModelChoiceField(queryset=training_people())
    topic = forms.CharField(max_length=200, initial="Security awareness")
    completed_on = forms.DateField(widget=DateInput)
    expires_on = forms.DateField(widget=DateInput)
