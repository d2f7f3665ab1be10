"""Django admin of the knowledge library: a page's settings and links are editable; versions and reminders read-only.

The text of a page lives in its versions and changes only through the services (a new version,
reviewed, then published), so admin edits what a page is linked with: its owner, service,
tags, review interval, and the checklist items, phases, severities, change types and vendors
whose pages show it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from knowledge.models import Page, PageChangeType, PageReviewReminder, PageVersion
from opsportal.admin import ReadOnlyAdmin, ReadOnlyInline


class PageVersionInline(ReadOnlyInline):
    model = PageVersion
    fields = ["number", "title", "summary", "author", "created_at", "published_at"]
    ordering = ["-number"]


class PageChangeTypeInline(admin.TabularInline):
    model = PageChangeType
    extra = 0


@admin.register(Page)
class PageAdmin(SimpleHistoryAdmin):
    list_display = ["title", "kind", "service", "owner", "review_due_at"]
    list_filter = ["kind", "service"]
    list_select_related = ["service", "owner"]
    search_fields = ["title"]
    fields = [
        "title",
        "kind",
        "owner",
        "service",
        "tags",
        "review_interval_days",
        "published_version",
        "reviewed_at",
        "review_due_at",
        "source_review",
        "checklist_items",
        "checklist_templates",
        "severities",
        "vendors",
    ]
    readonly_fields = ["title", "kind", "published_version", "reviewed_at", "review_due_at", "source_review"]
    filter_horizontal = ["checklist_templates", "severities", "vendors"]
    raw_id_fields = ["checklist_items"]
    inlines = [PageChangeTypeInline, PageVersionInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a page starts with a version: create it on /knowledge/new/

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return list(self.readonly_fields)


@admin.register(PageVersion)
class PageVersionAdmin(ReadOnlyAdmin):
    list_display = ["page", "number", "author", "created_at", "published_at"]
    list_select_related = ["page", "author"]
    search_fields = ["page__title", "title"]


@admin.register(PageReviewReminder)
class PageReviewReminderAdmin(ReadOnlyAdmin):
    list_display = ["page", "review_due_at", "created_at"]
