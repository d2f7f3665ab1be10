"""Every write of the knowledge library: pages, versions, publishing, reviews and stale reminders."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from checklists.models import AttachTo, ChecklistRun, ChecklistTemplate, RunItem
from checklists.services import run_create_for_subject, subject_item_hook_register
from knowledge import rules
from knowledge.models import (
    BODY_MAX_LENGTH,
    MAX_REVIEW_DAYS,
    MAX_TAGS,
    TAG_MAX_LENGTH,
    Page,
    PageChangeType,
    PageKind,
    PageReviewReminder,
    PageVersion,
)
from knowledge.rendering import plain_text
from opsportal import clock
from opsportal.errors import Conflict
from opsportal.outbox import insert_once

_TAG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class NotReviewed(Conflict):
    """A version's quality checklist is not done (or was ticked by its author): it cannot be published."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="version")


class SelfReview(Conflict):
    """The author of a version ticked an item of its own quality review."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="done_by")


# Validation -----------------------------------------------------------------------------------


def clean_tags(raw: Any) -> list[str]:
    """Return ``raw`` (a list, or words separated by commas or spaces) as sorted unique tags, or raise naming ``tags``."""
    if raw is None or raw == "":
        return []
    words = re.split(r"[,\s]+", raw) if isinstance(raw, str) else raw
    if not isinstance(words, list | tuple) or not all(isinstance(word, str) for word in words):
        raise ValidationError({"tags": "Give the tags as a list of words."})
    tags = sorted({word.strip().lower() for word in words if word.strip()})
    for tag in tags:
        if len(tag) > TAG_MAX_LENGTH or not _TAG.match(tag):
            raise ValidationError(
                {"tags": f"“{tag[:TAG_MAX_LENGTH]}” is not a tag: use lower-case letters, digits and hyphens."}
            )
    if len(tags) > MAX_TAGS:
        raise ValidationError({"tags": f"Give at most {MAX_TAGS} tags (there are {len(tags)})."})
    return tags


def _clean_text(*, title: str, body: str, summary: str) -> tuple[str, str, str]:
    errors: dict[str, str] = {}
    title, summary = (title or "").strip(), (summary or "").strip()
    body = (body or "").replace("\r\n", "\n")
    if not title:
        errors["title"] = "Give the page a title."
    elif len(title) > 200:
        errors["title"] = f"Keep the title to 200 characters (this one has {len(title)})."
    if not body.strip():
        errors["body"] = "Write the page's text."
    elif len(body) > BODY_MAX_LENGTH:
        errors["body"] = f"Keep the text to {BODY_MAX_LENGTH} characters (this one has {len(body)})."
    if len(summary) > 300:
        errors["summary"] = f"Keep the summary to 300 characters (this one has {len(summary)})."
    if errors:
        raise ValidationError(errors)
    return title, body, summary


def _clean_interval(days: Any) -> int:
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_REVIEW_DAYS:
        raise ValidationError({"review_interval_days": f"Give a whole number of days from 1 to {MAX_REVIEW_DAYS}."})
    return days


# Pages and versions ---------------------------------------------------------------------------


def _version_create(*, page: Page, by: Any, title: str, body: str, summary: str, now: datetime) -> PageVersion:
    """Add the next version of ``page`` and its quality checklist runs (the page row is locked)."""
    last = page.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = PageVersion.objects.create(
        page=page, number=last + 1, title=title, body=body, summary=summary, author=by, created_at=now
    )
    for template in ChecklistTemplate.objects.filter(attach_to=AttachTo.PAGE_VERSION, is_active=True):
        run_create_for_subject(template=template, subject=version, opens_at=now, without_deadline=True)
    return version


def page_create(
    *,
    by: Any,
    title: str,
    body: str,
    kind: str = PageKind.RUNBOOK,
    service: Any = None,
    tags: Any = None,
    review_interval_days: int = 90,
    summary: str = "",
    owner: Any = None,
    source_review: Any = None,
) -> Page:
    """Create a page owned by ``owner`` (default ``by``) with its first version, a draft awaiting review."""
    rules.require(rules.may_write(by), rules.WRITE_REFUSAL)
    title, body, summary = _clean_text(title=title, body=body, summary=summary or "First version.")
    if kind not in PageKind.values:
        raise ValidationError({"kind": f"Choose one of: {', '.join(PageKind.values)}."})
    tags = clean_tags(tags)
    review_interval_days = _clean_interval(review_interval_days)
    now = timezone.now()
    with transaction.atomic():
        page = Page.objects.create(
            title=title,
            kind=kind,
            owner=owner or by,
            service=service,
            tags=tags,
            review_interval_days=review_interval_days,
            created_at=now,
            source_review=source_review,
        )
        _version_create(page=page, by=by, title=title, body=body, summary=summary, now=now)
    return page


def page_update(
    *,
    page: Page,
    by: Any,
    title: str | None = None,
    body: str | None = None,
    summary: str = "",
    **settings: Any,
) -> PageVersion | None:
    """Edit ``page``: a changed title or body makes a new draft version (returned); settings apply at once.

    ``settings`` may hold ``service``, ``tags``, ``review_interval_days`` and ``owner`` (page
    settings, not content: no review needed). Versions are never changed: an edit of the text
    is always a new version, published once its quality checklist is done.
    """
    rules.require(rules.may_write(by), rules.WRITE_REFUSAL)
    unknown = set(settings) - {"service", "tags", "review_interval_days", "owner"}
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "This field cannot be changed here."})
    if "tags" in settings:
        settings["tags"] = clean_tags(settings["tags"])
    if "review_interval_days" in settings:
        settings["review_interval_days"] = _clean_interval(settings["review_interval_days"])
    now = timezone.now()
    with transaction.atomic():
        locked = Page.objects.select_for_update().get(pk=page.pk)
        latest = locked.versions.order_by("-number").first()
        version = None
        new_title = latest.title if latest and title is None else title
        new_body = latest.body if latest and body is None else body
        if latest is None or (new_title, new_body) != (latest.title, latest.body):
            clean_title, clean_body, summary = _clean_text(
                title=new_title or "", body=new_body or "", summary=summary or "Edited."
            )
            if latest is None or (clean_title, clean_body) != (latest.title, latest.body):
                version = _version_create(
                    page=locked, by=by, title=clean_title, body=clean_body, summary=summary, now=now
                )
        if settings:
            for field, value in settings.items():
                setattr(locked, field, value)
            if "review_interval_days" in settings and locked.reviewed_at is not None:
                locked.review_due_at = clock.after(locked.reviewed_at, timedelta(days=locked.review_interval_days))
            locked.save(update_fields=[*settings, "review_due_at"])
            if "tags" in settings:
                _search_vector_update(locked)
    page.refresh_from_db()
    return version


def publish_refusal(version: PageVersion) -> str:
    """Return why ``version`` cannot be published now, or "" when it can.

    1. Its quality checklist runs must all be completed (every required item ticked).
    2. No item may have been ticked by the version's author (the tick rule refuses that
       already; this catches ticks recorded before the rule, or through another path).
    """
    content_type = ContentType.objects.get_for_model(PageVersion)
    runs = ChecklistRun.objects.filter(subject_content_type=content_type, subject_object_id=version.pk)
    open_runs = [run for run in runs if run.status not in ("completed", "completed_late")]
    if open_runs:
        run = open_runs[0]
        left = run.items_total - run.items_done
        return (
            f"Version {version.number} cannot be published yet: its quality checklist “{run.name}” has "
            f"{left} of {run.items_total} items left, to be ticked by someone other than its author."
        )
    if RunItem.objects.filter(run__in=runs, done_by_id=version.author_id).exists():
        return (
            f"Version {version.number} cannot be published: its author ticked an item of its own quality "
            "checklist. Someone else must review it (untick and tick again)."
        )
    return ""


def version_publish(*, version: PageVersion, by: Any) -> PageVersion:
    """Publish ``version``: readers see it from now on and the page's review period starts again.

    Raise NotReviewed (409) while its quality checklist is not done by someone other than
    its author, Conflict when it is published already or a newer version is.
    """
    rules.require(rules.may_write(by), rules.WRITE_REFUSAL)
    now = timezone.now()
    with transaction.atomic():
        page = Page.objects.select_for_update(of=("self",)).select_related("published_version").get(pk=version.page_id)
        if (
            version.published_at is not None
            or PageVersion.objects.filter(pk=version.pk, published_at__isnull=False).exists()
        ):
            raise Conflict(f"Version {version.number} is published already.", field="version")
        if page.published_version is not None and page.published_version.number > version.number:
            raise Conflict(
                f"Version {page.published_version.number} is published already; publish a newer version instead.",
                field="version",
            )
        refusal = publish_refusal(version)
        if refusal:
            raise NotReviewed(refusal)
        if (
            PageVersion.objects.filter(pk=version.pk, published_at__isnull=True).update(
                published_at=now, published_by=by
            )
            != 1
        ):
            raise Conflict(f"Version {version.number} is published already.", field="version")
        page.published_version = version
        page.title = version.title
        page.reviewed_at = now
        page.review_due_at = clock.after(now, timedelta(days=page.review_interval_days))
        page.save(update_fields=["published_version", "title", "reviewed_at", "review_due_at"])
        _search_vector_update(page)
    version.refresh_from_db()
    return version


def page_mark_reviewed(*, page: Page, by: Any) -> Page:
    """Record that the published page was reviewed and is still right: a new review period starts now."""
    rules.require(rules.may_write(by), rules.WRITE_REFUSAL)
    if page.published_version_id is None:
        raise Conflict("Publish a version first: a page is reviewed when it is published.", field="version")
    now = timezone.now()
    Page.objects.filter(pk=page.pk).update(
        reviewed_at=now, review_due_at=clock.after(now, timedelta(days=page.review_interval_days))
    )
    page.refresh_from_db()
    return page


def page_review_backfill(*, page: Page, reviewed_at: datetime) -> None:
    """Record that ``page`` was last reviewed at ``reviewed_at`` (in the past).

    For the demo seeder only, which writes a believable history on purpose (some pages stale);
    no view, API or task calls it.
    """
    Page.objects.filter(pk=page.pk).update(
        reviewed_at=reviewed_at, review_due_at=clock.after(reviewed_at, timedelta(days=page.review_interval_days))
    )


def _search_vector_update(page: Page) -> None:
    """Write the page's search vector from its published title, tags and body (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        return
    from django.contrib.postgres.search import SearchVector
    from django.db.models import Value

    version = page.published_version if page.published_version_id is not None else None
    if version is None:
        Page.objects.filter(pk=page.pk).update(search_vector=None)
        return
    Page.objects.filter(pk=page.pk).update(
        search_vector=SearchVector(Value(version.title), weight="A", config="english")
        + SearchVector(Value(" ".join(page.tags or [])), weight="B", config="english")
        + SearchVector(Value(plain_text(version.body)), weight="C", config="english")
    )


