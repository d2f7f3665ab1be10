"""Who may see and decide access reviews and record training: managers and admins.

One module of predicates, called by views, the API, templates and the services.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from opsportal.roles import Role, has_role, require_role

VIEW_ROLES: tuple[Role, ...] = (Role.MANAGER, Role.ADMIN)
VIEW_REFUSAL = "Access reviews and training need one of these roles: Manager, Admin."
SELF_REFUSAL = "You may not decide your own line of an access review: another manager or admin must."


def may_view(user: Any) -> bool:
    """Return True when the user may see access reviews, the role audit and training."""
    return has_role(user, VIEW_ROLES)


def require_view(user: Any) -> None:
    """Raise ``PermissionDenied`` unless the user may see access reviews, the audit and training."""
    require_role(user, VIEW_ROLES, VIEW_REFUSAL)


def may_decide(user: Any, line: Any) -> bool:
    """Return True when the user may decide ``line``: a manager or admin, and not the reviewed person."""
    return may_view(user) and line.user_id != user.pk


def require_decide(user: Any, line: Any) -> None:
    """Raise ``PermissionDenied``, with the reason, unless the user may decide ``line``."""
    require_view(user)
    if line.user_id == user.pk:
        raise PermissionDenied(SELF_REFUSAL)


def may_record_training(user: Any) -> bool:
    return may_view(user)


def require_record_training(user: Any) -> None:
    require_role(user, VIEW_ROLES, "Recording training needs one of these roles: Manager, Admin.")
