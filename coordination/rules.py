"""Who may do what in team coordination: meetings, skills and vendors.

Everyone with a portal role reads all three; attendees who run the work (on-call engineers,
managers, admins) write minutes and action items; managers and admins keep the skills matrix
and the vendor register; whoever works incidents links vendors to them.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from opsportal.roles import ALL_ROLES, Role, has_role

MINUTE_WRITERS: tuple[Role, ...] = (Role.ONCALL, Role.MANAGER, Role.ADMIN)
REGISTER_EDITORS: tuple[Role, ...] = (Role.MANAGER, Role.ADMIN)
INCIDENT_LINKERS: tuple[Role, ...] = (Role.ONCALL, Role.MANAGER, Role.ADMIN)

VIEW_REFUSAL = "Team coordination needs one of these roles: " + ", ".join(r.value for r in ALL_ROLES) + "."
MINUTES_REFUSAL = "Only on-call engineers, managers and admins write minutes and action items."
EDIT_REFUSAL = "Only managers and admins edit the skills matrix and the vendor register."
LINK_REFUSAL = "Only on-call engineers, managers and admins link vendors to incidents."
DONE_REFUSAL = "Only the owner, or someone who writes minutes, marks an action item done."


def may_view(user: Any) -> bool:
    """Return True when ``user`` may see meetings, the skills matrix and vendors."""
    return has_role(user, ALL_ROLES)


def may_write_minutes(user: Any) -> bool:
    """Return True when ``user`` may write a meeting's minutes and add its action items."""
    return has_role(user, MINUTE_WRITERS)


def may_complete_action(user: Any, item: Any) -> bool:
    """Return True when ``user`` may mark the action item done: its owner or a minutes writer."""
    return may_view(user) and (item.owner_id == user.pk or may_write_minutes(user))


def may_edit_register(user: Any) -> bool:
    """Return True when ``user`` may edit skills and vendors."""
    return has_role(user, REGISTER_EDITORS)


def may_link_incident(user: Any) -> bool:
    """Return True when ``user`` may link a vendor to an incident."""
    return has_role(user, INCIDENT_LINKERS)


def require(allowed: bool, message: str) -> None:
    """Raise ``PermissionDenied`` with ``message`` unless ``allowed``."""
    if not allowed:
        raise PermissionDenied(message)
