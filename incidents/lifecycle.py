"""The incident lifecycle as a declared table: which status changes exist and who may make them.

Read by one service, :func:`incidents.services.incident_transition`; nothing else decides
whether a status change is allowed.

    declared → acknowledged → investigating → resolved → reviewed → closed
    (acknowledged → resolved is a shortcut; resolved/reviewed/closed → investigating reopens)
"""

from __future__ import annotations

from dataclasses import dataclass

from incidents.models import IncidentStatus as S
from opsportal.roles import Role

RESPONDERS: tuple[Role, ...] = (Role.ONCALL, Role.MANAGER, Role.ADMIN)
DECLARERS: tuple[Role, ...] = (Role.OPS, Role.ONCALL, Role.MANAGER, Role.ADMIN)


@dataclass(frozen=True)
class Transition:
    action: str  # the verb of the button and the API action
    source: tuple[S, ...]
    target: S
    roles: tuple[Role, ...] = RESPONDERS


TRANSITIONS: tuple[Transition, ...] = (
    Transition("acknowledge", (S.DECLARED,), S.ACKNOWLEDGED),
    Transition("investigate", (S.ACKNOWLEDGED,), S.INVESTIGATING),
    Transition("resolve", (S.ACKNOWLEDGED, S.INVESTIGATING), S.RESOLVED),
    Transition("review", (S.RESOLVED,), S.REVIEWED),
    Transition("close", (S.REVIEWED,), S.CLOSED),
    Transition("reopen", (S.RESOLVED, S.REVIEWED, S.CLOSED), S.INVESTIGATING),
)

BY_ACTION: dict[str, Transition] = {transition.action: transition for transition in TRANSITIONS}


def available_actions(status: str) -> list[Transition]:
    """Return the transitions that may start from ``status``, in table order."""
    return [transition for transition in TRANSITIONS if status in transition.source]
