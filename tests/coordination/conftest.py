"""Fixtures of the coordination tests: the meeting schedules and a seeded operational morning."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group

from changes.models import ChangeRequest
from checklists.models import ChecklistRun, ChecklistTemplate
from coordination.models import MeetingSchedule
from incidents.models import Incident, Service, Severity
from opsportal.roles import Role

# Wednesday 11 March 2026, 08:20 UTC: the standup (09:15) opened at 08:15; the last one met Tuesday 09:15.
NOW = datetime(2026, 3, 11, 8, 20, tzinfo=UTC)
PREVIOUS_STANDUP = datetime(2026, 3, 10, 9, 15, tzinfo=UTC)


@pytest.fixture
def utc(settings: Any) -> Any:
    settings.TIME_ZONE = "UTC"
    return settings


@pytest.fixture
def schedules(db: Any) -> dict[str, MeetingSchedule]:
    """Return the four meeting schedules with the import's defaults, by kind."""
    defaults = {
        "standup": ("Daily standup", time(9, 15), 15),
        "weekly": ("Weekly team meeting", time(10), 60),
        "monthly": ("Monthly all-hands", time(10), 60),
        "quarterly": ("Quarterly business review", time(10), 120),
    }
    return {
        kind: MeetingSchedule.objects.create(key=kind, kind=kind, name=name, time_of_day=at, duration_minutes=minutes)
        for kind, (name, at, minutes) in defaults.items()
    }


def _severity(code: str, minutes: int) -> Severity:
    return Severity.objects.get_or_create(code=code, defaults={"name": code, "response_minutes": minutes})[0]


def _incident(title: str, code: str, status: str, detected: datetime, **fields: Any) -> Incident:
    severity = _severity(code, 60)
    return Incident.objects.create(
        title=title,
        severity=severity,
        status=status,
        detected_at=detected,
        declared_at=detected,
        response_due_at=detected + timedelta(minutes=60),
        **fields,
    )


def _run(template: ChecklistTemplate, day: date, status: str, **fields: Any) -> ChecklistRun:
    return ChecklistRun.objects.create(
        template=template,
        name=template.name,
        period_date=day,
        opens_at=datetime.combine(day, time(6), tzinfo=UTC),
        status=status,
        items_total=4,
        **fields,
    )


def _change(title: str, start: datetime, hours: int, status: str, requester: Any, **fields: Any) -> ChangeRequest:
    return ChangeRequest.objects.create(
        title=title,
        status=status,
        window_start=start,
        window_end=start + timedelta(hours=hours),
        requester=requester,
        status_changed_at=start - timedelta(days=3),
        **fields,
    )


@pytest.fixture
def morning(db: Any, utc: Any, make_user: Any) -> dict[str, Any]:
    """Seed incidents, runs and changes around the standup of Wednesday 11 March 2026; return the rows by name."""
    requester = make_user("rita.requester", Role.ONCALL)
    group = Group.objects.get_or_create(name=Role.OPS.value)[0]
    morning_checks = ChecklistTemplate.objects.create(key="daily-morning", name="Morning checks", owner_group=group)
    evening_checks = ChecklistTemplate.objects.create(key="daily-evening", name="Evening checks", owner_group=group)
    weekly_review = ChecklistTemplate.objects.create(
        key="weekly-review", name="Weekly review", owner_group=group, frequency="weekly"
    )
    tuesday, wednesday = date(2026, 3, 10), date(2026, 3, 11)
    rows: dict[str, Any] = {
        # Incidents: two open (listed), one resolved (not).
        "payments_down": _incident("Payments down", "P1", "declared", datetime(2026, 3, 11, 7, 50, tzinfo=UTC)),
        "slow_search": _incident(
            "Slow search",
            "P2",
            "acknowledged",
            datetime(2026, 3, 10, 15, 0, tzinfo=UTC),
            acknowledged_at=datetime(2026, 3, 10, 15, 20, tzinfo=UTC),
        ),
        "resolved": _incident(
            "Old outage",
            "P1",
            "resolved",
            datetime(2026, 3, 9, 10, 0, tzinfo=UTC),
            resolved_at=datetime(2026, 3, 9, 12, 0, tzinfo=UTC),
        ),
        # Runs: missed after the last standup (listed), missed before it (not), overdue now (listed),
        # due later today (not), completed (not).
        "missed_after": _run(
            evening_checks,
            tuesday,
            "missed",
            due_at=datetime(2026, 3, 10, 17, 0, tzinfo=UTC),
            missed_at=datetime(2026, 3, 10, 18, 0, tzinfo=UTC),
        ),
        "missed_before": _run(
            morning_checks,
            tuesday,
            "missed",
            due_at=datetime(2026, 3, 10, 7, 0, tzinfo=UTC),
            missed_at=datetime(2026, 3, 10, 8, 0, tzinfo=UTC),
        ),
        "overdue": _run(morning_checks, wednesday, "in_progress", due_at=datetime(2026, 3, 11, 8, 0, tzinfo=UTC)),
        "not_due": _run(evening_checks, wednesday, "open", due_at=datetime(2026, 3, 11, 17, 0, tzinfo=UTC)),
        "completed": _run(
            weekly_review,
            date(2026, 3, 9),
            "completed",
            due_at=datetime(2026, 3, 10, 9, 0, tzinfo=UTC),
            completed_at=datetime(2026, 3, 10, 8, 0, tzinfo=UTC),
        ),
        # Changes: in today's window (listed, one from last night into today), tomorrow (not), cancelled (not).
        "patch_today": _change(
            "Patch the load balancer", datetime(2026, 3, 11, 14, 0, tzinfo=UTC), 2, "planning", requester
        ),
        "overnight": _change(
            "Database failover drill", datetime(2026, 3, 10, 23, 0, tzinfo=UTC), 2, "implementation", requester
        ),
        "tomorrow": _change("Rotate certificates", datetime(2026, 3, 12, 9, 0, tzinfo=UTC), 1, "planning", requester),
        "cancelled": _change("Cancelled upgrade", datetime(2026, 3, 11, 10, 0, tzinfo=UTC), 1, "cancelled", requester),
    }
    Service.objects.get_or_create(name="Payments")
    return rows
