"""The shift-handover digest (opsportal/handover_digest.py) for a fixture shift."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from changes.models import ChangeRequest
from checklists.models import ChecklistRun, ChecklistTemplate
from incidents.models import Incident, Severity
from opsportal.handover_digest import handover_digest
from reporting.models import KpiDefinition, KpiMeasurement

# The fixture shift: Monday 9 November 09:00 UTC to Monday 16 November 09:00; the next one ends a week later.
SHIFT_START = datetime(2026, 11, 9, 9, tzinfo=UTC)
HANDOFF = datetime(2026, 11, 16, 9, tzinfo=UTC)
NEXT_END = datetime(2026, 11, 23, 9, tzinfo=UTC)


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


@pytest.fixture
def shift_world(db, manager_user):
    """Incidents, runs, changes and KPIs around the fixture shift, each on one side of a boundary."""
    p1 = Severity.objects.create(code="P1", name="High", response_minutes=60, position=1)
    p3 = Severity.objects.create(code="P3", name="Low", response_minutes=1440, position=3)

    def incident(title, severity, detected, status="declared", acknowledged=None):
        return Incident.objects.create(
            title=title, severity=severity, status=status, detected_at=detected,
            response_due_at=detected + timedelta(minutes=severity.response_minutes), acknowledged_at=acknowledged,
        )  # fmt: skip

    incident("Breached P1", p1, at(16, 7))  # due 08:00, before the handoff, unacknowledged
    incident("Acknowledged P1", p1, at(15), status="acknowledged", acknowledged=at(15, 9))
    incident("Fresh P3", p3, at(16, 8))  # due tomorrow
    incident("Resolved P1", p1, at(12), status="resolved", acknowledged=at(12, 9))

    group = Group.objects.get_or_create(name="Ops staff")[0]
    template = ChecklistTemplate.objects.create(key="daily", name="Daily", owner_group=group, time_of_day=time(8))

    def run(day, status, due, missed=None):
        return ChecklistRun.objects.create(
            template=template, name=f"Daily {day}", period_date=date(2026, 11, day), opens_at=at(day, 8),
            due_at=due, status=status, missed_at=missed,
        )  # fmt: skip

    run(10, "missed", at(10, 12), missed=at(11, 0))  # missed in the shift
    run(15, "open", at(15, 12))  # overdue at the handoff
    run(8, "missed", at(8, 12), missed=at(9, 0))  # missed before the shift
    run(14, "completed", at(14, 12))  # done
    run(16, "open", at(16, 12))  # due after the handoff

    def change(title, status, window=None):
        start, end = window or (None, None)
        return ChangeRequest.objects.create(
            title=title, status=status, requester=manager_user, status_changed_at=at(1),
            window_start=start, window_end=end,
        )  # fmt: skip

    change("Being implemented", "implementation")
    change("Scheduled Thursday", "planning", (at(19, 20), at(19, 22)))
    change("Scheduled later", "planning", (at(24, 20), at(24, 22)))
    change("Closed inside the window", "closed", (at(19, 20), at(19, 22)))

    uptime = KpiDefinition.objects.create(
        name="Uptime",
        slug="uptime",
        category="system_performance",
        unit="%",
        target=Decimal("99.9"),
        direction="higher",
    )
    errors = KpiDefinition.objects.create(
        name="Error rate", slug="error-rate", category="system_performance", unit="%", target=Decimal(1),
        direction="lower",
    )  # fmt: skip
    KpiDefinition.objects.create(name="No target", slug="no-target", category="financial", unit="EUR")
    KpiMeasurement.objects.create(kpi=uptime, date=date(2026, 11, 14), value=Decimal("99.95"))
    KpiMeasurement.objects.create(kpi=uptime, date=date(2026, 11, 15), value=Decimal("99.5"))  # latest: off
    KpiMeasurement.objects.create(kpi=uptime, date=date(2026, 11, 17), value=Decimal(100))  # after the handoff
    KpiMeasurement.objects.create(kpi=errors, date=date(2026, 11, 15), value=Decimal("0.5"))  # on target


class TestHandoverDigest:
    def test_it_lists_open_incidents_breached_first_with_their_deadlines(self, shift_world):
        digest = handover_digest(shift_start=SHIFT_START, handoff_at=HANDOFF, next_end=NEXT_END)
        assert [(row["title"], row["breached"]) for row in digest.incidents] == [
            ("Breached P1", True),
            ("Acknowledged P1", False),
            ("Fresh P3", False),
        ]
        assert digest.incidents[0]["response_due_at"] == at(16, 8)

    def test_it_lists_runs_missed_or_overdue_in_the_last_shift(self, shift_world):
        digest = handover_digest(shift_start=SHIFT_START, handoff_at=HANDOFF, next_end=NEXT_END)
        assert [(row["name"], row["state"]) for row in digest.runs] == [("Daily 10", "missed"), ("Daily 15", "overdue")]

    def test_it_lists_changes_in_flight_or_scheduled_in_the_next_shift(self, shift_world):
        digest = handover_digest(shift_start=SHIFT_START, handoff_at=HANDOFF, next_end=NEXT_END)
        assert sorted(row["title"] for row in digest.changes) == ["Being implemented", "Scheduled Thursday"]

    def test_it_lists_kpis_whose_latest_value_misses_the_target(self, shift_world):
        digest = handover_digest(shift_start=SHIFT_START, handoff_at=HANDOFF, next_end=NEXT_END)
        assert [(row["name"], row["value"], row["target"]) for row in digest.kpis] == [
            ("Uptime", Decimal("99.5"), Decimal("99.9"))
        ]

    def test_its_text_names_every_section(self, shift_world):
        text = handover_digest(shift_start=SHIFT_START, handoff_at=HANDOFF, next_end=NEXT_END).as_text()
        assert "Open incidents (3)" in text
        assert re.search(r"Breached P1 \(declared\), response due Mon 16 Nov (2026 )?\d\d:\d\d \w+, BREACHED", text)
        assert "Daily 15: overdue" in text
        assert "Scheduled Thursday (planning)" in text
        assert "Uptime: 99.5 % (target 99.9)" in text

    def test_it_reads_four_queries_whatever_the_data(self, shift_world, django_assert_num_queries):
        # 1. open incidents, 2. missed or overdue runs, 3. changes, 4. KPIs with their latest value.
        with django_assert_num_queries(4):
            handover_digest(shift_start=SHIFT_START, handoff_at=HANDOFF, next_end=NEXT_END)
        severity = Severity.objects.get(code="P1")
        for number in range(10):
            Incident.objects.create(
                title=f"more {number}", severity=severity, detected_at=at(16), response_due_at=at(16, 10)
            )
        with CaptureQueriesContext(connection) as queries:
            digest = handover_digest(shift_start=SHIFT_START, handoff_at=HANDOFF, next_end=NEXT_END)
        assert len(queries) == 4
        assert len(digest.incidents) == 13

    def test_an_empty_portal_gives_an_empty_digest(self, db):
        digest = handover_digest(shift_start=SHIFT_START, handoff_at=HANDOFF, next_end=NEXT_END)
        assert digest.is_empty
        assert "none" in digest.as_text()
