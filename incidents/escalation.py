"""Who an escalation step pages, and when: the one plan the dry run shows and the sweep sends.

The SLA sweep (``incidents.services.sla_sweep``) pages :func:`audience` of a step at the
round's due time, and the dry run (:func:`incident_plan`, :func:`severity_plan`) lists the
same rounds at the same due times with the same :func:`audience`: what the dry run shows is
what is then sent, if nobody acknowledges and the sweep runs on time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model

from incidents.models import (
    EscalationStep,
    EscalationTarget,
    Incident,
    IncidentEscalationStep,
    IncidentStatus,
    Severity,
)
from oncall.models import Schedule
from oncall.selectors import oncall_at
from opsportal import clock
from opsportal.roles import Role

SCHEDULE_TARGETS = (EscalationTarget.SCHEDULE_PRIMARY, EscalationTarget.SCHEDULE_SECONDARY)

# The dry run stops this long after it starts, and after this many pages, whatever the policy.
PLAN_HORIZON = timedelta(days=7)
PLAN_MAX_PAGES = 200


@dataclass(frozen=True)
class Page:
    """One reminder the sweep would send: at ``at`` to ``users`` (usernames) for step ``step``."""

    at: datetime
    users: list[str]
    step: int
    round: int


def _active_users(**filters: Any) -> list[Any]:
    return list(get_user_model().objects.filter(is_active=True, **filters).distinct().order_by("username"))


def oncall_engineers() -> list[Any]:
    """Return everyone in the On-call engineer group (the fallback audience)."""
    return _active_users(groups__name=Role.ONCALL.value)


def audience(step: IncidentEscalationStep, *, at: datetime) -> list[Any]:
    """Return the active users ``step`` pages for a round due at ``at``.

    A schedule target pages whoever is its primary (or secondary) at ``at``, the round's due
    time, so the dry run and the sweep agree even across a handoff. A target that resolves
    to nobody (a deleted schedule, group or user; nobody on call; no assignee) pages the
    on-call engineers, so a reminder is never silently dropped.
    """
    found: list[Any] = []
    if step.target == EscalationTarget.GROUP and step.group_id:
        found = _active_users(groups=step.group_id)
    elif step.target == EscalationTarget.USER and step.user_id:
        found = _active_users(pk=step.user_id)
    elif step.target == EscalationTarget.ASSIGNEE and step.incident.assignee_id:
        found = _active_users(pk=step.incident.assignee_id)
    elif step.target == EscalationTarget.MANAGERS:
        found = _active_users(groups__name=Role.MANAGER.value)
    elif step.target in SCHEDULE_TARGETS and step.schedule_id:
        assert step.schedule is not None
        oncall = oncall_at(step.schedule, at)
        person = oncall.primary if step.target == EscalationTarget.SCHEDULE_PRIMARY else oncall.secondary
        found = [person] if person is not None and person.is_active else []
    return found or oncall_engineers()


def round_due_times(step: IncidentEscalationStep, *, until: datetime) -> list[tuple[int, datetime]]:
    """Return (round, due time) of the rounds ``step`` has still to send, up to ``until``.

    Rounds run from 1 to ``max_repeats + 1`` (1 without repeats), ``repeat_every_minutes``
    apart, counted from the next due time; the sweep advances ``next_due_at`` the same way.
    """
    if step.next_due_at is None:
        return []
    last_round = step.max_repeats + 1 if step.repeat_every_minutes else 1
    interval = timedelta(minutes=step.repeat_every_minutes)
    rounds = []
    due = step.next_due_at
    for round_number in range(step.rounds_sent + 1, last_round + 1):
        if due > until:
            break
        rounds.append((round_number, due))
        due = clock.after(due, interval)
    return rounds


def plan(steps: Iterable[IncidentEscalationStep], *, start: datetime) -> list[Page]:
    """Return the pages ``steps`` would send if nobody acknowledges, in time order, within the horizon."""
    until = clock.after(start, PLAN_HORIZON)
    pages = [
        Page(at=due, users=[user.get_username() for user in audience(step, at=due)], step=step.position, round=number)
        for step in steps
        for number, due in round_due_times(step, until=until)
    ]
    pages.sort(key=lambda page: (page.at, page.step, page.round))
    return pages[:PLAN_MAX_PAGES]


def incident_plan(incident: Incident, *, now: datetime | None = None) -> list[Page]:
    """Return the dry run of ``incident``: what the sweep sends from now on if nobody acknowledges.

    An acknowledged (or later) incident pages nobody any more: the plan is empty.
    """
    if incident.status != IncidentStatus.DECLARED:
        return []
    now = now or clock.now()
    steps = incident.escalation_steps.filter(next_due_at__isnull=False).select_related("incident", "group", "user")
    return plan(steps.order_by("position", "pk"), start=max(now, incident.response_due_at))


def severity_plan(severity: Severity, *, at: datetime) -> list[Page]:
    """Return the dry run of an unassigned incident of ``severity`` detected at ``at``.

    The policy's steps are copied onto an unsaved incident exactly as a declaration copies
    them, so the preview and a real incident share one plan.
    """
    from incidents.services import response_due_at

    due = response_due_at(detected_at=at, severity=severity)
    incident = Incident(severity=severity, detected_at=at, response_due_at=due, status=IncidentStatus.DECLARED)
    steps = [
        step_copy(step, incident=incident, active=True)
        for step in severity.escalation_steps.select_related("schedule").order_by("position", "pk")
    ]
    return plan(steps, start=due)


def default_schedule() -> Schedule | None:
    """Return the schedule the default policies page: the oldest one, or None without any."""
    return Schedule.objects.order_by("created_at", "pk").first()


def step_copy(step: EscalationStep, *, incident: Incident, active: bool) -> IncidentEscalationStep:
    """Return (unsaved) the copy of a policy step on ``incident``, first due ``delay_minutes`` after its deadline."""
    return IncidentEscalationStep(
        incident=incident,
        position=step.position,
        delay_minutes=step.delay_minutes,
        target=step.target,
        group_id=step.group_id,
        user_id=step.user_id,
        schedule_id=step.schedule_id,
        repeat_every_minutes=step.repeat_every_minutes,
        max_repeats=step.max_repeats,
        next_due_at=clock.after(incident.response_due_at, timedelta(minutes=step.delay_minutes)) if active else None,
    )
