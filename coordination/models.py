"""Models of team coordination: meeting schedules and occurrences, skills, vendors, the outbox."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords


class MeetingKind(models.TextChoices):
    STANDUP = "standup", "Daily standup"
    WEEKLY = "weekly", "Weekly team meeting"
    MONTHLY = "monthly", "Monthly all-hands"
    QUARTERLY = "quarterly", "Quarterly business review"


# The defaults of an imported schedule (admins tune them afterwards): local time of day, weekday.
DEFAULT_TIMES: dict[str, time] = {
    MeetingKind.STANDUP: time(9, 15),
    MeetingKind.WEEKLY: time(10, 0),
    MeetingKind.MONTHLY: time(10, 0),
    MeetingKind.QUARTERLY: time(10, 0),
}
DEFAULT_DURATIONS: dict[str, int] = {
    MeetingKind.STANDUP: 15,
    MeetingKind.WEEKLY: 60,
    MeetingKind.MONTHLY: 60,
    MeetingKind.QUARTERLY: 120,
}


class MeetingSchedule(models.Model):
    """A recurring meeting: its kind decides the cadence and what its agenda lists.

    Standups meet every working day, weekly meetings on ``weekday``, monthly all-hands on the
    month's first working day and business reviews on the quarter's first working day, all at
    ``time_of_day`` on the portal's wall clock.
    """

    key = models.SlugField(max_length=60, unique=True, help_text="Stable identifier used by the procedures import.")
    kind = models.CharField(max_length=10, choices=MeetingKind.choices)
    name = models.CharField(max_length=200)
    purpose = models.CharField(max_length=300, blank=True)
    time_of_day = models.TimeField(help_text="Local time in the portal's time zone.")
    weekday = models.PositiveSmallIntegerField(
        default=0, help_text="Weekly meetings only: 0 = Monday … 4 = Friday (moved to the next working day)."
    )
    duration_minutes = models.PositiveSmallIntegerField(default=30)
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="meeting_schedule_weekday_0_6"),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1, duration_minutes__lte=600), name="meeting_schedule_duration_sane"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Meeting(models.Model):
    """One occurrence of a schedule: its agenda snapshot (never rewritten) and its minutes."""

    schedule = models.ForeignKey(MeetingSchedule, on_delete=models.PROTECT, related_name="meetings")
    date = models.DateField(help_text="The local date it meets on.")
    kind = models.CharField(max_length=10, choices=MeetingKind.choices)
    name = models.CharField(max_length=200, help_text="The schedule's name when it opened.")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    opened_at = models.DateTimeField()
    agenda = models.JSONField(default=dict, help_text="Built from live data when the meeting opened; never rewritten.")
    minutes = models.TextField(blank=True)
    minutes_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    minutes_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["schedule", "date"], name="meeting_once_per_schedule_date")]
        indexes = [models.Index(fields=["starts_at"], name="meeting_list_by_start_idx")]

    def __str__(self) -> str:
        return f"{self.name} {self.date:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("coordination:meeting", args=[self.pk])


class MeetingActionItem(models.Model):
    """Something agreed in a meeting: an owner and a due date; reminded once when due."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="action_items")
    description = models.CharField(max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="meeting_action_items")
    due_date = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["owner", "done_at", "due_date"], name="meeting_action_open_by_owner")]

    def __str__(self) -> str:
        return self.description


class Skill(models.Model):
    """A person trained on a service, until ``expires_on`` (blank: does not expire)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="skills")
    service = models.ForeignKey("incidents.Service", on_delete=models.CASCADE, related_name="skills")
    runbook = models.ForeignKey(
        "knowledge.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="skills",
        help_text="The runbook the person is trained on, if the training was on one.",
    )
    trained_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    notes = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["service__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "service"], name="skill_once_per_user_service"),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=models.F("trained_on")),
                name="skill_expires_after_training",
                violation_error_message="The expiry date must be after the training date.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.service}"


class FlagKind(models.TextChoices):
    UNDERSTAFFED = "understaffed", "Fewer than two people trained"
    SHIFT_GAP = "shift_gap", "On-call shift without the skill"


class SkillFlag(models.Model):
    """One episode of a skills flag: opened when first seen, closed when it no longer holds.

    At most one open episode per flag (a partial unique constraint), so the managers are told
    once per episode however often the sweep runs.
    """

    subject = models.CharField(max_length=200, help_text="What is flagged: kind, service and person or shift.")
    kind = models.CharField(max_length=16, choices=FlagKind.choices)
    service = models.ForeignKey("incidents.Service", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    schedule = models.ForeignKey("oncall.Schedule", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    shift_start = models.DateTimeField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject"],
                condition=Q(closed_at__isnull=True),
                name="skill_flag_one_open_episode",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.detail}"


class ScheduleCoverage(models.Model):
    """The services an on-call schedule answers for: its shifts need a current skill on each.

    A schedule without coverage answers for every service.
    """

    schedule = models.OneToOneField("oncall.Schedule", on_delete=models.CASCADE, related_name="coverage")
    services = models.ManyToManyField("incidents.Service", blank=True, related_name="+")
    history = HistoricalRecords(m2m_fields=[])

    class Meta:
        verbose_name_plural = "schedule coverage"

    def __str__(self) -> str:
        return f"Coverage of {self.schedule}"


class Vendor(models.Model):
    """An external supplier: who to call, who to escalate to, and when the contract ends."""

    name = models.CharField(max_length=200, unique=True)
    services = models.ManyToManyField("incidents.Service", blank=True, related_name="vendors")
    support_contact = models.CharField(max_length=300)
    escalation_contact = models.CharField(max_length=300, blank=True)
    contract_end = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    incidents = models.ManyToManyField("incidents.Incident", blank=True, related_name="vendors")
    history = HistoricalRecords(m2m_fields=[])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Notice(models.Model):
    """The outbox of this app's reminders and flags: one row per notice key, written before sending."""

    key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key