# Links ------------------------------------------------------------------------------------------


def page_links_set(*, page: Page, by: Any, change_types: list[str] | None = None, vendors: Any = None) -> None:
    """Set the change types and vendors ``page`` is linked with (None leaves one as it is)."""
    rules.require(rules.may_write(by), rules.WRITE_REFUSAL)
    with transaction.atomic():
        if change_types is not None:
            PageChangeType.objects.filter(page=page).exclude(change_type__in=change_types).delete()
            for change_type in change_types:
                insert_once(PageChangeType, page=page, change_type=change_type)
        if vendors is not None:
            page.vendors.set(vendors)


# Quality review rule --------------------------------------------------------------------------


def quality_item_changed(*, item: RunItem, run: ChecklistRun, by: Any, done: bool, now: datetime) -> None:
    """Refuse a tick of a version's quality checklist by the version's author (called inside the run's lock)."""
    if not done or run.subject_object_id is None:
        return
    version = PageVersion.objects.filter(pk=run.subject_object_id).only("author_id", "number").first()
    if version is not None and by is not None and version.author_id == by.pk:
        raise SelfReview(
            f"You wrote version {version.number} of this page: its quality review must be ticked by someone else."
        )


subject_item_hook_register(model_label="knowledge.pageversion", hook=quality_item_changed)


