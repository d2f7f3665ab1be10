"""Models of the compliance app: retention rules (configuration), the retention and erasure logs,
and the marker of each record whose personal details were anonymised."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords


class RetentionKind(models.TextChoices):
    """A kind of record the retention rules cover (compliance/retention.py holds what each one does)."""

    NOTIFICATIONS = "notifications", "In-app notifications"
    REPORT_EMAILS = "report_emails", "E-mail outbox: report e-mails"
    WEBHOOK_DELIVERIES = "webhook_deliveries", "Outbox: webhook deliveries"
    SESSIONS = "sessions", "Sessions"
    LOGIN_ATTEMPTS = "login_attempts", "Login attempts"
    CLOSED_INCIDENTS = "closed_incidents", "Personal details on closed incidents"
    CLOSED_CHANGES = "closed_changes", "Personal details on closed changes"


class RetentionAction(models.TextChoices):
    DELETE = "delete", "Deleted"
    ANONYMISE = "anonymise", "Anonymised (the record stays)"


# What happens to each kind once its period is over; not editable: a record kept for its figures
# (an incident, a change) is never deleted, only stripped of personal details.
KIND_ACTIONS: dict[str, str] = {
    RetentionKind.NOTIFICATIONS: RetentionAction.DELETE,
    RetentionKind.REPORT_EMAILS: RetentionAction.DELETE,
    RetentionKind.WEBHOOK_DELIVERIES: RetentionAction.DELETE,
    RetentionKind.SESSIONS: RetentionAction.DELETE,
    RetentionKind.LOGIN_ATTEMPTS: RetentionAction.DELETE,
    RetentionKind.CLOSED_INCIDENTS: RetentionAction.ANONYMISE,
    RetentionKind.CLOSED_CHANGES: RetentionAction.ANONYMISE,
}

RETENTION_MAX_DAYS = 36500


class RetentionRule(models.Model):
    """How long one kind of record is kept; the nightly retention task reads these."""

    kind = models.CharField(max_length=24, choices=RetentionKind.choices, unique=True)
    days = models.PositiveIntegerField(
        validators=[
            MinValueValidator(1),
            MaxValueValidator(RETENTION_MAX_DAYS, "A retention period can be at most 100 years (36500 days)."),
        ],
        help_text="Keep records this many days (counted from creation, last use or closing, see the kind).",
    )
    enabled = models.BooleanField(default=True, help_text="Off: the retention task leaves this kind alone.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.days} days"

    @property
    def action(self) -> str:
        return KIND_ACTIONS[self.kind]

    def get_action_display(self) -> str:
        return RetentionAction(self.action).label


class RetentionLog(models.Model):
    """One kind processed by one retention run: how many rows went (or would go, in a dry run).

    Written when the kind starts and counted up in the same transaction as each batch, so a run
    killed mid-way leaves a row without ``finished_at`` whose count is exactly what it committed.
    """

    kind = models.CharField(max_length=24, choices=RetentionKind.choices)
    action = models.CharField(max_length=10, choices=RetentionAction.choices)
    days = models.PositiveIntegerField(help_text="The rule's period when it ran.")
    cutoff = models.DateTimeField(help_text="Records older than this were due.")
    rows = models.PositiveIntegerField(default=0)
    dry_run = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["-started_at"], name="retention_log_recent_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.rows} rows at {self.started_at:%Y-%m-%d %H:%M}"


class Anonymisation(models.Model):
    """The mark that one record's personal details were anonymised (at most once per record).

    Written in the same transaction as the anonymisation, guarded by a unique constraint: a rerun,
    a second worker or a run resumed after a kill skips the record, so nothing is done twice.
    Kept here rather than as columns on incidents and changes, so those apps' tables stay theirs.
    """

    kind = models.CharField(max_length=24, choices=RetentionKind.choices)
    object_id = models.PositiveBigIntegerField()
    anonymised_at = models.DateTimeField()
    log = models.ForeignKey(RetentionLog, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["kind", "object_id"]
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="anonymise_once_per_record")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} at {self.anonymised_at:%Y-%m-%d %H:%M}"


class ErasureLog(models.Model):
    """A departed user anonymised by ``erase_user``: when, by whom, and how many rows changed.

    Holds the erased account's id only (never its former name): the point is that the name is gone.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    erased_at = models.DateTimeField()
    erased_by = models.CharField(max_length=150, blank=True, help_text="Who ran it (a username or 'command').")
    counts = models.JSONField(default=dict, help_text="Rows changed or removed, per kind.")

    class Meta:
        ordering = ["-erased_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user"], name="erase_user_once")]

    def __str__(self) -> str:
        return f"former user {self.user_id} erased at {self.erased_at:%Y-%m-%d %H:%M}"
