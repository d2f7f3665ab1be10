"""Portal-wide models: the worker heartbeat, in-app notifications and procedure-import provenance."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
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


class ImportedRecord(models.Model):
    """Where one row imported by ``import_procedures`` came from, and what was last imported into it.

    One per imported row (a template, a template item, a severity, a KPI, ...). ``fingerprint``
    hashes the values the document last wrote; a row whose current values hash differently was
    edited since (in admin), so a re-import keeps it and reports a conflict instead of reverting
    it (``--overwrite`` replaces it on purpose). ``edited_at`` says when that edit was found;
    ``retired_at`` when the row's heading left the document and the import retired the row.
    """

    source_key = models.CharField(max_length=255, unique=True, help_text="The row's key in the document.")
    loader = models.CharField(max_length=80, help_text="The procedure loader that imported it.")
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    heading = models.CharField(max_length=300, blank=True, help_text="The document heading it came from.")
    line = models.PositiveIntegerField(default=0, help_text="Its line in the document last imported.")
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the values last imported.")
    imported_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True, help_text="When a re-import found it edited since.")
    retired_at = models.DateTimeField(null=True, blank=True, help_text="When its heading left the document.")

    class Meta:
        ordering = ["source_key"]
        indexes = [models.Index(fields=["loader", "retired_at"], name="imported_record_by_loader_idx")]

    def __str__(self) -> str:
        return self.source_key
