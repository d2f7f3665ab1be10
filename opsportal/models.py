"""Portal-wide models: the worker heartbeat and in-app notifications."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Heartbeat(models.Model):
    """The last time a named periodic task ran; ``/healthz`` reads it."""

    name = models.CharField(max_length=64, unique=True)
    last_seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.last_seen_at:%Y-%m-%d %H:%M:%S}"


class Notification(models.Model):
    """An in-app notification for one user, mirrored by e-mail.

    ``key`` names what the notification is about (for example ``incident-7-step-2-round-1``);
    one per recipient and key, so a sweep that runs twice cannot notify twice.
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    key = models.CharField(max_length=200)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=500, blank=True)
    # The resend sweep (opsportal.tasks.resend_unmailed) counts the e-mails it re-queued and when,
    # so an address that always fails is given up after NOTIFICATION_EMAIL_MAX_RESENDS.
    email_resends = models.PositiveSmallIntegerField(default=0)
    email_resent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notification_once_per_recipient_key")]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            models.Index(
                fields=["created_at"], name="notification_unmailed_idx", condition=models.Q(emailed_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipient}"
