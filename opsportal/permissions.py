"""DRF permission classes built on :mod:`opsportal.roles`, so API and HTML check alike."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission

from opsportal.roles import ALL_ROLES, AREA_ROLES, Role, has_role


class HasAnyRole(BasePermission):
    """Allow authenticated users who hold at least one portal role (the API default)."""

    roles: tuple[Role, ...] = ALL_ROLES
    message = "You need a portal role to use the API."

    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and has_role(request.user, self.roles))


def roles_permission(*roles: Role, message: str | None = None) -> type[HasAnyRole]:
    """Return a permission class that admits holders of any of ``roles``."""
    names = ", ".join(role.value for role in roles)
    return type(
        "HasRole_" + "_".join(role.name for role in roles),
        (HasAnyRole,),
        {"roles": roles, "message": message or f"This needs one of these roles: {names}."},
    )


def area_permission(area: str) -> type[HasAnyRole]:
    """Return the permission class for one of the four areas."""
    return roles_permission(*AREA_ROLES[area])
