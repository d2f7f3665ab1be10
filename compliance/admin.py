"""Django admin of the compliance app: retention rules (configuration, with history), the logs
read-only, and the "Export personal data" action on users."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin

from compliance.models import ErasureLog, RetentionLog, RetentionRule
from compliance.selectors import personal_data_for
from opsportal.admin import ReadOnlyAdmin


@admin.register(RetentionRule)
class RetentionRuleAdmin(SimpleHistoryAdmin):
    list_display = ["kind", "days", "action_text", "enabled"]
    list_editable = ["days", "enabled"]
    readonly_fields = ["kind"]

    def has_add_permission(self, request: HttpRequest) -> bool:  # one row per kind, made by a migration
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:  # turn a rule off instead
        return False

    @admin.display(description="then")
    def action_text(self, rule: RetentionRule) -> str:
        return rule.get_action_display()


@admin.register(RetentionLog)
class RetentionLogAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "kind", "action", "rows", "dry_run", "finished_at"]
    list_filter = ["kind", "dry_run"]


@admin.register(ErasureLog)
class ErasureLogAdmin(ReadOnlyAdmin):
    list_display = ["user", "erased_at", "erased_by"]


@admin.action(description="Export personal data (JSON)")
def export_personal_data(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
    """Download what the portal holds about the selected users: one user's export, or a list of them."""
    users = list(queryset.order_by("pk"))
    data: Any = personal_data_for(users[0]) if len(users) == 1 else [personal_data_for(user) for user in users]
    name = f"personal-data-user-{users[0].pk}.json" if len(users) == 1 else "personal-data.json"
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# Add the action to whichever admin the user model has (this app is installed after the others,
# so an app that re-registers the user admin keeps it).
_user_admin = admin.site._registry.get(get_user_model())
if _user_admin is not None and export_personal_data not in (_user_admin.actions or []):
    _user_admin.actions = [*(_user_admin.actions or []), export_personal_data]
