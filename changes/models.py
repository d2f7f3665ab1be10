"""Models of the changes app: change requests, their history, deployment stages and calendar data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords


class ChangeType(models.TextChoices):
    STANDARD = "standard", "Standard"
    NORMAL = "normal", "Normal"
    EMERGENCY = "emergency", "Emergency"


class ChangeStatus(models.TextChoices):
    INITIATION = "initiation", "Initiation"
    ASSESSMENT = "assessment", "Assessment"
    APPROVAL = "approval", "Approval"
    PLANNING = "planning", "Planning"
    IMPLEMENTATION = "implementation", "Implementation"
    VERIFICATION = "verification", "Verification"
    DOCUMENTATION = "documentation", "Documentation"
    CLOSED = "closed", "Closed"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"


# The seven steps of the process, in order (the reference document's numbered list).
PROCESS_STATUSES: tuple[str, ...] = (
    ChangeStatus.INITIATION,
    ChangeStatus.ASSESSMENT,
    ChangeStatus.APPROVAL,
    ChangeStatus.PLANNING,
    ChangeStatus.IMPLEMENTATION,
    ChangeStatus.VERIFICATION,
    ChangeStatus.DOCUMENTATION,
)
TERMINAL_STATUSES: tuple[str, ...] = (
    ChangeStatus.CLOSED,
    ChangeStatus.REJECTED,
    ChangeStatus.CANCELLED,
    ChangeStatus.FAILED,
)


class Level(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class CloseCode(models.TextChoices):
    SUCCESSFUL = "successful", "Successful"
    SUCCESSFUL_WITH_ISSUES = "successful_with_issues", "Successful with issues"
    UNSUCCESSFUL = "unsuccessful", "Unsuccessful"


class StageOutcome(models.TextChoices):
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"
    ROLLED_BACK = "rolled_back", "Rolled back"


class ProcessStep(models.Model):
    """The reference document's description of one step of the change process."""

    status = models.CharField(max_length=20, choices=ChangeStatus.choices, unique=True)
    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order"]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"


class DeploymentStage(models.Model):
    """A stage every deployment passes through, in order (Development … Post-Deployment)."""

    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name


