"""Forms of the checklists app: the inputs of ticking and the history filters."""

from __future__ import annotations

from typing import Any

from django import forms

from checklists.models import NOTE_MAX_LENGTH, ChecklistTemplate, RunStatus
from checklists.schedule import WEEKDAY_NAMES


class NoteForm(forms.Form):
    """A note written on an item (when ticking it, or on its own)."""

    note = forms.CharField(
        required=False,
        max_length=NOTE_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": f"Keep the note to {NOTE_MAX_LENGTH} characters (this one has %(show_value)d)."},
    )


class ProblemForm(forms.Form):
    """What is wrong, when an item is marked "problem found"."""

    problem_note = forms.CharField(
        max_length=NOTE_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": "Say what the problem is.",
            "max_length": f"Keep it to {NOTE_MAX_LENGTH} characters.",
        },
    )


class HistoryFilterForm(forms.Form):
    """Filters of the history page."""

    template = forms.ModelChoiceField(
        queryset=ChecklistTemplate.objects.order_by("name"), required=False, empty_label="All checklists"
    )
    status = forms.ChoiceField(choices=[("", "Any status"), *RunStatus.choices], required=False)
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select form-select-sm" if is_select else "form-control form-control-sm"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date is before the start date.")
        return data


class ChecklistTemplateAdminForm(forms.ModelForm):
    """Admin form that edits weekdays as checkboxes instead of raw JSON."""

    weekdays = forms.TypedMultipleChoiceField(
        choices=list(enumerate(WEEKDAY_NAMES)),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Weekly: the days it runs. Daily: leave empty for every day, or pick the days.",
    )

    class Meta:
        model = ChecklistTemplate
        fields = [
            "name", "key", "description", "owner_group", "is_active", "frequency", "time_of_day", "weekdays",
            "week_of_month", "day_of_month", "due_after", "window_days",
        ]  # fmt: skip
