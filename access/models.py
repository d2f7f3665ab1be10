"""Models of the access app: the role audit trail, quarterly access reviews and training records.

All three are records, not configuration: they change only through ``access/services.py`` and
the admin shows them read-only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from opsportal.roles import ALL_ROLES

ROLE_CHOICES = [(role.value, role.value) for role in ALL_ROLES]


class RoleChange(models.Model):
    """One role granted to or revoked from a user: who, which role, when, by whom and how.

    Written by the m2m hook on ``User.groups`` (access/audit.py) whenever a role group is added
    or removed, wherever that happens: Django admin, a portal service, a command. ``user_number``
    keeps the id when a user row is deleted, so the trail still says "deleted user 17".
    """

    class Action(models.TextChoices):
        GRANTED = "granted", "Granted"
        REVOKED = "revoked", "Revoked"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    user_number = models.PositiveIntegerField(help_text="The user's id, kept if the account is deleted.")
    role = models.CharField(max_length=40, choices=ROLE_CHOICES)
    action = models.CharField(max_length=8, choices=Action.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="Who made the change; empty for the system (a command, a task).",
    )  # fmt: skip
    via = models.CharField(max_length=200, blank=True, help_text="Where: the admin page, an access review, erasure.")

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user_number", "role", "at"], name="rolechange_user_role_at")]

    def __str__(self) -> str:
        return f"{self.role} {self.action} for user {self.user_number}"


class AccessReview(models.Model):
    """The review of who holds which access, opened once per quarter (the unique ``quarter``)."""

    quarter = models.CharField(max_length=7, help_text="The quarter reviewed, e.g. 2026-Q4.")
    opened_at = models.DateTimeField()
    due_at = models.DateTimeField(help_text="Managers are reminded once if lines are still open by then.")
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["quarter"], name="access_review_once_per_quarter")]

    def __str__(self) -> str:
        return f"Access review {self.quarter}"

    def get_absolute_url(self) -> str:
        return reverse("access:review", args=[self.pk])


class Decision(models.TextChoices):
    KEEP = "keep", "Keep"
    REVOKE = "revoke", "Revoke"


class AccessReviewLine(models.Model):
    """One active user as they were when the review opened, and the manager's decision on them."""

    review = models.ForeignKey(AccessReview, on_delete=models.CASCADE, related_name="lines")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    roles = models.JSONField(default=list, help_text="Role names held when the review opened.")
    is_staff = models.BooleanField(default=False)
    is_superuser = models.BooleanField(default=False)
    last_login = models.DateTimeField(null=True, blank=True)
    dormant = models.BooleanField(default=False, help_text="No login for 90 days when the review opened.")
    decision = models.CharField(max_length=8, choices=Decision.choices, blank=True)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["review", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["review", "user"], name="access_review_line_once_per_user"),
            models.CheckConstraint(
                condition=Q(decision="") | Q(decided_at__isnull=False), name="access_review_line_decided_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.review}: user {self.user_id}"


class TrainingRecord(models.Model):
    """One person's completed training on a topic, and when it expires."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_records")
    topic = models.CharField(max_length=200)
    completed_on = models.DateField()
    expires_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["expires_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gt=models.F("completed_on")), name="training_expires_after_completion"
            )
        ]
        indexes = [models.Index(fields=["person", "topic", "completed_on"], name="training_person_topic_latest")]

    def __str__(self) -> str:
        return f"{self.topic} ({self.person_id})"


class AccessNotice(models.Model):
    """The outbox of this app's reminders: one row per key, written before the notification."""

    key = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key"], name="access_notice_once_per_key")]

    def __str__(self) -> str:
        return self.key
