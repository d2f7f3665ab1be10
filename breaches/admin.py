"""Django admin of the breaches app: breaches and their reminders are workflow records, read-only."""

from __future__ import annotations

from django.contrib import admin

from breaches.models import Breach, BreachReminder
from opsportal.admin import ReadOnlyAdmin


@admin.register(Breach)
class BreachAdmin(ReadOnlyAdmin):
    list_display = ["incident", "aware_at", "deadline_at", "notified_at", "notification_reference"]
    list_select_related = ["incident"]


@admin.register(BreachReminder)
class BreachReminderAdmin(ReadOnlyAdmin):
    list_display = ["breach", "hours", "created_at", "recipient_count", "skipped"]
