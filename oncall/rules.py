"""Who may do what with on-call schedules: everyone with a role reads; managers and admins write."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from opsportal.roles import AREA_ROLES, Role, has_role

AREA = "oncall"

# Who edits schedules, layers and overrides.
EDITORS: tuple[Role, ...] = (Role.MANAGER, Role.ADMIN)

VIEW_REFUSAL = "On-call schedules need one of these roles: " + ", ".join(r.value for r in AREA_ROLES[AREA]) + "."
EDIT_REFUSAL = "Only managers and admins edit on-call schedules."


def may_view(user: Any) -> bool:
    """Return True when ``user`` may see schedules, shifts and who is on call."""
    return has_role(user, AREA_ROLES[AREA])


def may_edit(user: Any) -> bool:
    """Return True when ``user`` may create, change or delete schedules and overrides."""
    return has_role(user, EDITORS)


def may_hold_shift(user: Any) -> bool:
    """Return True when ``user`` may be put on call (any active user with a portal role)."""
    return may_view(user)


def require(allowed: bool, message: str) -> None:
    """Raise ``PermissionDenied`` with ``message`` unless ``allowed``."""
    if not allowed:
        raise PermissionDenied(message)
