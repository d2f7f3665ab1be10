"""Forms of the reporting app: one KPI value, and a CSV import with a preview."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone

from reporting.csv_io import MAX_VALUE
from reporting.selectors import manual_kpis
from reporting.services import measurement_problems

MAX_UPLOAD_BYTES = 2 * 1024 * 1024


class MeasurementForm(forms.Form):
    """Enter the value of a manual KPI on a date; a value already there is replaced."""

    kpi = forms.ModelChoiceField(queryset=manual_kpis().order_by("name"), label="KPI", empty_label="Choose a KPI…")
    date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Unparseable date: use the YYYY-MM-DD format."},
    )
    value = forms.DecimalField(
        max_digits=20,
        decimal_places=4,
        max_value=MAX_VALUE - 1,
        min_value=-(MAX_VALUE - 1),
        error_messages={"invalid": "Non-numeric value: give a number such as 1234.5."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.add_input(Submit("save", "Save value"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kpi, day, value = cleaned.get("kpi"), cleaned.get("date"), cleaned.get("value")
        if kpi is not None and day is not None and value is not None:
            today = timezone.localdate()
            for field, problem in measurement_problems(kpi=kpi, day=day, value=value, today=today).items():
                self.add_error(field, problem)
        return cleaned


class MeasurementImportForm(forms.Form):
    """Upload a CSV file (kpi,date,value) to preview; confirming re-checks and imports it."""

    file = forms.FileField(required=False, label="CSV file", help_text="Columns kpi,date,value; dates as YYYY-MM-DD.")
    content = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # Form.clean returns cleaned_data
        upload = cleaned.get("file")
        if upload is not None:
            if upload.size > MAX_UPLOAD_BYTES:
                raise forms.ValidationError({"file": "The file is larger than 2 MB; split it."})
            try:
                cleaned["content"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as error:
                raise forms.ValidationError({"file": "The file is not UTF-8 text (save it as CSV UTF-8)."}) from error
        if not cleaned.get("content"):
            raise forms.ValidationError({"file": "Choose a CSV file to import."})
        return cleaned
