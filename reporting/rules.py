"""Who may do what with KPIs and reports: the one module of predicates of the reporting app.

Pages, the API, templates (through their view's context) and the services ask these
functions; the services enforce them with :func:`require`, so measurements cannot be
written by a caller that forgot to check.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from opsportal.roles import AREA_ROLES, Role, has_role

AREA = "reports"
VIEW_ROLES: tuple[Role, ...] = AREA_ROLES[AREA]
ENTRY_ROLES: tuple[Role, ...] = (Role.MANAGER, Role.ADMIN)

VIEW_DENIED = "Reading reports needs one of these roles: " + ", ".join(role.value for role in VIEW_ROLES) + "."
ENTRY_DENIED = "Only the Manager and Admin roles see the KPI dashboard and enter KPI values."


def require(allowed: bool, message: str) -> None:
    """Raise PermissionDenied with ``message`` unless ``allowed``."""
    if not allowed:
        raise PermissionDenied(message)


def may_view_reports(user: Any) -> bool:
    """Return True when the user may read reports, their CSV tables and the KPI definitions."""
    return has_role(user, VIEW_ROLES)


def may_view_dashboard(user: Any) -> bool:
    """Return True when the user may see the live KPI dashboard and export it."""
    return has_role(user, ENTRY_ROLES)


def may_enter_measurements(user: Any) -> bool:
    """Return True when the user may enter, post or import KPI values."""
    return has_role(user, ENTRY_ROLES)
