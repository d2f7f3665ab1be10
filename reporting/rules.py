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
# The operational KPIs computed from change requests (reporting/operational.py).
CHANGE_KPI_SLUGS = frozenset(
    {"changes", "change-success-rate", "change-failure-rate", "emergency-change-share", "change-lead-time"}
)

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


def may_view_change_figures(user: Any) -> bool:
    """Return True when the user may see figures about change requests (``changes.rules``)."""
    from changes.rules import may_view_changes

    return may_view_changes(user)


def report_data_visible(user: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Return a report snapshot's data as ``user`` may read it.

    Users who may not see change requests (Ops staff) get no change KPIs: their rows, their
    breakdowns and their part of the summary are left out. The stored snapshot never changes.
    """
    if may_view_change_figures(user):
        return data
    hidden = [row for row in data.get("operational", []) if row.get("slug") in CHANGE_KPI_SLUGS]
    if not hidden:
        return data
    names = tuple(f"{row['name']}: " for row in hidden)
    summary = "; ".join(part for part in str(data.get("summary", "")).split("; ") if not part.startswith(names))
    return {
        **data,
        "operational": [row for row in data.get("operational", []) if row.get("slug") not in CHANGE_KPI_SLUGS],
        "summary": summary or "No measurements in this period.",
    }


def may_enter_measurements(user: Any) -> bool:
    """Return True when the user may enter, post or import KPI values."""
    return has_role(user, ENTRY_ROLES)
