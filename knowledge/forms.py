"""Forms of the knowledge library: a page's text and settings, and the search box."""

from __future__ import annotations

from django import forms

from changes.models import ChangeType
from coordination.models import Vendor
from incidents.models import Service
from knowledge.models import BODY_MAX_LENGTH, MAX_REVIEW_DAYS, PageKind


class PageForm(forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(
        label="Text (Markdown)",
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 18, "class": "font-monospace"}),
        strip=False,
        help_text="Headings with #, lists with -, links as [text](https://…). Raw HTML is shown as text.",
    )
    summary = forms.CharField(max_length=300, required=False, label="What changed")
    service = forms.ModelChoiceField(queryset=Service.objects.order_by("name"), required=False)
    tags = forms.CharField(
        max_length=600, required=False, help_text="Words separated by commas, e.g. database, backup."
    )
    review_interval_days = forms.IntegerField(
        min_value=1, max_value=MAX_REVIEW_DAYS, initial=90, label="Review every (days)"
    )
    vendors = forms.ModelMultipleChoiceField(
        queryset=Vendor.objects.order_by("name"), required=False, widget=forms.CheckboxSelectMultiple
    )
    change_types = forms.MultipleChoiceField(
        choices=ChangeType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Show on changes of type",
    )


class NewPageForm(PageForm):
    kind = forms.ChoiceField(choices=[c for c in PageKind.choices if c[0] != PageKind.INCIDENT_REPORT])

    field_order = ["title", "kind", "body", "service", "tags", "review_interval_days", "vendors", "change_types"]


class SearchForm(forms.Form):
    q = forms.CharField(max_length=200, required=False, label="Search")
