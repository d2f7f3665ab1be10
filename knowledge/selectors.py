"""Reads of the knowledge library and its access checks, shared by pages, API and template tags."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from checklists.models import ChecklistRun
from knowledge import rules
from knowledge.models import Page, PageVersion

SEARCH_CONFIG = "english"
SEARCH_LIMIT = 50


def page_list(user: Any, *, service: int | None = None, tag: str = "", stale: bool = False) -> QuerySet[Page]:
    """Return the pages ``user`` may see, by title: published ones, and unpublished ones they own or review."""
    rules.require(rules.may_view(user), rules.VIEW_REFUSAL)
    pages = Page.objects.select_related("owner", "service", "published_version")
    if not rules.may_review(user):
        pages = pages.filter(Q(published_version__isnull=False) | Q(owner=user) | Q(versions__author=user)).distinct()
    if service is not None:
        pages = pages.filter(service_id=service)
    if tag:
        # Tags are a JSON list; matching the quoted word keeps it portable across PostgreSQL and SQLite.
        pages = pages.filter(tags__icontains=f'"{tag}"')
    if stale:
        pages = pages.filter(review_due_at__lte=timezone.now(), published_version__isnull=False)
    return pages.order_by("title", "pk")


def page_for_user(user: Any, pk: int) -> Page:
    """Return page ``pk`` when ``user`` may see it; 404 for a page that does not exist or that they may not see."""
    rules.require(rules.may_view(user), rules.VIEW_REFUSAL)
    page = Page.objects.select_related("owner", "service", "published_version").filter(pk=pk).first()
    if page is None:
        raise Http404("There is no such knowledge page.")
    if page.published_version_id is None and not (
        rules.may_see_drafts(user, page) or page.versions.filter(author=user).exists()
    ):
        raise Http404("There is no such knowledge page.")
    return page


def is_stale(page: Page, *, now: datetime | None = None) -> bool:
    """Return True when ``page`` is published and past its review date."""
    now = now or timezone.now()
    return page.published_version_id is not None and page.review_due_at is not None and page.review_due_at <= now


def versions_for_user(user: Any, page: Page) -> list[PageVersion]:
    """Return the versions of ``page`` that ``user`` may read, newest first."""
    versions = page.versions.select_related("author", "published_by").order_by("-number")
    return [version for version in versions if rules.may_see_version(user, version, page)]


def version_for_user(user: Any, page: Page, number: int) -> PageVersion:
    """Return version ``number`` of ``page``, or 404 when it is missing or a draft ``user`` may not read."""
    version = page.versions.select_related("author", "published_by").filter(number=number).first()
    if version is None or not rules.may_see_version(user, version, page):
        raise Http404("There is no such version of this page.")
    return version


def shown_version(user: Any, page: Page) -> PageVersion | None:
    """Return the version a reader sees: the published one, else (to those who may) the newest draft."""
    if page.published_version is not None:
        return page.published_version
    versions = versions_for_user(user, page)
    return versions[0] if versions else None


def newest_draft(user: Any, page: Page) -> PageVersion | None:
    """Return the newest version after the published one that ``user`` may read, if any."""
    published = page.published_version.number if page.published_version is not None else 0
    drafts = [v for v in versions_for_user(user, page) if v.number > published and v.published_at is None]
    return drafts[0] if drafts else None


def quality_runs(version: PageVersion) -> list[ChecklistRun]:
    """Return the quality checklist runs attached to ``version`` with their items."""
    content_type = ContentType.objects.get_for_model(PageVersion)
    return list(
        ChecklistRun.objects.filter(subject_content_type=content_type, subject_object_id=version.pk)
        .select_related("template")
        .prefetch_related("items__done_by")
        .order_by("template__position", "pk")
    )


# Search ---------------------------------------------------------------------------------------


def search(user: Any, query: str) -> list[Page]:
    """Return the published pages matching ``query``, best first.

    On PostgreSQL: the stored ``search_vector`` (title weighted above tags and body, GIN index)
    matched with ``websearch_to_tsquery`` and ordered by SearchRank. Elsewhere (SQLite) a
    case-insensitive contains over the published title and body, by title.
    """
    rules.require(rules.may_view(user), rules.VIEW_REFUSAL)
    query = (query or "").strip()[:200]
    if not query:
        return []
    pages = Page.objects.filter(published_version__isnull=False).select_related("published_version", "service", "owner")
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank

        search_query = SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")
        ranked = (
            pages.filter(search_vector=search_query)
            # F(): a plain name would be wrapped in to_tsvector() again, losing the stored weights.
            .annotate(rank=SearchRank(F("search_vector"), search_query))
            .order_by("-rank", "title", "pk")
        )
        return list(ranked[:SEARCH_LIMIT])
    words = Q()
    for word in query.split():
        words &= Q(title__icontains=word) | Q(published_version__body__icontains=word) | Q(tags__icontains=word)
    return list(pages.filter(words).order_by("title", "pk")[:SEARCH_LIMIT])


# Where the work is done -----------------------------------------------------------------------


def _published(pages: QuerySet[Page]) -> QuerySet[Page]:
    return pages.filter(published_version__isnull=False).order_by("title", "pk")


def runbooks_by_item(template_item_ids: Iterable[int | None]) -> dict[int, list[Page]]:
    """Return the published pages linked to each checklist item id (one query)."""
    ids = {pk for pk in template_item_ids if pk is not None}
    found: dict[int, list[Page]] = defaultdict(list)
    if not ids:
        return found
    through = Page.checklist_items.through
    rows = through.objects.filter(checklistitem_id__in=ids, page__published_version__isnull=False).select_related(
        "page"
    )
    for row in rows.order_by("page__title", "page_id"):
        found[row.checklistitem_id].append(row.page)
    return found


def runbooks_for_templates(template_ids: Iterable[int]) -> list[Page]:
    """Return the published pages linked to any of the checklist templates (phases)."""
    return list(_published(Page.objects.filter(checklist_templates__in=list(template_ids)).distinct()))


def runbooks_for_severity(severity_id: int) -> list[Page]:
    """Return the published pages linked to a severity."""
    return list(_published(Page.objects.filter(severities=severity_id)))


def runbooks_for_change_type(change_type: str) -> list[Page]:
    """Return the published pages linked to a change type."""
    return list(_published(Page.objects.filter(change_types__change_type=change_type)))


def runbooks_for_service(service_id: int) -> list[Page]:
    """Return the published pages of a service, stale ones included (they are marked)."""
    return list(_published(Page.objects.filter(service_id=service_id)).select_related("owner"))
