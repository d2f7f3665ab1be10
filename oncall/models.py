"""On-call schedules: layers of rotating members, overrides, and the kept log of past shifts."""

from __future__ import annotations

from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords


class Schedule(models.Model):
    """A named on-call schedule read in its own time zone."""

    name = models.CharField(max_length=200, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    # Shifts before this instant are read from the shift log, never recomputed (see services.shift_log_append).
    logged_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Refuse a zone name zoneinfo does not know (the admin's form shows it next to the field)."""
        if self.time_zone not in available_timezones():
            raise ValidationError({"time_zone": f"{self.time_zone!r} is not a time zone name (e.g. Europe/London)."})


class Layer(models.Model):
    """An ordered rotation of members; the layer listed last wins where layers overlap."""

    class Role(models.TextChoices):
        PRIMARY = "primary", "Primary"
        BACKUP = "backup", "Backup (names the secondary)"

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="layers")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=100, blank=True)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.PRIMARY)
    shift_days = models.PositiveSmallIntegerField(default=7, help_text="1 daily, 7 weekly, or any number of days.")
    handoff_time = models.TimeField(help_text="Local wall-clock time in the schedule's zone.")
    starts_on = models.DateField()
    weekdays = models.JSONField(null=True, blank=True, help_text="Optional list of weekdays, Monday 0.")
    hours_start = models.TimeField(null=True, blank=True)
    hours_end = models.TimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["schedule", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "position"], name="oncall_layer_position_unique"),
            models.CheckConstraint(condition=Q(shift_days__gte=1), name="oncall_layer_shift_days_positive"),
            models.CheckConstraint(
                condition=Q(hours_start__isnull=True, hours_end__isnull=True)
                | Q(hours_start__isnull=False, hours_end__isnull=False),
                name="oncall_layer_hours_both_or_none",
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.schedule} layer {self.position + 1}"

    def clean(self) -> None:
        """Refuse weekdays that are not a list of 0-6 and hours given by half (shown next to the field)."""
        days = self.weekdays
        if days is not None and (
            not isinstance(days, list)
            or not days
            or any(isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6 for day in days)
        ):
            raise ValidationError({"weekdays": "Give a list of weekdays, Monday 0 to Sunday 6, e.g. [0, 1, 2, 3, 4]."})
        if (self.hours_start is None) != (self.hours_end is None):
            raise ValidationError({"hours_end": "Give both ends of the hours, or neither."})
        if self.hours_start is not None and self.hours_start == self.hours_end:
            raise ValidationError({"hours_end": "The hours must end at another time than they start."})


class LayerMember(models.Model):
    """A person in a layer's rotation, in order."""

    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["layer", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["layer", "position"], name="oncall_member_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.layer}"


class Override(models.Model):
    """One person covering a window of a schedule; a swap is two overrides."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="overrides")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["schedule", "start", "pk"]
        constraints = [models.CheckConstraint(condition=Q(end__gt=F("start")), name="oncall_override_end_after_start")]
        indexes = [models.Index(fields=["schedule", "end"], name="oncall_override_by_schedule")]

    def __str__(self) -> str:
        return f"{self.user} covers {self.schedule} from {self.start:%Y-%m-%d %H:%M}"


class ShiftLog(models.Model):
    """A shift that started: who held which role, from when to when, and from which layer or override.

    Appended by the beat sweep; the past is read from here and never recomputed from layers.
    """

    class ShiftRole(models.TextChoices):
        PRIMARY = "primary", "Primary"
        SECONDARY = "secondary", "Secondary"

    class Source(models.TextChoices):
        LAYER = "layer", "Layer"
        OVERRIDE = "override", "Override"

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="shift_log")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=10, choices=ShiftRole.choices)
    start = models.DateTimeField()
    end = models.DateTimeField()
    source = models.CharField(max_length=10, choices=Source.choices)
    layer = models.ForeignKey(Layer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    override = models.ForeignKey(Override, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    logged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["schedule", "start", "role"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "role", "start"], name="oncall_shift_logged_once"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="oncall_shift_end_after_start"),
        ]
        indexes = [models.Index(fields=["schedule", "role", "end"], name="oncall_shift_by_schedule_end")]

    def __str__(self) -> str:
        return f"{self.user} {self.role} on {self.schedule} from {self.start:%Y-%m-%d %H:%M}"


class FeedToken(models.Model):
    """The secret in a user's on-call iCalendar feed URL (as ``changes.CalendarToken`` for changes)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oncall_feed_token")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"On-call feed token of {self.user}"


class Handover(models.Model):
    """One handoff of a schedule: the outgoing person's note, the digest sent once, its acknowledgement.

    Written before the digest is sent (the outbox row): unique per schedule and handoff instant, so
    a sweep that runs twice, or on two workers, sends one digest. ``sent_at`` is set by the one
    conditional UPDATE that wins; ``acknowledged_at`` by the incoming person.
    """

    NOTE_MAX_LENGTH = 5000

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="handovers")
    handoff_at = models.DateTimeField()
    outgoing = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    incoming = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True, help_text="The outgoing person's note for the incoming one.")
    note_updated_at = models.DateTimeField(null=True, blank=True)
    digest = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder, help_text="As sent.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-handoff_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "handoff_at"], name="oncall_handover_once_per_handoff"),
        ]
        indexes = [models.Index(fields=["incoming", "-handoff_at"], name="oncall_handover_by_incoming")]

    def __str__(self) -> str:
        return f"{self.schedule} handoff at {self.handoff_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("handovers:detail", args=[self.pk])
