"""Models of the reporting app: KPI definitions, measurements, report schedules and snapshots."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords


class Category(models.TextChoices):
    FINANCIAL = "financial", "Financial"
    USER_ENGAGEMENT = "user_engagement", "User engagement"
    CONTENT_PERFORMANCE = "content_performance", "Content performance"
    SYSTEM_PERFORMANCE = "system_performance", "System performance"
    OPERATIONS = "operations", "Operations"


class Direction(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class Aggregation(models.TextChoices):
    SUM = "sum", "Sum over the period"
    AVERAGE = "average", "Average over the period"
    LAST = "last", "Last value in the period"


class Source(models.TextChoices):
    MANUAL = "manual", "Entered (form, API, CSV)"
    COMPUTED = "computed", "Computed by the portal"


class ReportKind(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"


class KpiDefinition(models.Model):
    """A key performance indicator: what it measures, in which unit, and which way is good."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    category = models.CharField(max_length=32, choices=Category.choices)
    unit = models.CharField(max_length=20, blank=True, help_text="For example %, ms, EUR, users, min.")
    target = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    min_value = models.DecimalField(
        max_digits=20, decimal_places=4, null=True, blank=True, help_text="Lowest plausible value (0 for counts)."
    )
    max_value = models.DecimalField(
        max_digits=20, decimal_places=4, null=True, blank=True, help_text="Highest plausible value (100 for %)."
    )
    direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.HIGHER)
    aggregation = models.CharField(max_length=8, choices=Aggregation.choices, default=Aggregation.AVERAGE)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    description = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["category", "name"]
        verbose_name = "KPI definition"
        constraints = [
            models.CheckConstraint(
                condition=Q(min_value__isnull=True) | Q(max_value__isnull=True) | Q(min_value__lte=F("max_value")),
                name="kpi_min_not_above_max",
                violation_error_message="The minimum cannot be above the maximum.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class KpiMeasurement(models.Model):
    """The value of a manual KPI on one date; posting the same KPI and date again updates it."""

    kpi = models.ForeignKey(KpiDefinition, on_delete=models.CASCADE, related_name="measurements")
    date = models.DateField()
    value = models.DecimalField(max_digits=20, decimal_places=4)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kpi", "-date"]
        constraints = [models.UniqueConstraint(fields=["kpi", "date"], name="kpi_measurement_once_per_kpi_date")]
        indexes = [models.Index(fields=["date", "kpi"], name="kpi_measurement_period_idx")]

    def __str__(self) -> str:
        return f"{self.kpi} on {self.date}: {self.value}"


DEFAULT_BUILD_TIMES = {
    ReportKind.DAILY: time(6, 0),
    ReportKind.WEEKLY: time(6, 30),
    ReportKind.MONTHLY: time(7, 0),
    ReportKind.QUARTERLY: time(7, 30),
}


class ReportSchedule(models.Model):
    """When a kind of report is built (after its period ends) and who receives it."""

    kind = models.CharField(max_length=10, choices=ReportKind.choices, unique=True)
    description = models.CharField(max_length=300, blank=True)
    enabled = models.BooleanField(default=True)
    build_time = models.TimeField(
        default=time(6, 0), help_text="Time of day (portal time zone) after which the last complete period is built."
    )
    recipients_group = models.CharField(max_length=150, default="Manager", help_text="Django group that receives it.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} report"


class Report(models.Model):
    """An immutable snapshot of one report for one period; built once, never updated."""

    kind = models.CharField(max_length=10, choices=ReportKind.choices)
    period_start = models.DateField()
    period_end = models.DateField(help_text="The last day the period includes.")
    built_at = models.DateTimeField()
    data = models.JSONField()

    class Meta:
        ordering = ["-period_start", "kind"]
        constraints = [models.UniqueConstraint(fields=["kind", "period_start"], name="report_once_per_kind_period")]
        indexes = [models.Index(fields=["kind", "-period_start"], name="report_list_by_kind_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} report {self.period_start:%Y-%m-%d} – {self.period_end:%Y-%m-%d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Invariant: a snapshot is written once. There is no update path, so a later change
        # to the data can never alter a report someone already read.
        if not self._state.adding:
            raise ValueError("A built report is an immutable snapshot and cannot be changed.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return f"/reports/{self.pk}/"


class ReportDelivery(models.Model):
    """The outbox of report e-mails: one row per report and recipient, written before sending."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "report deliveries"
        constraints = [
            models.UniqueConstraint(fields=["report", "recipient"], name="report_delivery_once_per_recipient")
        ]

    def __str__(self) -> str:
        return f"{self.report} → {self.recipient}"
