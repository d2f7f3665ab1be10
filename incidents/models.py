"""Models of the incidents app: severities and their escalation policies, the business
calendar, incidents with their copied escalation plan, timeline, review and outbox rows."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from opsportal.plausible import SLA_MAX_MINUTES


class EscalationTarget(models.TextChoices):
    """Whom an escalation step pages (the names are the API's)."""

    SCHEDULE_PRIMARY = "schedule_primary", "The schedule's primary"
    SCHEDULE_SECONDARY = "schedule_secondary", "The schedule's secondary"
    USER = "user", "A user"
    GROUP = "group", "A group"
    ASSIGNEE = "assignee", "The assignee (on-call engineers when nobody is assigned)"
    MANAGERS = "managers", "The managers"


# What each target needs besides itself: the field a step must fill, with the error naming it.
TARGET_NEEDS: dict[str, tuple[str, str]] = {
    EscalationTarget.SCHEDULE_PRIMARY: ("schedule", "Choose the schedule whose primary this step pages."),
    EscalationTarget.SCHEDULE_SECONDARY: ("schedule", "Choose the schedule whose secondary this step pages."),
    EscalationTarget.USER: ("user", "Choose the user this step pages."),
    EscalationTarget.GROUP: ("group", "Choose the group this step pages."),
}


class Severity(models.Model):
    """A severity level and its response-time SLA (P0–P3 in the reference document)."""

    code = models.CharField(
        max_length=8,
        unique=True,
        validators=[RegexValidator(r"^P\d$", "Use P followed by one digit, e.g. P0.")],
        help_text="The code the API uses, e.g. P0.",
    )
    name = models.CharField(max_length=120)
    response_minutes = models.PositiveIntegerField(
        validators=[
            MinValueValidator(1),
            MaxValueValidator(SLA_MAX_MINUTES, "A response time can be at most 30 days (43200 minutes)."),
        ]
    )
    business_hours_only = models.BooleanField(
        default=False, help_text="Count the response time in business hours only (see Business calendars)."
    )
    escalation_audience = models.TextField(blank=True)
    examples = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "code"]
        verbose_name_plural = "severities"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def response_text(self) -> str:
        return describe_response(self.response_minutes, business_hours_only=self.business_hours_only)


def describe_response(minutes: int, *, business_hours_only: bool) -> str:
    """Return a response time in words: "15 min", "1 h", "4 h (business hours)"."""
    text = f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"
    return text + (" (business hours)" if business_hours_only else "")


class EscalationStepFields(models.Model):
    """What a policy step and its copy on an incident share."""

    position = models.PositiveIntegerField(default=0)
    delay_minutes = models.PositiveIntegerField(default=0, help_text="Minutes after the response deadline.")
    target = models.CharField(max_length=24, choices=EscalationTarget.choices, default=EscalationTarget.ASSIGNEE)
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # A deleted user or schedule leaves the step in place, paging the on-call engineers instead
    # (incidents.escalation.audience); so unlike the group, no constraint requires them.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    schedule = models.ForeignKey("oncall.Schedule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    repeat_every_minutes = models.PositiveIntegerField(default=0, help_text="0: do not repeat.")
    max_repeats = models.PositiveIntegerField(default=0, help_text="Repeats after the first reminder.")

    class Meta:
        abstract = True

    def clean(self) -> None:
        """Refuse a step whose target lacks what it needs, naming the field to fill."""
        from django.core.exceptions import ValidationError

        if self.target not in EscalationTarget.values:
            raise ValidationError({"target": f"Unknown target {self.target!r}."})
        if need := TARGET_NEEDS.get(self.target):
            field_name, message = need
            if getattr(self, f"{field_name}_id") is None:
                raise ValidationError({field_name: message})

    def audience_text(self) -> str:
        if self.target == EscalationTarget.GROUP:
            return f"group {self.group.name}" if self.group else "a deleted group"
        if self.target == EscalationTarget.USER:
            return f"user {self.user.get_username()}" if self.user else "a deleted user"
        if self.target in (EscalationTarget.SCHEDULE_PRIMARY, EscalationTarget.SCHEDULE_SECONDARY):
            role = "primary" if self.target == EscalationTarget.SCHEDULE_PRIMARY else "secondary"
            return f"the {role} of {self.schedule.name}" if self.schedule else f"the {role} of a deleted schedule"
        return self.get_target_display()


