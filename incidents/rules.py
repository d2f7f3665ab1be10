"""Who may do what with incidents: the one module of predicates of the incidents app.

Every page, API action, template (through its view's context) and service asks these
functions; the services enforce them with :func:`require`, so a caller that forgets a check
still cannot write. Roles come from :mod:`opsportal.roles`; which roles may make each status
change is declared in :mod:`incidents.lifecycle`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from incidents.lifecycle import BY_ACTION, DECLARERS, RESPONDERS, available_actions
from opsportal.roles import AREA_ROLES, has_role

AREA = "incidents"


def require(allowed: bool, message: str) -> None:
    """Raise PermissionDenied with ``message`` unless ``allowed``."""
    if not allowed:
        raise PermissionDenied(message)


def may_view(user: Any) -> bool:
    """Return True when the user may open the Incidents area, its incidents and their reviews."""
    return has_role(user, AREA_ROLES[AREA])


def may_declare(user: Any) -> bool:
    """Return True when the user may declare an incident (every portal role)."""
    return has_role(user, DECLARERS)


def may_respond(user: Any, incident: Any = None) -> bool:
    """Return True when the user may change incidents: notes, severity, assignee, status."""
    return has_role(user, RESPONDERS)


def may_transition(user: Any, action: str, incident: Any = None) -> bool:
    """Return True when the user holds a role the lifecycle table allows for ``action``.

    Whether the incident's status allows it is the service's conditional UPDATE to decide.
    """
    transition = BY_ACTION.get(action)
    return transition is not None and has_role(user, transition.roles)


def may_acknowledge(user: Any, incident: Any = None) -> bool:
    return may_transition(user, "acknowledge", incident)


def may_resolve(user: Any, incident: Any = None) -> bool:
    return may_transition(user, "resolve", incident)


def may_edit_review(user: Any, review: Any = None) -> bool:
    """Return True when the user may write a post-incident review and its action items."""
    return has_role(user, RESPONDERS)


def actions_for(user: Any, incident: Any) -> list[Any]:
    """Return the lifecycle buttons the user may press on ``incident`` (review is done on its page)."""
    return [
        transition
        for transition in available_actions(incident.status)
        if transition.action != "review" and may_transition(user, transition.action, incident)
    ]


# The messages the services and selectors refuse with, so pages and the API say the same.
VIEW_DENIED = "Seeing incidents needs one of these roles: Ops staff, On-call engineer, Manager, Admin."
RESPOND_DENIED = "Only on-call engineers, managers and admins may change incidents."
DECLARE_DENIED = "Only Ops staff, on-call engineers, managers and admins may declare incidents."
REVIEW_DENIED = "Only on-call engineers, managers and admins may write reviews."
