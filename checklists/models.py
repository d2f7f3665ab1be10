"""Models of the checklists app: templates with their items, and the runs copied from them."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from checklists import schedule as calendar_rules

NOTE_MAX_LENGTH = 2000


class Frequency(models.TextChoices):
    DAILY = calendar_rules.DAILY, "Daily"
    WEEKLY = calendar_rules.WEEKLY, "Weekly"
    MONTHLY = calendar_rules.MONTHLY, "Monthly"
    QUARTERLY = calendar_rules.QUARTERLY, "Quarterly"
    ON_DEMAND = calendar_rules.ON_DEMAND, "On demand"


class AttachTo(models.TextChoices):
    NONE = "none", "Nothing (a calendar or stand-alone checklist)"
    INCIDENT = "incident", "Every incident"
    CHANGE = "change", "Every change"
    PAGE_VERSION = "page_version", "Every knowledge page version (its quality review)"


class RelativeAnchor(models.TextChoices):
    START = "start", "Its start (an incident's detection)"
    END = "end", "Its end (an incident's resolution)"


class ChecklistTemplate(models.Model):
    """A checklist with its schedule held as data; admins edit it in Django admin.

    ``key`` identifies the template for re-import (a slug of frequency and name), so
    importing the procedures document again updates it in place.
    """

    key = models.SlugField(max_length=120, unique=True, help_text="Stable identifier used by the procedures import.")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner_group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="checklist_templates")
    frequency = models.CharField(max_length=16, choices=Frequency.choices, default=Frequency.DAILY)
    time_of_day = models.TimeField(null=True, blank=True, help_text="Local time in the portal's time zone.")
    weekdays = models.JSONField(default=list, blank=True, help_text="0 = Monday … 6 = Sunday.")
    week_of_month = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=(
            "Week N is days 7N−6 to 7N; the fourth week runs to the month’s last day. "
            "A run whose first day is not a working day opens on the next one."
        ),
    )
    day_of_month = models.PositiveSmallIntegerField(null=True, blank=True)
    due_after = models.DurationField(
        null=True, blank=True, help_text="How long after opening a run falls due (empty: the frequency's default)."
    )
    window_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Local days a run stays open before it is missed (empty: the default)."
    )
    # An on-demand runbook phase attaches to a subject instead of a calendar; its window is
    # relative to the subject's start (or end), e.g. an incident's Investigation Phase opens
    # 15 minutes after detection and is due 2 hours after it.
    attach_to = models.CharField(
        max_length=16, choices=AttachTo.choices, default=AttachTo.NONE, help_text="What a run of it attaches to."
    )
    relative_anchor = models.CharField(
        max_length=8, choices=RelativeAnchor.choices, default=RelativeAnchor.START,
        help_text="Which moment of the subject the relative window counts from.",
    )  # fmt: skip
    relative_open_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Minutes after the anchor when the run opens (empty: at the anchor)."
    )
    relative_due_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Minutes after the anchor when the run is due (empty: no deadline)."
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Order among the phases of one subject.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(week_of_month__isnull=True) | Q(week_of_month__gte=1, week_of_month__lte=5),
                name="checklist_template_week_of_month_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(day_of_month__isnull=True) | Q(day_of_month__gte=1, day_of_month__lte=31),
                name="checklist_template_day_of_month_1_to_31",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("checklists:history") + f"?template={self.pk}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        weekdays = self.weekdays or []
        if not isinstance(weekdays, list) or any(not isinstance(day, int) or not 0 <= day <= 6 for day in weekdays):
            errors["weekdays"] = "Weekdays are numbers from 0 (Monday) to 6 (Sunday)."
        if self.frequency != Frequency.ON_DEMAND and self.time_of_day is None:
            errors["time_of_day"] = "A scheduled checklist needs a time of day."
        if self.frequency == Frequency.WEEKLY and not weekdays:
            errors["weekdays"] = "A weekly checklist needs at least one weekday."
        if self.frequency in (Frequency.MONTHLY, Frequency.QUARTERLY) and bool(self.week_of_month) == bool(
            self.day_of_month
        ):
            errors["week_of_month"] = "Give either a week of the month or a day of the month, not both."
        if self.attach_to != AttachTo.NONE and self.frequency != Frequency.ON_DEMAND:
            errors["attach_to"] = "Only on-demand checklists attach to incidents, changes or page versions."
        if self.relative_due_minutes is not None and self.relative_due_minutes < (self.relative_open_minutes or 0):
            errors["relative_due_minutes"] = "The run cannot fall due before it opens."
        if errors:
            raise ValidationError(errors)

    @property
    def schedule(self) -> calendar_rules.Schedule:
        """Return the schedule as plain values for :mod:`checklists.schedule`."""
        return calendar_rules.Schedule(
            frequency=self.frequency,
            time_of_day=self.time_of_day,
            weekdays=tuple(self.weekdays or ()),
            week_of_month=self.week_of_month,
            day_of_month=self.day_of_month,
            due_after=self.due_after,
            window_days=self.window_days,
        )

    def schedule_text(self) -> str:
        return calendar_rules.describe(self.schedule)

    def effective_due_after(self) -> timedelta:
        return self.due_after if self.due_after is not None else calendar_rules.DEFAULT_DUE_AFTER[self.frequency]


class ChecklistItem(models.Model):
    """One ordered line of a template."""

    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(default=0)
    text = models.CharField(max_length=500)
    help_text = models.TextField(blank=True)
    link = models.URLField(blank=True)
    required = models.BooleanField(default=True)
    evidence_required = models.BooleanField(default=False, help_text="A note must be written when ticking.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["template", "position", "pk"]

    def __str__(self) -> str:
        return self.text


class RunStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    COMPLETED_LATE = "completed_late", "Completed late"
    MISSED = "missed", "Missed"


ACTIVE_STATUSES = (RunStatus.OPEN, RunStatus.IN_PROGRESS)
DONE_STATUSES = (RunStatus.COMPLETED, RunStatus.COMPLETED_LATE)


class ChecklistRun(models.Model):
    """One occurrence of a template: a calendar period, or a subject such as an incident.

    Calendar runs have a ``period_date`` (the local date the run opens) and are unique per
    template and period; subject runs point at another object and are unique per template
    and subject. ``items_total`` and ``items_done`` are recounted from the run's items under
    the run's row lock after every tick, never incremented.
    """

    template = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT, related_name="runs")
    name = models.CharField(max_length=200, help_text="The template's name when the run was created.")
    period_date = models.DateField(null=True, blank=True)
    subject_content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, null=True, blank=True)
    subject_object_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_content_type", "subject_object_id")
    opens_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    missed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    items_total = models.PositiveIntegerField(default=0)
    items_done = models.PositiveIntegerField(default=0)
    reminded_at = models.DateTimeField(null=True, blank=True, help_text="When the one overdue reminder went out.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_at", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "period_date"],
                condition=Q(period_date__isnull=False),
                name="checklist_run_once_per_template_period",
            ),
            models.UniqueConstraint(
                fields=["template", "subject_content_type", "subject_object_id"],
                condition=Q(subject_object_id__isnull=False),
                name="checklist_run_once_per_template_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="checklist_run_sweep_idx"),
            models.Index(fields=["period_date"], name="checklist_run_period_idx"),
            models.Index(fields=["opens_at", "missed_at"], name="checklist_run_today_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.period_date or self.opens_at:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("checklists:run", args=[self.pk])

    @property
    def percent(self) -> int:
        return round(100 * self.items_done / self.items_total) if self.items_total else 0

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class RunItem(models.Model):
    """A run's copy of a template item, ticked by someone."""

    run = models.ForeignKey(ChecklistRun, on_delete=models.CASCADE, related_name="items")
    template_item = models.ForeignKey(ChecklistItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    position = models.PositiveIntegerField(default=0)
    text = models.CharField(max_length=500)
    help_text = models.TextField(blank=True)
    link = models.URLField(blank=True)
    required = models.BooleanField(default=True)
    evidence_required = models.BooleanField(default=False)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    note_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    problem = models.BooleanField(default=False)
    problem_note = models.TextField(blank=True)
    problem_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    problem_at = models.DateTimeField(null=True, blank=True)
    # What the problem raised (an incident, once that app links back): kept both ways.
    raised_content_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    raised_object_id = models.PositiveBigIntegerField(null=True, blank=True)
    raised = GenericForeignKey("raised_content_type", "raised_object_id")

    class Meta:
        ordering = ["run", "position", "pk"]

    def __str__(self) -> str:
        return self.text

    @property
    def is_done(self) -> bool:
        return self.done_at is not None
