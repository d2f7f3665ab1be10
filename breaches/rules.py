"""Who may do what with breaches: the one module of predicates of the breaches app.

- Flagging an incident "security" / "personal data breach" and describing the breach belong
  to those who respond to incidents (on-call engineers, managers, admins).
- The breach register, and recording the regulator's notification, belong to managers and
  admins (the compliance area's roles).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from compliance.rules import VIEW_REFUSAL, may_view_compliance
from incidents import rules as incident_rules

FLAG_REFUSAL = incident_rules.RESPOND_DENIED
NOTIFY_REFUSAL = "Only managers and admins record the regulator's notification of a breach."
REGISTER_REFUSAL = VIEW_REFUSAL


def require(allowed: bool, message: str) -> None:
    """Raise PermissionDenied with ``message`` unless ``allowed``."""
    if not allowed:
        raise PermissionDenied(message)


def may_flag(user: Any) -> bool:
    """Return True when ``user`` may flag incidents and describe their breach."""
    return incident_rules.may_respond(user)


def may_view_register(user: Any) -> bool:
    """Return True when ``user`` may see the breach register (page, CSV and API)."""
    return may_view_compliance(user)


def may_record_notification(user: Any) -> bool:
    """Return True when ``user`` may record that the regulator was notified."""
    return may_view_compliance(user)
