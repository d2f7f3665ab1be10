"""Django admin of the access app: every model here is a record, shown read-only."""

from __future__ import annotations

from django.contrib import admin

from access.models import AccessNotice, AccessReview, AccessReviewLine, RoleChange, TrainingRecord
from opsportal.admin import ReadOnlyAdmin, ReadOnlyInline


@admin.register(RoleChange)
class RoleChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "role", "action", "by", "via"]
    list_filter = ["role", "action"]
    list_select_related = ["user", "by"]


class AccessReviewLineInline(ReadOnlyInline):
    model = AccessReviewLine
    fields = ["user", "roles", "is_staff", "is_superuser", "last_login", "dormant", "decision", "reason",
              "decided_by", "decided_at"]  # fmt: skip


@admin.register(AccessReview)
class AccessReviewAdmin(ReadOnlyAdmin):
    list_display = ["quarter", "opened_at", "due_at", "completed_at"]
    inlines = [AccessReviewLineInline]


@admin.register(TrainingRecord)
class TrainingRecordAdmin(ReadOnlyAdmin):
    list_display = ["person", "topic", "completed_on", "expires_on", "recorded_by"]
    list_select_related = ["person", "recorded_by"]
    search_fields = ["topic"]


@admin.register(AccessNotice)
class AccessNoticeAdmin(ReadOnlyAdmin):
    list_display = ["key", "created_at"]