class EscalationStep(EscalationStepFields):
    """One step of a severity's escalation policy."""

    severity = models.ForeignKey(Severity, on_delete=models.CASCADE, related_name="escalation_steps")
    history = HistoricalRecords()

    class Meta:
        ordering = ["severity", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(target="group") | Q(group__isnull=False), name="escalationstep_group_needs_group"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.severity.code} +{self.delay_minutes} min → {self.audience_text()}"


class BusinessCalendar(models.Model):
    """Working hours and holidays that business-hours SLAs count in.

    The calendar marked default is used; with none, Monday–Friday 09:00–17:00 in the portal's
    time zone. A calendar without working-hours rows also works Monday–Friday 09:00–17:00.
    """

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=64, blank=True, help_text="Blank: the portal's time zone.")
    is_default = models.BooleanField(default=True)
    # With a country, a daily beat task adds this year's and next year's public holidays.
    country = models.CharField(
        max_length=2, blank=True, help_text="ISO country code (e.g. GB): its public holidays are added every year."
    )
    subdivision = models.CharField(
        max_length=8, blank=True, help_text="e.g. ENG for England; blank: the whole country."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_calendar"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        from django.core.exceptions import ValidationError

        if self.time_zone:
            try:
                ZoneInfo(self.time_zone)
            except (ZoneInfoNotFoundError, ValueError) as error:
                raise ValidationError({"time_zone": f"Unknown time zone {self.time_zone!r}."}) from error
        if self.country:
            import holidays as holidays_package

            self.country = self.country.upper()
            if self.country not in holidays_package.list_supported_countries():
                raise ValidationError({"country": f"The holidays package does not know country {self.country!r}."})


class WorkingHours(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0
        TUESDAY = 1
        WEDNESDAY = 2
        THURSDAY = 3
        FRIDAY = 4
        SATURDAY = 5
        SUNDAY = 6

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["calendar", "weekday", "start"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="workinghours_end_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class Holiday(models.Model):
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=120, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["calendar", "date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="one_holiday_per_calendar_date")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class Service(models.Model):
    """A service incidents affect and changes touch (one model for both, with a page of its own)."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("services:detail", args=[self.pk])


class IncidentStatus(models.TextChoices):
    DECLARED = "declared", "Declared"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    INVESTIGATING = "investigating", "Investigating"
    RESOLVED = "resolved", "Resolved"
    REVIEWED = "reviewed", "Reviewed"
    CLOSED = "closed", "Closed"


OPEN_STATUSES = (IncidentStatus.DECLARED, IncidentStatus.ACKNOWLEDGED, IncidentStatus.INVESTIGATING)


class Incident(models.Model):
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    severity = models.ForeignKey(Severity, on_delete=models.PROTECT, related_name="incidents")
    status = models.CharField(max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.DECLARED)
    detected_at = models.DateTimeField()
    declared_at = models.DateTimeField(default=timezone.now)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_incidents"
    )
    services = models.ManyToManyField(Service, blank=True, related_name="incidents")
    users_affected = models.PositiveIntegerField(null=True, blank=True)
    # Security flags (issue 12): a personal data breach starts the regulator's 72-hour clock
    # (breaches.Breach, one per incident), set through breaches.services.incident_flags_set.
    security = models.BooleanField(default=False, help_text="A security incident.")
    personal_data_breach = models.BooleanField(
        default=False, help_text="Personal data was breached: the regulator must be notified within 72 hours."
    )
    response_due_at = models.DateTimeField()
    # The SLA the deadline was computed under, copied from the severity at declaration and at
    # each severity change, so a later edit of the severity never rewrites what was promised.
    sla_response_minutes = models.PositiveIntegerField(default=0)
    sla_business_hours_only = models.BooleanField(default=False)
    sla_text = models.CharField(max_length=60, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The checklist item whose "problem found" raised it (the item links back to it too).
    from_item = models.ForeignKey(
        "checklists.RunItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-detected_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "response_due_at"], name="incident_open_by_due"),
            # Reports count and time the incidents detected in a period.
            models.Index(fields=["severity", "detected_at"], name="incident_detected_in_period"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(response_due_at__gte=models.F("detected_at")), name="incident_due_after_detected"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("incidents:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def response_breached(self) -> bool:
        """Return True when the response came (or is still missing) after the deadline."""
        answered = self.acknowledged_at or timezone.now()
        return answered > self.response_due_at


class IncidentEscalationStep(EscalationStepFields):
    """A policy step copied onto one incident; the sweep reads only these.

    ``next_due_at`` is the next reminder's time; NULL once the step is finished, stopped by
    acknowledgement, or superseded by a severity change.
    """

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="escalation_steps")
    next_due_at = models.DateTimeField(null=True, blank=True)
    rounds_sent = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["incident", "position", "pk"]
        indexes = [models.Index(fields=["next_due_at"], name="escalation_step_due")]

    def __str__(self) -> str:
        return f"#{self.incident_id} +{self.delay_minutes} min → {self.audience_text()}"


class EscalationNotice(models.Model):
    """The outbox row of one reminder: at most one per (incident, step, round)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="escalation_notices")
    step = models.ForeignKey(IncidentEscalationStep, on_delete=models.CASCADE, related_name="notices")
    round = models.PositiveIntegerField()
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    recipient_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "step", "round"], name="one_notice_per_step_round"),
        ]

    def __str__(self) -> str:
        return f"#{self.incident_id} step {self.step_id} round {self.round}"

    @property
    def key(self) -> str:
        return f"incident-{self.incident_id}-step-{self.step_id}-round-{self.round}"


