"""Forms of the changes app; validation of content lives in the services, errors land next to fields."""

from __future__ import annotations

from typing import Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db.models import Q

from changes.models import (
    ChangeRequest,
    ChangeStatus,
    ChangeType,
    CloseCode,
    DeploymentStage,
    Level,
    StageOutcome,
    StandardChangeTemplate,
)
from opsportal import plausible
from opsportal.roles import Role

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ChangeForm(forms.ModelForm):
    """Create or edit a change request."""

    freeze_override_reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Managers only: why this normal change may run inside a freeze window.",
    )

    class Meta:
        model = ChangeRequest
        fields = [
            "title", "change_type", "standard_template", "affected_services", "business_justification", "description",
            "likelihood", "impact", "implementation_plan", "rollback_plan", "verification_plan",
            "window_start", "window_end", "implementer", "new_feature", "processes_personal_data",
        ]  # fmt: skip
        widgets = {
            "window_start": DATETIME_INPUT,
            "window_end": DATETIME_INPUT,
            **{name: forms.Textarea(attrs={"rows": 3}) for name in (
                "business_justification", "description", "implementation_plan", "rollback_plan", "verification_plan",
            )},
        }  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("window_start", "window_end"):
            window_field = cast(forms.DateTimeField, self.fields[name])
            window_field.input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
        cast(forms.ModelChoiceField, self.fields["implementer"]).queryset = (
            get_user_model()
            .objects.filter(Q(groups__name=Role.ONCALL.value) | Q(is_superuser=True), is_active=True)
            .distinct()
            .order_by("username")
        )
        # Active templates, plus the one this change was raised from (even if since retired).
        current = Q(pk=self.instance.standard_template_id) if self.instance.standard_template_id else Q(pk__in=[])
        templates = cast(forms.ModelChoiceField, self.fields["standard_template"])
        templates.queryset = StandardChangeTemplate.objects.filter(Q(active=True) | current)
        self.fields[
            "standard_template"
        ].help_text = "Standard changes only: the pre-approved template; its plans, likelihood and impact are copied."
        for field in self.fields.values():  # the model's text fields have no length of their own
            if isinstance(field, forms.CharField) and field.max_length is None:
                field.max_length = plausible.TEXT_MAX_LENGTH
                field.validators.append(MaxLengthValidator(plausible.TEXT_MAX_LENGTH))
        self.fields["freeze_override_reason"].initial = self.instance.freeze_override_reason if self.instance.pk else ""
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Save change"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # Form.clean returns cleaned_data
        start, end = cleaned.get("window_start"), cleaned.get("window_end")
        # Said here as well as in the service so the model's check constraint never answers first.
        if start and end and end <= start:
            self.add_error("window_end", "The window must end after it starts.")
        return cleaned

    def apply_errors(self, error: ValidationError) -> None:
        """Put a service's ValidationError next to the fields it names."""
        for field, messages in getattr(error, "message_dict", {"__all__": error.messages}).items():
            self.add_error(field if field in self.fields else None, messages)


class FilterForm(forms.Form):
    """The change list's filters."""

    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *ChangeStatus.choices])
    type = forms.ChoiceField(required=False, choices=[("", "Any type"), *ChangeType.choices])
    risk = forms.ChoiceField(required=False, choices=[("", "Any risk"), *Level.choices])
    service = forms.CharField(required=False, widget=forms.TextInput(attrs={"placeholder": "Service"}))
    window_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Window from")
    window_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Window to")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


def _style(form: forms.Form) -> None:
    """Give hand-laid-out fields Bootstrap's small controls."""
    for field in form.fields.values():
        css = "form-select form-select-sm" if isinstance(field.widget, forms.Select) else "form-control form-control-sm"
        field.widget.attrs.setdefault("class", css)


class StageForm(forms.Form):
    """Record a deployment stage's result."""

    stage = forms.ModelChoiceField(queryset=DeploymentStage.objects.all())
    outcome = forms.ChoiceField(choices=StageOutcome.choices)
    evidence = forms.CharField(
        required=False, max_length=plausible.TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )
    rolled_back = forms.CharField(
        required=False, max_length=plausible.TEXT_MAX_LENGTH, label="What was rolled back",
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip


CLOSE_CODE_CHOICES = CloseCode.choices
