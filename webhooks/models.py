"""Webhook endpoints (configuration) and deliveries (the outbox of one notification to one endpoint)."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import Group
from django.db import models
from simple_history.models import HistoricalRecords

from webhooks.addresses import validate_webhook_url


class WebhookKind(models.TextChoices):
    SLACK = "slack", "Slack"
    MATTERMOST = "mattermost", "Mattermost"
    TEAMS = "teams", "Microsoft Teams"
    GENERIC = "generic", "Generic JSON (HMAC-signed)"


class WebhookEndpoint(models.Model):
    """A URL that receives the notifications sent to the members of its groups or about its schedules.

    ``groups``: every notification to a member of one of them. ``schedules``: every notification
    that concerns one of these on-call schedules (an escalation page whose step targets the
    schedule, a shift handover digest of it), whoever its recipient. A notification selected both
    ways still posts once per endpoint (``webhooks.selectors.endpoints_for_recipients``).
    """

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=WebhookKind.choices, default=WebhookKind.SLACK)
    url = models.URLField(max_length=500, validators=[validate_webhook_url])
    # Signs generic payloads (HMAC-SHA256). Kept out of the history table; admin shows its last four characters.
    secret = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)
    groups = models.ManyToManyField(
        Group, related_name="webhook_endpoints", blank=True, help_text="Notifications to members of these groups."
    )
    schedules = models.ManyToManyField(
        "oncall.Schedule",
        related_name="webhook_endpoints",
        blank=True,
        help_text="Escalation pages and shift handovers of these on-call schedules.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["secret"])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def secret_hint(self) -> str:
        """Return the secret masked but for its last four characters (or "—" when there is none)."""
        if not self.secret:
            return "—"
        return "••••" + self.secret[-4:] if len(self.secret) > 8 else "••••"


class WebhookDeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (gave up)"


class WebhookDelivery(models.Model):
    """One notification (``key``) to one endpoint, written once before it is sent.

    ``key`` is the notification's key, shared by all its recipients, so a notification to five
    members of a group posts once to the group's endpoint. ``uuid`` goes out in the
    ``Idempotency-Key`` header: a receiver that sees it twice (at-least-once) drops the second.
    """

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    key = models.CharField(max_length=200)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        max_length=20, choices=WebhookDeliveryStatus.choices, default=WebhookDeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "key"], name="webhook_delivery_once_per_endpoint_key")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="webhook_delivery_due_idx", condition=models.Q(status="pending")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.endpoint}"
