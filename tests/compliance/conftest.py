"""Fixtures of the compliance tests: retention rules, a severity, and closed records of a known age."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from compliance.models import RetentionRule

# The tests' "now": retention cut-offs are counted back from it.
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
DEFAULT_DAYS = {
    "notifications": 90,
    "report_emails": 90,
    "webhook_deliveries": 90,
    "sessions": 30,
    "login_attempts": 30,
    "closed_incidents": 730,
    "closed_changes": 730,
}


@pytest.fixture
def retention_rules(db: Any) -> dict[str, RetentionRule]:
    """Return the default rules by kind (get_or_create: a transactional test flushes the migration's rows)."""
    return {
        kind: RetentionRule.objects.get_or_create(kind=kind, defaults={"days": days})[0]
        for kind, days in DEFAULT_DAYS.items()
    }


@pytest.fixture
def severity(db: Any) -> Any:
    from incidents.models import Severity

    return Severity.objects.get_or_create(code="P1", defaults={"name": "High", "response_minutes": 60})[0]


@pytest.fixture
def closed_incident(severity: Any) -> Callable[..., Any]:
    """Return a factory: a closed incident with a description, a note and a message, closed at ``closed_at``."""
    from incidents.models import Incident, IncidentStatus, TimelineEntry

    def factory(closed_at: datetime, *, status: str = IncidentStatus.CLOSED, **fields: Any) -> Any:
        detected = closed_at - timedelta(hours=5)
        incident = Incident.objects.create(
            title=fields.pop("title", "Checkout fails"),
            description=fields.pop("description", "Call Jane Roe on +44 20 7946 0018 about her order."),
            severity=severity,
            status=status,
            detected_at=detected,
            declared_at=detected + timedelta(minutes=5),
            response_due_at=detected + timedelta(hours=1),
            sla_response_minutes=60,
            acknowledged_at=detected + timedelta(minutes=20),
            resolved_at=closed_at - timedelta(hours=1),
            closed_at=closed_at if status == IncidentStatus.CLOSED else None,
            users_affected=120,
            **fields,
        )
        TimelineEntry.objects.create(
            incident=incident, kind="declared", created_at=detected, text="Declared as P1 High."
        )
        TimelineEntry.objects.create(
            incident=incident, kind="note", created_at=detected, text="Jane Roe: jane@example.org"
        )
        TimelineEntry.objects.create(incident=incident, kind="message", created_at=detected, text="Dear Jane, fixed.")
        return incident

    return factory
