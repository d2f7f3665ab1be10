"""Admin: endpoints are configuration (with history); deliveries are read-only records."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from opsportal.admin import ReadOnlyAdmin
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookKind
from webhooks.services import webhook_retry_now


class WebhookEndpointForm(forms.ModelForm):
    """Edit an endpoint; the secret is write-only: blank keeps the stored one, never shown back."""

    url = forms.URLField(label="URL", max_length=500, assume_scheme="https")
    new_secret = forms.CharField(
        label="Secret",
        required=False,
        strip=True,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Signs generic payloads (HMAC-SHA256). Leave blank to keep the current secret.",
    )
    clear_secret = forms.BooleanField(label="Remove the secret", required=False)

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "kind", "url", "active", "groups", "schedules"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        new_secret = cleaned.get("new_secret", "")
        if new_secret and len(new_secret) < 16:
            self.add_error("new_secret", "Use at least 16 characters.")
        keeps_secret = bool(self.instance.secret) and not cleaned.get("clear_secret")
        if cleaned.get("kind") == WebhookKind.GENERIC and not new_secret and not keeps_secret:
            self.add_error("new_secret", "A generic endpoint needs a secret to sign its payloads.")
        return cleaned

    def save(self, commit: bool = True) -> WebhookEndpoint:
        endpoint: WebhookEndpoint = super().save(commit=False)
        if self.cleaned_data.get("new_secret"):
            endpoint.secret = self.cleaned_data["new_secret"]
        elif self.cleaned_data.get("clear_secret"):
            endpoint.secret = ""
        if commit:
            endpoint.save()
            self.save_m2m()
        return endpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(SimpleHistoryAdmin):
    form = WebhookEndpointForm
    list_display = ["name", "kind", "url", "active", "secret_hint"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "url"]
    filter_horizontal = ["groups", "schedules"]
    readonly_fields = ["secret_hint"]
    fields = ["name", "kind", "url", "active", "groups", "schedules", "secret_hint", "new_secret", "clear_secret"]

    @admin.display(description="Secret")
    def secret_hint(self, obj: WebhookEndpoint) -> str:
        return obj.secret_hint


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "key",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "endpoint"]
    list_select_related = ["endpoint"]
    search_fields = ["key", "subject", "last_error"]
    actions = ["retry_now"]

    @admin.action(description="Retry now", permissions=["retry_now"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        queued = sum(webhook_retry_now(delivery=delivery, by=request.user) for delivery in queryset)
        skipped = queryset.count() - queued
        self.message_user(request, f"Queued {queued} deliveries for a new attempt.", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"{skipped} were already delivered and left alone.", messages.WARNING)

    def has_retry_now_permission(self, request: HttpRequest) -> bool:
        # Read-only rows, but retrying goes through the service: allow it to whoever may see them.
        return self.has_view_permission(request)
