"""Models of the breaches app: a personal data breach and its 72-hour notification clock.

GDPR Article 33: the regulator must be notified of a personal data breach within 72 hours of
the team becoming aware of it. One Breach per incident flagged "personal data breach"; its
reminders (24, 48 and 66 hours after awareness, while not notified) are outbox rows.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

# Elapsed time after awareness, added to UTC instants (opsportal.clock.after).
NOTIFY_WITHIN = timedelta(hours=72)
REMINDER_HOURS: tuple[int, ...] = (24, 48, 66)


class Breach(models.Model):
    """A personal data breach: what happened, to whom, and when the regulator was told."""

    incident = models.OneToOneField("incidents.Incident", on_delete=models.PROTECT, related_name="breach")
    aware_at = models.DateTimeField(help_text="When the team became aware of the breach (the clock starts here).")
    deadline_at = models.DateTimeField(help_text="aware_at + 72 real hours: notify the regulator by then.")
    what_happened = models.TextField(blank=True)
    categories = models.CharField(
        max_length=500, blank=True, help_text="Categories of personal data, e.g. contact details, health data."
    )
    people_affected = models.PositiveIntegerField(
        null=True, blank=True, help_text="Approximate number of people affected."
    )
    notified_at = models.DateTimeField(null=True, blank=True, help_text="When the regulator was notified.")
    notification_reference = models.CharField(max_length=200, blank=True)
    notified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True, help_text="When the notification was recorded.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-aware_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline_at__gt=models.F("aware_at")), name="breach_deadline_after_aware"
            ),
            models.CheckConstraint(
                condition=Q(notified_at__isnull=True) | Q(notified_at__gte=models.F("aware_at")),
                name="breach_notified_after_aware",
            ),
        ]
        indexes = [models.Index(fields=["notified_at", "aware_at"], name="breach_reminder_sweep_idx")]

    def __str__(self) -> str:
        return f"Breach of incident #{self.incident_id}"

    def get_absolute_url(self) -> str:
        return reverse("incidents:detail", args=[self.incident_id]) + "#breach"

    @property
    def deadline_met(self) -> bool | None:
        """Return True/False once notified (in time or late), None while not yet notified."""
        if self.notified_at is None:
            return None
        return self.notified_at <= self.deadline_at


class BreachReminder(models.Model):
    """The outbox row of one reminder of a breach (24, 48 or 66 hours after awareness): once each."""

    breach = models.ForeignKey(Breach, on_delete=models.CASCADE, related_name="reminders")
    hours = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField()
    recipient_count = models.PositiveIntegerField(default=0)
    # A sweep that ran late (workers down) sends only the latest due reminder; the earlier ones
    # are recorded as skipped so that they are never sent afterwards.
    skipped = models.BooleanField(default=False)

    class Meta:
        ordering = ["breach", "hours"]
        constraints = [models.UniqueConstraint(fields=["breach", "hours"], name="breach_reminder_once_per_hours")]

    def __str__(self) -> str:
        return f"{self.breach}: {self.hours} h reminder"
