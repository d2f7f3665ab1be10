"""The operational KPIs of reporting/operational.py, one by one, on a small hand-counted month.

The monthly report built from such a month (through ``build_report``) is checked in
test_monthly_figures.py; its query budget in test_report_queries.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group

from changes.models import ChangeRequest, DeploymentStage, StageResult
from checklists.models import ChecklistRun, ChecklistTemplate
from incidents.models import Incident, PostIncidentReview, Severity
from reporting import operational
from reporting.kpis import operational_kpis

START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 12, 1, tzinfo=UTC)


def at(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def month(db, manager_user):
    """Runs, incidents, reviews and changes of November 2026 (and one of each outside it)."""
    group = Group.objects.get_or_create(name="Ops staff")[0]
    daily = ChecklistTemplate.objects.create(key="daily-a", name="Daily A", owner_group=group, time_of_day=time(8))
    weekly = ChecklistTemplate.objects.create(key="weekly-b", name="Weekly B", owner_group=group, time_of_day=time(8))
    statuses = ["completed"] * 6 + ["completed_late"] * 2 + ["missed"] * 2 + ["open"]  # Daily A: 11 runs
    for day, status in enumerate(statuses, start=1):
        ChecklistRun.objects.create(
            template=daily, name="Daily A", period_date=date(2026, 11, day), opens_at=at(day), status=status
        )
    for day, status in [(2, "completed"), (9, "missed")]:
        ChecklistRun.objects.create(
            template=weekly, name="Weekly B", period_date=date(2026, 11, day), opens_at=at(day), status=status
        )
    ChecklistRun.objects.create(
        template=weekly,
        name="Weekly B",
        period_date=date(2026, 10, 26),
        opens_at=datetime(2026, 10, 26, 9, tzinfo=UTC),
        status="missed",
    )

    p1 = Severity.objects.create(code="P1", name="High", response_minutes=60, position=1)
    p3 = Severity.objects.create(code="P3", name="Low", response_minutes=1440, position=3)

    def incident(severity, detected, ack_minutes, resolve_minutes):
        return Incident.objects.create(
            title="x",
            severity=severity,
            detected_at=detected,
            response_due_at=detected + timedelta(minutes=severity.response_minutes),
            acknowledged_at=None if ack_minutes is None else detected + timedelta(minutes=ack_minutes),
            resolved_at=None if resolve_minutes is None else detected + timedelta(minutes=resolve_minutes),
        )

    first = incident(p1, at(3), 10, 100)  # within SLA
    second = incident(p1, at(5), 90, 200)  # breached (90 > 60)
    incident(p1, at(7), 20, None)  # within SLA, unresolved
    incident(p3, at(10), 600, 3000)  # within SLA
    incident(p3, at(30, 23), None, None)  # deadline after the month: left out of compliance
    incident(p1, datetime(2026, 10, 31, 23, tzinfo=UTC), 5, 10)  # October
    PostIncidentReview.objects.create(incident=first, due_at=at(6), completed_at=at(5))  # on time
    PostIncidentReview.objects.create(incident=second, due_at=at(8), completed_at=at(9))  # late

    production = DeploymentStage.objects.create(order=4, name="Production")

    def change(
        change_type,
        created,
        status="closed",
        close_code="successful",
        ended=None,
        production_at=None,
        rolled_back=False,
    ):
        request = ChangeRequest.objects.create(
            title="c", change_type=change_type, status=status, close_code=close_code, requester=manager_user,
            status_changed_at=created, completed_at=ended,
        )  # fmt: skip
        ChangeRequest.objects.filter(pk=request.pk).update(created_at=created)
        if production_at:
            StageResult.objects.create(
                change=request, stage=production, outcome="passed", recorded_by=manager_user, recorded_at=production_at
            )
        if rolled_back:
            StageResult.objects.create(
                change=request,
                stage=production,
                outcome="rolled_back",
                recorded_by=manager_user,
                recorded_at=ended,
                rolled_back="all",
            )
        return request

    change("normal", at(2), ended=at(6), production_at=at(5))  # lead time 72 h
    change(
        "normal", at(3), status="failed", close_code="unsuccessful", ended=at(8), production_at=at(4), rolled_back=True
    )  # 24 h; failed by rollback
    change("emergency", at(4), status="failed", close_code="unsuccessful", ended=at(4, 12))
    change("standard", at(10), ended=at(12), production_at=at(12))  # 48 h
    change("standard", at(20), status="implementation", close_code="")  # still running


@pytest.fixture(autouse=True)
def _after_the_month():
    with time_machine.travel(datetime(2026, 12, 5, tzinfo=UTC), tick=False):
        yield


class TestOperationalKpis:
    def test_every_kpi_is_registered_from_ready(self):
        slugs = {kpi.slug for kpi in operational_kpis()}
        assert {
            "checklist-completion-rate", "checklist-on-time-rate", "checklist-missed-runs", "incidents",
            "time-to-acknowledge", "time-to-acknowledge-business", "time-to-resolve", "time-to-resolve-business",
            "sla-response-compliance", "reviews-on-time", "changes", "change-success-rate", "change-failure-rate",
            "emergency-change-share", "change-lead-time",
        } <= slugs  # fmt: skip

    def test_checklists(self, month):
        completion = operational.checklist_completion_rate(START, END)
        # Judged: Daily A 8 done + 2 missed, Weekly B 1 done + 1 missed -> 9 of 12.
        assert completion["value"] == 75.0
        assert completion["breakdown"][0] == {
            "group": "Ops staff", "template": "Daily A", "runs": 11, "completed": 8, "on_time": 6, "late": 2,
            "missed": 2, "open": 1, "percent": 80.0,
        }  # fmt: skip
        assert completion["breakdown"][-1]["template"] == "All templates"
        assert completion["breakdown"][-1]["percent"] == 75.0
        assert operational.checklist_on_time_rate(START, END)["value"] == round(100 * 7 / 12, 2)
        assert operational.checklist_missed_runs(START, END)["value"] == 3

    def test_incidents(self, month):
        assert operational.incidents_by_severity(START, END)["breakdown"] == [
            {"severity": "P1", "name": "High", "incidents": 3},
            {"severity": "P3", "name": "Low", "incidents": 2},
        ]
        acknowledge = operational.time_to_acknowledge(START, END)
        assert acknowledge["value"] == round((10 + 90 + 20 + 600) / 4, 2)
        assert acknowledge["breakdown"][0]["median_minutes"] == 20.0
        assert operational.time_to_resolve(START, END)["value"] == round((100 + 200 + 3000) / 3, 2)
        # Unacknowledged P3 detected 30 Nov 23:00 UTC, due 1 Dec 23:00: now (5 Dec) past it -> a breach.
        assert operational.sla_response_compliance(START, END)["value"] == 60.0  # 3 of 5 judged
        assert operational.reviews_on_time(START, END)["value"] == 50.0

    def test_changes(self, month):
        assert operational.changes_by_type(START, END)["value"] == 5
        assert operational.emergency_change_share(START, END)["value"] == 20.0
        # Completed: 2 closed + 2 failed (the emergency one and the rolled-back one).
        assert operational.change_failure_rate(START, END)["value"] == 50.0
        assert operational.change_success_rate(START, END)["value"] == 50.0
        assert operational.change_lead_time(START, END)["value"] == 48.0  # (72 + 24 + 48) / 3
