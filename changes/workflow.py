"""The change workflow as a declared table: which transitions exist, for which change types,
made by which roles, needing which fields and whether a reason must be given.

Pure: no database. ``changes.services.change_transition`` is the one reader that enforces it;
the change page and the API read it to offer only the actions a user may take next.

Statuses (``changes.models.ChangeStatus`` values): the seven steps initiation → assessment →
approval → planning → implementation → verification → documentation, then closed, plus the
ends rejected, cancelled and failed.

- Normal changes walk every step.
- Standard changes are pre-approved: initiation → planning.
- Emergency changes skip assessment. A manager approves them before implementation, or —
  when the engineer had to act first (initiation → implementation, with a reason) — right
  after implementation, with a reason (see ``RETROSPECTIVE_APPROVAL``). They cannot leave
  implementation until approved.
- Decisions (``decision`` set) are made by managers or admins, never by the change's requester.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from opsportal.roles import Role

INITIATION = "initiation"
ASSESSMENT = "assessment"
APPROVAL = "approval"
PLANNING = "planning"
IMPLEMENTATION = "implementation"
VERIFICATION = "verification"
DOCUMENTATION = "documentation"
CLOSED = "closed"
REJECTED = "rejected"
CANCELLED = "cancelled"
FAILED = "failed"

STANDARD, NORMAL, EMERGENCY = "standard", "normal", "emergency"
ALL_TYPES = frozenset({STANDARD, NORMAL, EMERGENCY})

# Who does the work (raise, plan, implement) and who decides (approve, reject).
WORKERS: frozenset[Role] = frozenset({Role.ONCALL})
DECIDERS: frozenset[Role] = frozenset({Role.MANAGER, Role.ADMIN})
ANYONE_IN_AREA: frozenset[Role] = WORKERS | DECIDERS

# Human names of the fields a transition may require (errors name the field by its key).
FIELD_LABELS = {
    "business_justification": "business justification",
    "implementation_plan": "implementation plan",
    "rollback_plan": "rollback plan",
    "verification_plan": "verification plan",
    "window_start": "window start",
    "window_end": "window end",
    "approved_at": "approval",
    "close_code": "close code",
    "standard_template": "standard-change template",
    "new_feature": "new feature flag",
    "processes_personal_data": "personal data flag",
}


@dataclass(frozen=True)
class Transition:
    """One allowed move from ``source`` to ``target``."""

    source: str
    target: str
    label: str
    types: frozenset[str]
    roles: frozenset[Role]
    required: tuple[str, ...] = ()
    needs_reason: bool = False
    decision: str = ""  # "approve" or "reject": a manager's decision, never by the requester

    @property
    def key(self) -> str:
        return f"{self.source}->{self.target}"


TRANSITIONS: tuple[Transition, ...] = (
    # Initiation
    Transition(INITIATION, ASSESSMENT, "Submit for assessment", frozenset({NORMAL}), WORKERS | DECIDERS,
               required=("business_justification",)),
    Transition(INITIATION, PLANNING, "Start planning (pre-approved)", frozenset({STANDARD}), WORKERS | DECIDERS,
               required=("business_justification", "standard_template")),
    Transition(INITIATION, APPROVAL, "Request emergency approval", frozenset({EMERGENCY}), WORKERS | DECIDERS,
               required=("business_justification",)),
    Transition(INITIATION, IMPLEMENTATION, "Implement now, approve after", frozenset({EMERGENCY}), WORKERS,
               required=("business_justification", "rollback_plan"), needs_reason=True),
    # Assessment
    Transition(ASSESSMENT, APPROVAL, "Request approval", frozenset({NORMAL}), WORKERS | DECIDERS,
               required=("implementation_plan",)),
    # Approval: decisions
    Transition(APPROVAL, PLANNING, "Approve", frozenset({NORMAL, EMERGENCY}), DECIDERS,
               required=("rollback_plan",), decision="approve"),
    Transition(APPROVAL, REJECTED, "Reject", frozenset({NORMAL, EMERGENCY}), DECIDERS,
               needs_reason=True, decision="reject"),
    # Planning
    Transition(PLANNING, IMPLEMENTATION, "Start implementation", ALL_TYPES, WORKERS,
               required=("window_start", "window_end", "implementation_plan")),
    # Implementation
    Transition(IMPLEMENTATION, VERIFICATION, "Implementation done", ALL_TYPES, WORKERS,
               required=("approved_at",)),
    Transition(IMPLEMENTATION, FAILED, "Mark failed", ALL_TYPES, WORKERS, needs_reason=True),
    # Verification
    Transition(VERIFICATION, DOCUMENTATION, "Verified", ALL_TYPES, WORKERS, required=("verification_plan",)),
    Transition(VERIFICATION, FAILED, "Verification failed", ALL_TYPES, WORKERS, needs_reason=True),
    # Documentation
    Transition(DOCUMENTATION, CLOSED, "Close", ALL_TYPES, WORKERS | DECIDERS, required=("close_code",)),
    # Cancelling, before any work was done
    *(
        Transition(source, CANCELLED, "Cancel", ALL_TYPES, ANYONE_IN_AREA, needs_reason=True)
        for source in (INITIATION, ASSESSMENT, APPROVAL, PLANNING)
    ),
)  # fmt: skip

# An emergency change implemented before approval is approved afterwards, with a reason.
RETROSPECTIVE_APPROVAL = Transition(
    IMPLEMENTATION, IMPLEMENTATION, "Approve retrospectively", frozenset({EMERGENCY}), DECIDERS,
    required=("rollback_plan",), needs_reason=True, decision="approve",
)  # fmt: skip

# Statuses in which a change's content (plans, window, services) may still be edited.
EDITABLE_STATUSES = frozenset({INITIATION, ASSESSMENT, APPROVAL, PLANNING})
# What an approval covers: after approval, editing any of these sends the change back to
# Approval and the approval no longer counts (a standard change's approval is its template).
REAPPROVAL_FIELDS = (
    "change_type", "implementation_plan", "rollback_plan", "verification_plan",
    "likelihood", "impact", "risk", "affected_services", "window_start", "window_end",
    "new_feature", "processes_personal_data",
)  # fmt: skip
# Statuses in which deployment stages are recorded.
STAGE_STATUSES = frozenset({IMPLEMENTATION, VERIFICATION})

_BY_KEY: dict[tuple[str, str], list[Transition]] = {}
for _transition in TRANSITIONS:
    _BY_KEY.setdefault((_transition.source, _transition.target), []).append(_transition)


def find_transition(source: str, target: str, change_type: str) -> Transition | None:
    """Return the declared transition from ``source`` to ``target`` for ``change_type``, or None."""
    for transition in _BY_KEY.get((source, target), []):
        if change_type in transition.types:
            return transition
    return None


def transitions_from(source: str, change_type: str) -> list[Transition]:
    """Return the transitions a change of ``change_type`` in ``source`` may take, in table order."""
    return [t for t in TRANSITIONS if t.source == source and change_type in t.types]


def role_may(transition: Transition, roles: Iterable[Role]) -> bool:
    """Return True when one of ``roles`` may make ``transition``."""
    return any(role in transition.roles for role in roles)


def missing_fields(transition: Transition, values: dict[str, object]) -> list[str]:
    """Return the required fields of ``transition`` that are empty in ``values``."""
    missing = []
    for name in transition.required:
        value = values.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append(name)
    return missing


def starts_early(transition: Transition, window_start: datetime | None, *, now: datetime) -> timedelta | None:
    """Return how long before ``window_start`` making ``transition`` now would start implementation, or None.

    Elapsed time between two aware instants. None when the move is not into Implementation,
    there is no window, or the window has started. Starting early needs a reason, recorded.
    """
    if transition.target != IMPLEMENTATION or transition.source == transition.target:
        return None
    if window_start is None or window_start <= now:
        return None
    return window_start - now


def fields_kept(status: str, change_type: str) -> set[str]:
    """Return the fields a change in ``status`` must keep filled: those required on its way there.

    The union of the required fields of every transition for ``change_type`` that leads to a
    step up to ``status`` (a normal change in Planning was approved with a rollback plan, so it
    may not blank it). Workflow facts such as the approval itself are not content, so not listed.
    """
    reached = step_index(status)
    kept: set[str] = set()
    for transition in TRANSITIONS:
        target = step_index(transition.target)
        if change_type in transition.types and 0 < target <= reached and transition.target != transition.source:
            kept.update(name for name in transition.required if name not in ("approved_at", "close_code"))
    return kept


def step_index(status: str) -> int:
    """Return the position of ``status`` among the seven steps (closed is 7; other ends -1)."""
    steps = [INITIATION, ASSESSMENT, APPROVAL, PLANNING, IMPLEMENTATION, VERIFICATION, DOCUMENTATION, CLOSED]
    return steps.index(status) if status in steps else -1


# The ends: a change here is complete (closed, failed) or was stopped (rejected, cancelled).
ANY_END = frozenset({CLOSED, FAILED, REJECTED, CANCELLED})
# A window that has ended with the change still here means implementation was not done.
NOT_IMPLEMENTED = frozenset({INITIATION, ASSESSMENT, APPROVAL, PLANNING, IMPLEMENTATION})