class ChangeSettings(models.Model):
    """The admin-editable settings of the change process (one row)."""

    approval_reminder_hours = models.PositiveIntegerField(
        default=24, help_text="Remind approvers when a change has waited this many hours for approval."
    )
    known_services = models.TextField(
        blank=True,
        help_text="Comma-separated names of the services changes may name; empty accepts any name.",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "change settings"
        verbose_name_plural = "change settings"

    def __str__(self) -> str:
        return "Change settings"

    @classmethod
    def load(cls) -> ChangeSettings:
        """Return the one settings row, creating it with defaults."""
        return cls.objects.get_or_create(pk=1)[0]


class FreezeWindow(models.Model):
    """A period in which normal changes may not be scheduled unless a manager overrides."""

    name = models.CharField(max_length=120)
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["start"]
        constraints = [models.CheckConstraint(condition=Q(end__gt=F("start")), name="freeze_window_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.name} ({self.start:%Y-%m-%d} – {self.end:%Y-%m-%d})"


class StandardChangeTemplate(models.Model):
    """A pre-approved standard change (the ServiceNow model): a standard change is raised only from one.

    Admins keep the catalogue in Django admin, with history. A change raised from a template
    copies its plans, likelihood and impact; the template is its approval, so a template may
    never be high risk with high impact (that change needs a manager's approval every time).
    """

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    implementation_plan = models.TextField()
    rollback_plan = models.TextField()
    likelihood = models.CharField(max_length=8, choices=Level.choices, default=Level.LOW)
    impact = models.CharField(max_length=8, choices=Level.choices, default=Level.LOW)
    risk = models.CharField(
        max_length=8, choices=Level.choices, default=Level.LOW, editable=False,
        help_text="Likelihood × impact, computed when the template is saved in admin.",
    )  # fmt: skip
    affected_services = models.CharField(
        max_length=500, blank=True, help_text="Comma-separated services the template covers; empty covers any."
    )
    active = models.BooleanField(default=True, help_text="Only active templates can be chosen for new changes.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~(Q(risk="high") & Q(impact="high")), name="standard_template_never_high_risk_high_impact"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Compute the risk from likelihood × impact and refuse a high-risk, high-impact template."""
        from django.core.exceptions import ValidationError

        from changes.services import risk_assess

        if self.likelihood in Level.values and self.impact in Level.values:
            self.risk = risk_assess(likelihood=self.likelihood, impact=self.impact)[0]
        if self.risk == Level.HIGH and self.impact == Level.HIGH:
            raise ValidationError(
                {
                    "impact": "A high-risk, high-impact change is never standard: it needs a manager's approval "
                    "every time. Lower the likelihood or the impact, or raise such changes as normal changes."
                }
            )

    @property
    def services(self) -> list[str]:
        return split_services(self.affected_services)


class ChangeRequest(models.Model):
    """A request to change a production system, walked through the declared workflow."""

    title = models.CharField(max_length=200)
    change_type = models.CharField(max_length=12, choices=ChangeType.choices, default=ChangeType.NORMAL)
    status = models.CharField(max_length=20, choices=ChangeStatus.choices, default=ChangeStatus.INITIATION)
    business_justification = models.TextField(blank=True)
    description = models.TextField(blank=True)
    affected_services = models.CharField(
        max_length=500, blank=True, help_text="Comma-separated service names, e.g. api, billing."
    )
    # The same services incidents name (one Service model): written by the changes services
    # from ``affected_services``, read by the service pages and the per-service failure rate.
    linked_services = models.ManyToManyField("incidents.Service", blank=True, related_name="changes", editable=False)
    likelihood = models.CharField(max_length=8, choices=Level.choices, default=Level.LOW)
    impact = models.CharField(max_length=8, choices=Level.choices, default=Level.LOW)
    risk = models.CharField(max_length=8, choices=Level.choices, default=Level.LOW)
    risk_rule = models.CharField(max_length=200, blank=True)
    implementation_plan = models.TextField(blank=True)
    rollback_plan = models.TextField(blank=True)
    verification_plan = models.TextField(blank=True)
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="changes_requested")
    implementer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="changes_implemented"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="changes_approved"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    freeze_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    freeze_override_reason = models.TextField(blank=True)
    close_code = models.CharField(max_length=24, choices=CloseCode.choices, blank=True)
    standard_template = models.ForeignKey(
        StandardChangeTemplate, on_delete=models.PROTECT, null=True, blank=True, related_name="changes",
        help_text="The pre-approved template a standard change was raised from.",
    )  # fmt: skip
    early_start_reason = models.TextField(
        blank=True, help_text="Why implementation started before the window (empty when it started on time)."
    )
    # Privacy impact assessment (issue 12): a flagged change gets the PIA checklist (templates
    # attached to changes) and cannot be approved until its required items are ticked.
    new_feature = models.BooleanField(default=False, help_text="The change ships a new feature.")
    processes_personal_data = models.BooleanField(
        default=False, help_text="The change processes personal data (new purpose, fields or recipients)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    status_changed_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_start__isnull=True)
                | Q(window_end__isnull=True)
                | Q(window_end__gt=F("window_start")),
                name="change_window_ends_after_start",
            ),
        ]
        indexes = [
            # The change list and the API list page through changes newest first.
            models.Index(fields=["-created_at", "-id"], name="change_newest_first_idx"),
            models.Index(fields=["status", "status_changed_at"], name="change_status_waiting_idx"),
            models.Index(fields=["window_start", "window_end"], name="change_calendar_idx"),
            models.Index(fields=["completed_at"], name="change_failure_rate_idx"),
        ]

    def __str__(self) -> str:
        return f"CHG-{self.pk}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("changes:detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"CHG-{self.pk}"

    @property
    def services(self) -> list[str]:
        """Return the affected services as a list of lower-case names."""
        return split_services(self.affected_services)


def split_services(text: str) -> list[str]:
    """Return the service names in a comma-separated list, stripped, lower-cased, unique."""
    seen: list[str] = []
    for part in (text or "").split(","):
        name = part.strip().lower()
        if name and name not in seen:
            seen.append(name)
    return seen


class ChangeHistory(models.Model):
    """One append-only entry on a change's history: a transition, decision or stage result."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        EDITED = "edited", "Edited"
        TRANSITION = "transition", "Transition"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        STAGE = "stage", "Deployment stage"
        ROLLBACK = "rollback", "Rollback"
        FREEZE_OVERRIDE = "freeze_override", "Freeze override"
        INCIDENT_LINKED = "incident_linked", "Incident linked"
        INCIDENT_UNLINKED = "incident_unlinked", "Incident unlinked"

    change = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="history")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField()
    from_status = models.CharField(max_length=20, choices=ChangeStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ChangeStatus.choices, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name_plural = "change history"

    def __str__(self) -> str:
        return f"{self.change_id} {self.kind} at {self.at:%Y-%m-%d %H:%M}"


class StageResult(models.Model):
    """The recorded result of one deployment stage of one change (append-only; latest wins)."""

    change = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="stage_results")
    stage = models.ForeignKey(DeploymentStage, on_delete=models.PROTECT, related_name="results")
    outcome = models.CharField(max_length=12, choices=StageOutcome.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    evidence = models.TextField(blank=True)
    rolled_back = models.TextField(blank=True, help_text="What was rolled back.")

    class Meta:
        ordering = ["recorded_at", "pk"]
        # Reports find the changes whose Production stage passed in a period.
        indexes = [models.Index(fields=["recorded_at"], name="stage_result_recorded_idx")]

    def __str__(self) -> str:
        return f"{self.stage} {self.outcome}"


class CalendarToken(models.Model):
    """The secret in a user's iCalendar feed URL."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="change_calendar_token"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Calendar token of {self.user}"


class ChangeReminder(models.Model):
    """The outbox of reminders: one row per change and kind, written before anyone is notified."""

    class Kind(models.TextChoices):
        APPROVAL_WAITING = "approval_waiting", "Waiting for approval"
        WINDOW_PASSED = "window_passed", "Window passed without implementation"

    change = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["change", "kind"], name="change_reminder_once")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.change_id}"


class IncidentLinkKind(models.TextChoices):
    CAUSED = "caused", "Caused by this change"
    RELATED = "related", "Related"


class ChangeIncidentLink(models.Model):
    """A change linked to an incident it caused, or that is related; one link per pair.

    A change linked as the cause of an incident counts as failed in the change failure rate.
    """

    change = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="incident_links")
    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="change_links")
    kind = models.CharField(max_length=8, choices=IncidentLinkKind.choices, default=IncidentLinkKind.RELATED)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    linked_at = models.DateTimeField()

    class Meta:
        ordering = ["change", "incident"]
        constraints = [
            models.UniqueConstraint(fields=["change", "incident"], name="change_incident_link_once"),
        ]
        indexes = [models.Index(fields=["kind", "change"], name="change_link_caused_idx")]

    def __str__(self) -> str:
        return f"CHG-{self.change_id} {self.kind} #{self.incident_id}"
