"""Who may see the compliance area: managers and admins (Ops and On-call may not)."""

from __future__ import annotations

from typing import Any

from opsportal.roles import Role, has_role, require_role

VIEW_ROLES: tuple[Role, ...] = (Role.MANAGER, Role.ADMIN)
VIEW_REFUSAL = "Compliance needs one of these roles: Manager, Admin."


def may_view_compliance(user: Any) -> bool:
    return has_role(user, VIEW_ROLES)


def require_view(user: Any) -> None:
    """Raise ``PermissionDenied`` unless the user may see the compliance area."""
    require_role(user, VIEW_ROLES, VIEW_REFUSAL)
