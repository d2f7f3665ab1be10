"""Agenda snapshots: a standup lists exactly the expected incidents, runs and changes, and is never rewritten."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from coordination.models import Meeting
from coordination.services import meeting_open, meetings_open_due
from incidents.models import ActionItem, PostIncidentReview
from opsportal.roles import Role
from tests.coordination.conftest import NOW, PREVIOUS_STANDUP


@pytest.mark.django_db
class TestStandupAgenda:
    def test_it_lists_exactly_the_expected_incidents_runs_and_changes(self, morning, schedules):
        with time_machine.travel(NOW, tick=False):
            opened = meetings_open_due()
        assert [meeting.kind for meeting in opened] == ["standup"]  # weekly meets Mondays, monthly on the 2nd
        agenda = opened[0].agenda
        assert agenda["since"] == "2026-03-10T09:15:00Z"  # the cadence's previous standup
        # Soonest response deadline first; the acknowledged one's deadline passed but is met.
        assert [row["title"] for row in agenda["incidents"]] == ["Slow search", "Payments down"]
        assert [(row["severity"], row["breached"]) for row in agenda["incidents"]] == [("P2", False), ("P1", False)]
        assert agenda["incidents"][1]["response_due_at"] == "2026-03-11T08:50:00Z"
        assert [(row["id"], row["state"]) for row in agenda["runs"]] == [
            (morning["missed_after"].pk, "missed"),
            (morning["overdue"].pk, "overdue"),
        ]
        assert [row["title"] for row in agenda["changes"]] == ["Database failover drill", "Patch the load balancer"]
        assert agenda["oncall"] == []  # no on-call schedule exists

    def test_since_is_the_previous_standup_held(self, morning, schedules):
        Meeting.objects.create(
            schedule=schedules["standup"], date=date(2026, 3, 10), kind="standup", name="Daily standup",
            starts_at=PREVIOUS_STANDUP - timedelta(hours=1), ends_at=PREVIOUS_STANDUP, opened_at=PREVIOUS_STANDUP,
        )  # fmt: skip
        meeting, created = meeting_open(schedule=schedules["standup"], day=date(2026, 3, 11), now=NOW)
        assert created
        # The standup held on Tuesday started at 08:15: the miss at 08:00 came before it, so it stays out.
        assert meeting.agenda["since"] == "2026-03-10T08:15:00Z"
        assert [row["state"] for row in meeting.agenda["runs"]] == ["missed", "overdue"]

    def test_the_snapshot_is_never_rewritten(self, morning, schedules):
        with time_machine.travel(NOW, tick=False):
            meeting = meetings_open_due()[0]
        before = meeting.agenda
        morning["payments_down"].status = "resolved"
        morning["payments_down"].save(update_fields=["status"])
        morning["tomorrow"].window_start = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)
        morning["tomorrow"].save(update_fields=["window_start"])
        with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
            assert meetings_open_due() == []
            again, created = meeting_open(schedule=schedules["standup"], day=date(2026, 3, 11))
        assert not created and again.pk == meeting.pk
        meeting.refresh_from_db()
        assert meeting.agenda == before
        assert Meeting.objects.count() == 1

    def test_it_opens_nothing_before_the_hour_ahead(self, morning, schedules):
        with time_machine.travel(datetime(2026, 3, 11, 8, 14, tzinfo=UTC), tick=False):
            assert meetings_open_due() == []


@pytest.mark.django_db
class TestOtherAgendas:
    def test_weekly_lists_the_week_ahead_and_review_actions(self, morning, schedules, make_user):
        owner = make_user("owen.owner")
        review = PostIncidentReview.objects.create(
            incident=morning["resolved"], due_at=datetime(2026, 3, 11, tzinfo=UTC)
        )
        ActionItem.objects.create(review=review, description="Add an alert", owner=owner, due_date=date(2026, 3, 10))
        ActionItem.objects.create(review=review, description="Later", owner=owner, due_date=date(2026, 4, 30))
        meeting, _ = meeting_open(
            schedule=schedules["weekly"], day=date(2026, 3, 9), now=datetime(2026, 3, 9, 9, tzinfo=UTC)
        )
        agenda = meeting.agenda
        assert [row["title"] for row in agenda["changes"]] == [
            "Database failover drill", "Patch the load balancer", "Rotate certificates",
        ]  # fmt: skip
        assert [(row["description"], row["overdue"]) for row in agenda["action_items"]] == [("Add an alert", False)]
        assert agenda["kpis_off_target"]["period"] == "Week 10, 2026"

    def test_quarterly_lists_open_risks(self, morning, schedules):
        morning["patch_today"].risk = "high"
        morning["patch_today"].save(update_fields=["risk"])
        meeting, _ = meeting_open(
            schedule=schedules["quarterly"], day=date(2026, 4, 1), now=datetime(2026, 4, 1, 9, tzinfo=UTC)
        )
        risks = meeting.agenda["risks"]
        assert [row["title"] for row in risks["changes"]] == ["Patch the load balancer"]
        assert [row["title"] for row in risks["incidents"]] == ["Payments down"]  # P1 open; the P2 is not a P0/P1
        assert meeting.agenda["report"]["period"] == "Q1 2026"

    def test_monthly_shows_the_report_headline(self, schedules, utc):
        meeting, _ = meeting_open(
            schedule=schedules["monthly"], day=date(2026, 3, 2), now=datetime(2026, 3, 2, 9, tzinfo=UTC)
        )
        assert meeting.agenda["report"]["period"] == "February 2026"
        assert "summary" in meeting.agenda["report"]


@pytest.mark.django_db
class TestAgendaSources:
    def test_a_standup_shows_the_oncall_handover_when_schedules_exist(self, morning, schedules, make_user):
        from datetime import time

        from oncall.models import Layer, LayerMember, Schedule

        alice, bob = make_user("alice", Role.ONCALL), make_user("bob", Role.ONCALL)
        schedule = Schedule.objects.create(
            name="Platform", time_zone="UTC", created_at=datetime(2026, 1, 5, tzinfo=UTC)
        )
        layer = Layer.objects.create(schedule=schedule, shift_days=1, handoff_time=time(9), starts_on=date(2026, 3, 2))
        LayerMember.objects.create(layer=layer, user=alice, position=0)
        LayerMember.objects.create(layer=layer, user=bob, position=1)
        meeting, _ = meeting_open(schedule=schedules["standup"], day=date(2026, 3, 11), now=NOW)
        [row] = meeting.agenda["oncall"]
        assert row["schedule"] == "Platform" and row["primary"] in {"alice", "bob"}
        assert [handoff["at"] for handoff in row["handoffs_today"]] == ["2026-03-11T09:00:00Z"]

    def test_a_weekly_meeting_lists_the_kpis_that_missed_their_target(self, schedules, utc):
        from reporting.models import KpiDefinition, KpiMeasurement

        uptime = KpiDefinition.objects.create(name="Uptime", slug="uptime", category="operations", unit="%",
                                              target=Decimal("99.9"), direction="higher")  # fmt: skip
        KpiDefinition.objects.create(name="Signups", slug="signups", category="operations", target=Decimal("10"))
        KpiMeasurement.objects.create(kpi=uptime, date=date(2026, 3, 4), value=Decimal("99.5"))
        meeting, _ = meeting_open(
            schedule=schedules["weekly"], day=date(2026, 3, 9), now=datetime(2026, 3, 9, 9, tzinfo=UTC)
        )
        rows = meeting.agenda["kpis_off_target"]["rows"]
        assert [(row["name"], row["value"], row["target"]) for row in rows if row["name"] in {"Uptime", "Signups"}] == [
            ("Uptime", 99.5, 99.9)
        ]  # Signups has no measurement: not off target