class TimelineKind(models.TextChoices):
    DECLARED = "declared", "Declared"
    STATUS = "status", "Status change"
    SEVERITY = "severity", "Severity change"
    ASSIGNMENT = "assignment", "Assignment"
    NOTE = "note", "Note"
    MESSAGE = "message", "Message to affected users"
    ESCALATION = "escalation", "Escalation reminder"


class TimelineEntry(models.Model):
    """An append-only record on an incident's timeline (never edited or deleted)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(max_length=16, choices=TimelineKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    text = models.TextField(blank=True)
    from_value = models.CharField(max_length=120, blank=True)
    to_value = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "timeline entries"
        indexes = [models.Index(fields=["incident", "created_at"], name="timeline_by_incident")]

    def __str__(self) -> str:
        return f"#{self.incident_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"


class PostIncidentReview(models.Model):
    """Opened when an incident is resolved; due 48 hours later."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="review")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_at = models.DateTimeField()
    summary = models.TextField(blank=True)
    root_cause = models.TextField(blank=True)
    contributing_factors = models.TextField(blank=True)
    lessons_learned = models.TextField(blank=True)
    preventive_measures = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-due_at"]
        indexes = [
            models.Index(fields=["completed_at", "due_at"], name="review_overdue"),
            models.Index(fields=["due_at"], name="review_due_in_period"),  # reviews due in a report's period
        ]

    def __str__(self) -> str:
        return f"Review of #{self.incident_id}"


class ActionItem(models.Model):
    review = models.ForeignKey(PostIncidentReview, on_delete=models.CASCADE, related_name="action_items")
    description = models.CharField(max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["review", "done", "due_date", "pk"]
        indexes = [models.Index(fields=["done", "due_date"], name="action_item_overdue")]

    def __str__(self) -> str:
        return self.description


class ReviewReminder(models.Model):
    """The outbox row of an overdue-review or overdue-action-item reminder (one each)."""

    review = models.ForeignKey(PostIncidentReview, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    action_item = models.ForeignKey(ActionItem, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["review"], condition=Q(review__isnull=False), name="one_reminder_per_review"
            ),
            models.UniqueConstraint(
                fields=["action_item"], condition=Q(action_item__isnull=False), name="one_reminder_per_action_item"
            ),
            models.CheckConstraint(
                condition=Q(review__isnull=True) ^ Q(action_item__isnull=True), name="reminder_for_one_thing"
            ),
        ]

    def __str__(self) -> str:
        return f"review {self.review_id}" if self.review_id else f"action item {self.action_item_id}"