# Stale pages ------------------------------------------------------------------------------------


def page_remind_stale(*, page: Page, now: datetime) -> bool:
    """Remind the owner of a stale page once for its current review period; return True when sent now."""
    from opsportal.notifications import notification_send

    if page.review_due_at is None or page.review_due_at > now or page.published_version_id is None:
        return False
    with transaction.atomic():
        _, created = insert_once(PageReviewReminder, page=page, review_due_at=page.review_due_at)
        if not created:
            return False
        due = timezone.localtime(page.review_due_at, clock.portal_zone())
        notification_send(
            recipients=[page.owner],
            key=f"knowledge-page-{page.pk}-review-{page.review_due_at:%Y%m%dT%H%M%S}",
            subject=f"Review the runbook: {page.title}",
            body=(
                f"“{page.title}” was due for review on {due:%d %b %Y}. Check it is still right, then edit it "
                "(a new version) or mark it reviewed."
            ),
            link=page.get_absolute_url(),
        )
    return True


def pages_remind_stale(*, now: datetime | None = None) -> int:
    """Remind the owners of every stale page once per review period; safe to run as often as beat likes."""
    now = now or timezone.now()
    already = PageReviewReminder.objects.filter(page_id=OuterRef("pk"), review_due_at=OuterRef("review_due_at"))
    stale = (
        Page.objects.filter(review_due_at__lte=now, published_version__isnull=False)
        .exclude(Exists(already))
        .select_related("owner")
    )
    return sum(int(page_remind_stale(page=page, now=now)) for page in stale)


