"""Template context shared by every page: which areas the user may see."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from opsportal.roles import AREA_ROLES, can_see_area, user_roles


def portal(request: HttpRequest) -> dict[str, Any]:
    """Return the navigation areas the user may open and the user's role names."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"visible_areas": set(), "user_role_names": [], "unread_notifications": 0}
    return {
        "visible_areas": {area for area in AREA_ROLES if can_see_area(user, area)},
        "user_role_names": sorted(role.value for role in user_roles(user)),
        # Counted only when a page shows the navigation: one COUNT on the (recipient, read_at) index.
        "unread_notifications": SimpleLazyObject(lambda: user.notifications.filter(read_at__isnull=True).count()),
    }
