"""Models of the knowledge library: runbook and SOP pages, their immutable versions, review reminders."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from changes.models import ChangeType

BODY_MAX_LENGTH = 100_000
TAG_MAX_LENGTH = 40
MAX_TAGS = 12
DEFAULT_REVIEW_DAYS = 90
MAX_REVIEW_DAYS = 3650


class PageKind(models.TextChoices):
    RUNBOOK = "runbook", "Runbook"
    SOP = "sop", "Standard operating procedure"
    INCIDENT_REPORT = "incident_report", "Incident report"


class Page(models.Model):
    """A runbook, SOP or incident report: its text lives in versions; readers see the published one.

    ``published_version`` is what readers see; newer versions are drafts until their quality
    checklist is done and someone publishes them. ``review_due_at`` is the end of the current
    review period (the last publish or review plus ``review_interval_days``); past it the page is
    stale and its owner is reminded once for that period. ``search_vector`` holds the published
    title, tags and body for full-text search on PostgreSQL, written by the services.
    """

    title = models.CharField(max_length=200, help_text="The published version's title.")
    kind = models.CharField(max_length=16, choices=PageKind.choices, default=PageKind.RUNBOOK)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="knowledge_pages")
    service = models.ForeignKey(
        "incidents.Service", null=True, blank=True, on_delete=models.SET_NULL, related_name="runbooks"
    )
    tags = models.JSONField(default=list, blank=True, help_text="Short lower-case words, e.g. database, backup.")
    review_interval_days = models.PositiveSmallIntegerField(
        default=DEFAULT_REVIEW_DAYS, help_text="Days after a publish or review before the page is stale."
    )
    published_version = models.ForeignKey(
        "knowledge.PageVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, help_text="The last publish or review.")
    review_due_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    source_review = models.OneToOneField(
        "incidents.PostIncidentReview",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="knowledge_page",
        help_text="The post-incident review this incident report was published from.",
    )
    # Where the work is done: each link shows this page next to the item, severity, phase or change.
    checklist_items = models.ManyToManyField("checklists.ChecklistItem", blank=True, related_name="runbooks")
    checklist_templates = models.ManyToManyField(
        "checklists.ChecklistTemplate",
        blank=True,
        related_name="runbooks",
        help_text="Checklists and incident response phases whose runs show this page.",
    )
    severities = models.ManyToManyField("incidents.Severity", blank=True, related_name="runbooks")
    vendors = models.ManyToManyField("coordination.Vendor", blank=True, related_name="runbooks")
    search_vector = SearchVectorField(null=True, editable=False)
    history = HistoricalRecords(m2m_fields=[], excluded_fields=["search_vector"])

    class Meta:
        ordering = ["title", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(review_interval_days__gte=1, review_interval_days__lte=MAX_REVIEW_DAYS),
                name="knowledge_page_review_interval_sane",
            )
        ]
        indexes = [
            models.Index(fields=["review_due_at"], name="knowledge_page_stale_sweep_idx"),
            # Full-text search (PostgreSQL); created by the migration on PostgreSQL only.
            GinIndex(fields=["search_vector"], name="knowledge_page_search_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("knowledge:page", args=[self.pk])


class PageChangeType(models.Model):
    """A change type whose changes show this page (change types are choices, not rows)."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="change_types")
    change_type = models.CharField(max_length=16, choices=ChangeType.choices)

    class Meta:
        ordering = ["change_type"]
        constraints = [models.UniqueConstraint(fields=["page", "change_type"], name="knowledge_page_change_type_once")]

    def __str__(self) -> str:
        return f"{self.page} for {self.get_change_type_display()} changes"


class PageVersion(models.Model):
    """One edit of a page, never changed afterwards; published once its quality checklist is done."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown; raw HTML is shown as text.")
    summary = models.CharField(max_length=300, blank=True, help_text="What changed in this version.")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["page", "-number"]
        constraints = [models.UniqueConstraint(fields=["page", "number"], name="knowledge_version_number_once")]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("knowledge:version", args=[self.page_id, self.number])

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class PageReviewReminder(models.Model):
    """The outbox row of a stale page's reminder: one per page and review period (its due instant)."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="+")
    review_due_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["page", "review_due_at"], name="knowledge_review_reminder_once")]

    def __str__(self) -> str:
        return f"Review reminder of {self.page} due {self.review_due_at:%Y-%m-%d}"
