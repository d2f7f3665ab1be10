"""Shared Django admin pieces, and the read-only admin of in-app notifications.

Records with a workflow (incidents, changes, runs, reviews, notifications, reports) change
only through their services, so the admin shows them and nothing more: no add, change or
delete, for superusers too (``has_*_permission`` returning False overrides ``is_superuser``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from opsportal.models import Notification


class ReadOnlyAdmin(admin.ModelAdmin):
    """Show rows without any way to add, change or delete them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    """Show related rows inside a read-only page: no add, change or delete."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["recipient", "subject", "created_at", "read_at", "emailed_at"]
    list_select_related = ["recipient"]
    search_fields = ["subject", "key"]
