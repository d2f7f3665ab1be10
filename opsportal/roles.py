"""The portal's roles (Django groups) and the one helper every view and API permission uses."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied


class Role(StrEnum):
    """A role is a Django group of this name."""

    OPS = "Ops staff"
    ONCALL = "On-call engineer"
    MANAGER = "Manager"
    ADMIN = "Admin"


ALL_ROLES: tuple[Role, ...] = (Role.OPS, Role.ONCALL, Role.MANAGER, Role.ADMIN)

# Which roles see each of the four areas (navigation, pages and API alike).
AREA_ROLES: dict[str, tuple[Role, ...]] = {
    "checklists": ALL_ROLES,
    "incidents": ALL_ROLES,
    "changes": (Role.ONCALL, Role.MANAGER, Role.ADMIN),
    "reports": (Role.MANAGER, Role.ADMIN, Role.ONCALL, Role.OPS),
    "oncall": ALL_ROLES,
    "meetings": ALL_ROLES,
    "skills": ALL_ROLES,
    "vendors": ALL_ROLES,
    "knowledge": ALL_ROLES,
}


def user_roles(user: Any) -> frozenset[Role]:
    """Return the user's roles, cached on the user object for the request.

    A superuser holds every role; an anonymous or inactive user holds none.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_portal_roles", None)
    if cached is None:
        if user.is_superuser:
            cached = frozenset(ALL_ROLES)
        else:
            names = set(user.groups.values_list("name", flat=True))
            cached = frozenset(role for role in ALL_ROLES if role.value in names)
        user._portal_roles = cached
    return cached


def has_role(user: Any, roles: Iterable[Role | str]) -> bool:
    """Return True when the user holds at least one of ``roles``."""
    held = user_roles(user)
    return any(Role(role) in held for role in roles)


def can_see_area(user: Any, area: str) -> bool:
    """Return True when the user may open the named area."""
    return has_role(user, AREA_ROLES[area])


def require_role(user: Any, roles: Iterable[Role | str], message: str | None = None) -> None:
    """Raise ``PermissionDenied`` unless the user holds one of ``roles``."""
    roles = tuple(roles)
    if not has_role(user, roles):
        names = ", ".join(Role(role).value for role in roles)
        raise PermissionDenied(message or f"This needs one of these roles: {names}.")