# Incident reports -------------------------------------------------------------------------------


def review_report_markdown(review: Any) -> str:
    """Return a completed post-incident review as the Markdown of an incident report."""
    incident = review.incident
    sections = [
        ("Summary", review.summary),
        ("Root cause", review.root_cause),
        ("Contributing factors", review.contributing_factors),
        ("Lessons learned", review.lessons_learned),
        ("Preventive measures", review.preventive_measures),
    ]
    lines = [
        f"Incident #{incident.pk} ({incident.severity.code}), detected "
        f"{timezone.localtime(incident.detected_at, clock.portal_zone()):%d %b %Y %H:%M}.",
        "",
    ]
    for heading, text in sections:
        if text.strip():
            lines += [f"## {heading}", "", text.strip(), ""]
    actions = list(review.action_items.all())
    if actions:
        lines += ["## Action items", ""]
        lines += [f"- {'[done] ' if item.done else ''}{item.description}" for item in actions]
    return "\n".join(lines).strip() + "\n"


def review_publish(*, review: Any, by: Any) -> Page:
    """Publish a completed post-incident review to the library as an incident report page (once).

    The page's first version goes through the quality checklist like any other.
    """
    rules.require(rules.may_write(by), rules.WRITE_REFUSAL)
    if review.completed_at is None:
        raise Conflict("Complete the review before publishing it as an incident report.", field="review")
    existing = Page.objects.filter(source_review=review).first()
    if existing is not None:
        raise Conflict(f"This review is in the library already: “{existing.title}”.", field="review")
    incident = review.incident
    service = incident.services.order_by("name").first()
    try:
        return page_create(
            by=by,
            title=f"Incident report: {incident.title}"[:200],
            body=review_report_markdown(review),
            kind=PageKind.INCIDENT_REPORT,
            service=service,
            tags=["incident-report", incident.severity.code.lower()],
            review_interval_days=365,
            summary=f"Published from the post-incident review of incident #{incident.pk}.",
            source_review=review,
        )
    except IntegrityError:  # a concurrent publish of the same review won on the one-to-one constraint
        raise Conflict("This review is in the library already.", field="review") from None
