"""Who may do what with changes: the one module of predicates of the changes app.

Every answer is read from the declared workflow (``changes/workflow.py``: who makes each
transition, which statuses are still editable, who decides) and the portal's roles. Views,
the API and templates (through the view context) ask these predicates to offer only what a
user may do; the services call ``require`` with them before they write, so a request that
skips the UI is refused all the same.

Predicates are pure reads of the user's roles and the change in hand: no queries beyond the
user's groups, which ``opsportal.roles.user_roles`` caches for the request.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from changes import workflow
from opsportal.roles import AREA_ROLES, Role, has_role, user_roles

AREA = "changes"

# Why someone without a change role is refused any change page or API call.
VIEW_REFUSAL = "Changes need one of these roles: " + ", ".join(role.value for role in AREA_ROLES[AREA]) + "."

# Who links incidents to changes (caused by / related): anyone in the area.
INCIDENT_LINKERS: frozenset[Role] = workflow.ANYONE_IN_AREA


def require(allowed: bool, message: str) -> None:
    """Raise ``PermissionDenied`` with ``message`` unless ``allowed``."""
    if not allowed:
        raise PermissionDenied(message)


def may_view_changes(user: Any) -> bool:
    """Return True when ``user`` may see change data at all (pages, API, links, notifications).

    Ops staff may not: they see no change title, link or reminder anywhere in the portal.
    """
    return has_role(user, AREA_ROLES[AREA])


def may_raise(user: Any) -> bool:
    """Return True when ``user`` may raise a new change request."""
    return has_role(user, workflow.ANYONE_IN_AREA)


def may_edit(user: Any, change: Any) -> bool:
    """Return True when ``user`` may edit the content of ``change`` now.

    Content is editable before implementation starts, by its requester, its implementer, or
    a manager or admin.
    """
    if not may_view_changes(user) or change.status not in workflow.EDITABLE_STATUSES:
        return False
    return user.pk in {change.requester_id, change.implementer_id} or has_role(user, workflow.DECIDERS)


def edit_refusal(user: Any, change: Any) -> str:
    """Return why ``user`` may not edit ``change`` now, or "" when they may (see ``may_edit``)."""
    if not may_view_changes(user):
        return VIEW_REFUSAL
    if change.status not in workflow.EDITABLE_STATUSES:
        state = change.get_status_display().lower()
        return f"{change.reference} is {state}: a change can only be edited before its implementation starts."
    if not may_edit(user, change):
        return "Only the requester, the implementer, a manager or an admin may edit this change."
    return ""


def may_override_freeze(user: Any) -> bool:
    """Return True when ``user`` may schedule a normal change inside a freeze window (with a reason)."""
    return has_role(user, workflow.DECIDERS)


def refusal(user: Any, change: Any, transition: workflow.Transition) -> str:
    """Return why ``user`` may not make ``transition`` on ``change``, or "" when they may."""
    if not workflow.role_may(transition, user_roles(user)):
        names = ", ".join(sorted(role.value for role in transition.roles))
        return f"“{transition.label}” ({transition.key}) needs one of these roles: {names}."
    if transition.decision and change.requester_id == user.pk:
        return "You cannot approve or reject your own change; another manager must decide."
    return ""


def may_make(user: Any, change: Any, transition: workflow.Transition) -> bool:
    """Return True when ``user`` holds a role of ``transition`` and, for a decision, is not the requester."""
    return not refusal(user, change, transition)


def may_transition(user: Any, change: Any, to: str) -> bool:
    """Return True when the workflow has a move of ``change`` to ``to`` that ``user`` may make."""
    transition = workflow.find_transition(change.status, to, change.change_type)
    return transition is not None and may_make(user, change, transition)


def may_decide(user: Any) -> bool:
    """Return True when ``user`` holds a role that approves and rejects changes (any change but their own)."""
    return has_role(user, workflow.DECIDERS)


def may_approve(user: Any, change: Any) -> bool:
    """Return True when ``user`` may approve ``change``: a decider who is not its requester."""
    return may_decide(user) and change.requester_id != user.pk


def may_reject(user: Any, change: Any) -> bool:
    """Return True when ``user`` may reject ``change``: a decider who is not its requester."""
    return may_approve(user, change)


def may_work(user: Any) -> bool:
    """Return True when ``user`` does the work on changes (plans, implements, records stages)."""
    return has_role(user, workflow.WORKERS)


def may_record_stages(user: Any, change: Any) -> bool:
    """Return True when ``user`` may record deployment stages of ``change`` now."""
    return change.status in workflow.STAGE_STATUSES and has_role(user, workflow.WORKERS)


def may_link_incidents(user: Any, change: Any | None = None) -> bool:
    """Return True when ``user`` may link incidents to changes, or unlink them."""
    return has_role(user, INCIDENT_LINKERS)


def may_delete(user: Any, change: Any) -> bool:
    """Return True when ``user`` may delete ``change`` (admins; the service also checks its status)."""
    return has_role(user, [Role.ADMIN])
