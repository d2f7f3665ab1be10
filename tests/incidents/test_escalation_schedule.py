"""Escalation to people on a schedule: the primary first, the secondary after a delay, exactly once."""

import os
import signal
import threading
import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F

from incidents import escalation
from incidents.models import EscalationNotice, EscalationStep, EscalationTarget, Severity
from incidents.services import incident_acknowledge, incident_declare, severity_default_policy_create, sla_sweep
from incidents.tasks import sla_sweep as sla_sweep_task
from oncall.models import Layer, LayerMember, Schedule
from oncall.selectors import oncall_at
from opsportal.models import Notification
from opsportal.notifications import RESEND_AFTER, message_id_for
from opsportal.roles import Role
from opsportal.tasks import resend_unmailed
from tests.conftest import wait_for
from tests.incidents.smtp_sink import SmtpSink
from tests.incidents.test_reminder_delivery import filed_message_ids, sweeps_succeeded, worker_env

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday: Bob's week, Carol next in the rotation
DUE = NOW - timedelta(minutes=1)


@pytest.fixture
def team(make_user):
    return {
        "engineers": [make_user(name, Role.ONCALL) for name in ("alice", "bob", "carol")],
        "bystander": make_user("on9", Role.ONCALL),  # on call by role, never on the schedule
        "manager": make_user("boss", Role.MANAGER),
        "ops": make_user("opsy", Role.OPS),
    }


@pytest.fixture
def schedule(team):
    """Alice, Bob and Carol a week each, handing off on Mondays at 09:00 London, from 5 January 2026."""
    schedule = Schedule.objects.create(
        name="Platform", time_zone="Europe/London", created_at=datetime(2026, 1, 5, tzinfo=UTC)
    )
    layer = Layer.objects.create(
        schedule=schedule, position=0, shift_days=7, handoff_time=time(9), starts_on=date(2026, 1, 5)
    )
    for position, user in enumerate(team["engineers"]):
        LayerMember.objects.create(layer=layer, user=user, position=position)
    return schedule


@pytest.fixture
def p1(schedule):
    """The reference P1 (60 minutes) with the default policy made while the schedule exists."""
    severity = Severity.objects.create(code="P1", name="High", response_minutes=60, position=2)
    severity_default_policy_create(severity=severity)
    return severity


def declare_breached(p1, by, *, now=NOW, title="API failures"):
    return incident_declare(by=by, title=title, severity=p1, detected_at=now - timedelta(minutes=61), now=now)


def paged(incident, **filters):
    rows = Notification.objects.filter(key__startswith=f"incident-{incident.pk}-step-", **filters)
    return sorted(rows.values_list("recipient__username", flat=True))


@pytest.mark.django_db
class TestDefaultPolicyOnASchedule:
    def test_the_default_p1_pages_primary_then_secondary_then_managers(self, p1, schedule):
        steps = [(step.target, step.schedule, step.delay_minutes) for step in p1.escalation_steps.order_by("position")]
        assert steps == [
            (EscalationTarget.SCHEDULE_PRIMARY, schedule, 0),
            (EscalationTarget.SCHEDULE_SECONDARY, schedule, 15),
            (EscalationTarget.MANAGERS, None, 30),
        ]

    def test_without_a_schedule_the_default_pages_the_oncall_group(self, db):
        severity = Severity.objects.create(code="P1", name="High", response_minutes=60)
        severity_default_policy_create(severity=severity)
        first = severity.escalation_steps.order_by("position").first()
        assert (first.target, first.group.name, first.schedule) == ("group", Role.ONCALL.value, None)

    def test_the_fixture_rotation_has_bob_primary_and_carol_secondary(self, schedule):
        now = oncall_at(schedule, NOW)
        assert (now.primary.username, now.secondary.username) == ("bob", "carol")


@pytest.mark.django_db
class TestScheduleTargetValidation:
    @pytest.mark.parametrize("target", [EscalationTarget.SCHEDULE_PRIMARY, EscalationTarget.SCHEDULE_SECONDARY])
    def test_a_schedule_step_needs_a_schedule(self, db, target):
        severity = Severity.objects.create(code="P5", name="Five", response_minutes=5)
        with pytest.raises(ValidationError) as error:
            EscalationStep(severity=severity, target=target).full_clean()
        assert list(error.value.message_dict) == ["schedule"]


@pytest.mark.django_db
class TestBreachedP1OnASchedule:
    def test_it_pages_only_the_primary(self, p1, team):
        incident = declare_breached(p1, team["ops"])
        assert sla_sweep(now=NOW).reminders == 1
        assert paged(incident) == ["bob"]
        assert "the primary of Platform" in incident.timeline.get(kind="escalation").text

    def test_with_no_acknowledgement_after_the_secondary_delay_it_pages_the_secondary(self, p1, team):
        incident = declare_breached(p1, team["ops"])
        sla_sweep(now=NOW)
        assert sla_sweep(now=DUE + timedelta(minutes=14)).reminders == 0
        assert sla_sweep(now=DUE + timedelta(minutes=15, seconds=5)).reminders == 2  # primary again, secondary first
        assert paged(incident) == ["bob", "bob", "carol"]
        assert "on9" not in paged(incident) and "alice" not in paged(incident)

    def test_an_acknowledgement_stops_both(self, p1, team):
        incident = declare_breached(p1, team["ops"])
        sla_sweep(now=NOW)
        bob = team["engineers"][1]
        incident_acknowledge(incident=incident, by=bob, now=NOW + timedelta(minutes=2))
        for minutes in (15, 30, 60, 600):
            assert sla_sweep(now=DUE + timedelta(minutes=minutes)).reminders == 0
        assert paged(incident) == ["bob"]
        incident.refresh_from_db()
        assert incident.assignee == bob

    def test_a_handoff_between_rounds_pages_the_new_primary(self, p1, team):
        # Due Monday 30 November 08:50 London (GMT): Bob's last minutes, then Carol from 09:00.
        monday = datetime(2026, 11, 30, 8, 50, tzinfo=UTC)
        incident = declare_breached(p1, team["ops"], now=monday + timedelta(minutes=1))
        sla_sweep(now=monday + timedelta(minutes=1))
        sla_sweep(now=monday + timedelta(minutes=15, seconds=5))
        rounds = [
            (notice.step.position, sorted(Notification.objects.filter(key=notice.key).values_list(
                "recipient__username", flat=True)))
            for notice in EscalationNotice.objects.filter(incident=incident).select_related("step").order_by("pk")
        ]  # fmt: skip
        assert rounds == [(1, ["bob"]), (1, ["carol"]), (2, ["alice"])]

    def test_the_dry_run_equals_what_is_then_sent(self, p1, team):
        monday = datetime(2026, 11, 30, 8, 20, tzinfo=UTC)  # the plan crosses the 09:00 handoff
        incident = declare_breached(p1, team["ops"], now=monday)
        planned = [(page.at, page.users, page.step) for page in escalation.incident_plan(incident, now=monday)]
        assert {tuple(page[1]) for page in planned} == {("bob",), ("carol",), ("alice",), ("boss",)}
        for at in sorted({at for at, _users, _step in planned}):
            with time_machine.travel(at + timedelta(seconds=30), tick=False):
                sla_sweep()
        sent = sorted(
            (
                notice.due_at,
                sorted(Notification.objects.filter(key=notice.key).values_list("recipient__username", flat=True)),
                notice.step.position,
            )
            for notice in EscalationNotice.objects.filter(incident=incident).select_related("step")
        )
        assert sent == sorted(planned)

    def test_the_api_shows_the_plan_with_the_target_names(self, client_for, p1, team):
        incident = declare_breached(p1, team["ops"])
        body = client_for(team["ops"]).get(f"/api/v1/incidents/{incident.pk}/").json()
        assert [(step["target"], step["schedule"]) for step in body["escalation_steps"]] == [
            ("schedule_primary", "Platform"),
            ("schedule_secondary", "Platform"),
            ("managers", None),
        ]
        with time_machine.travel(NOW, tick=False):
            plan = client_for(team["ops"]).get(f"/api/v1/incidents/{incident.pk}/escalation/").json()
        assert plan[0] == {"at": "2026-11-25T09:59:00Z", "users": ["bob"], "step": 1}

    def test_a_deleted_schedule_falls_back_to_the_oncall_engineers(self, p1, team, schedule):
        incident = declare_breached(p1, team["ops"])
        schedule.delete()
        sla_sweep(now=NOW)
        assert paged(incident) == ["alice", "bob", "carol", "on9"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestConcurrentSweepsOnASchedule:
    def test_two_sweeps_at_once_page_each_primary_once(self, p1, team):
        incidents = [declare_breached(p1, team["ops"], title=f"API {n}") for n in range(4)]
        barrier = threading.Barrier(2)
        results, errors = [], []

        def sweep():
            try:
                barrier.wait(timeout=10)
                results.append(sla_sweep(now=NOW))
            except Exception as error:
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not errors
        assert sum(result.reminders for result in results) == len(incidents)
        for incident in incidents:
            assert paged(incident) == ["bob"]


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
class TestRealWorkersOnASchedule:
    def test_two_sweeps_on_two_worker_processes_page_the_primary_once(
        self, celery_worker_factory, p1, schedule, team, tmp_path
    ):
        queue = f"sweep-{uuid.uuid4().hex[:8]}"
        env = worker_env(queue, f"filemail://{tmp_path}")
        workers = [celery_worker_factory(name, queues=queue, env=env) for name in ("sched-a", "sched-b")]
        incident = declare_breached(p1, team["ops"], now=datetime.now(UTC))
        primary = oncall_at(schedule, incident.response_due_at).primary.username

        for _ in range(2):
            sla_sweep_task.apply_async(queue=queue)

        wait_for(lambda: sum(sweeps_succeeded(worker) for worker in workers) == 2, timeout=60)
        [row] = wait_for(lambda: list(Notification.objects.filter(
            key__startswith=f"incident-{incident.pk}-step-", emailed_at__isnull=False)), timeout=60)  # fmt: skip
        assert row.recipient.username == primary
        assert EscalationNotice.objects.filter(incident=incident).count() == 1
        assert filed_message_ids(tmp_path) == {message_id_for(row): 1}

    def test_a_worker_killed_while_paging_the_primary_loses_nothing_and_doubles_nothing(
        self, celery_worker_factory, p1, schedule, team
    ):
        sink = SmtpSink(stall_at="data").start()
        try:
            queue = f"kill-{uuid.uuid4().hex[:8]}"
            env = worker_env(queue, f"smtp://127.0.0.1:{sink.port}")
            doomed = celery_worker_factory("sched-doomed", queues=queue, env=env)
            incident = declare_breached(p1, team["ops"], now=datetime.now(UTC))
            primary = oncall_at(schedule, incident.response_due_at).primary.username
            sla_sweep_task.apply_async(queue=queue)

            assert sink.stalled.wait(timeout=60), "the worker never reached the mail server"
            os.kill(doomed.pid, signal.SIGKILL)
            doomed.wait(timeout=10)
            sink.release.set()
            rows = Notification.objects.filter(key__startswith=f"incident-{incident.pk}-step-")
            assert [row.recipient.username for row in rows] == [primary]
            assert rows.filter(emailed_at__isnull=False).count() == 0

            celery_worker_factory("sched-restarted", queues=queue, env=env)
            # A second sweep finds the round sent (its notice is committed): nothing doubles.
            sla_sweep_task.apply_async(queue=queue)
            rows.update(created_at=F("created_at") - RESEND_AFTER * 2)
            resend_unmailed.apply_async(queue=queue)
            wait_for(lambda: rows.filter(emailed_at__isnull=True).count() == 0, timeout=60)

            assert [row.recipient.username for row in rows] == [primary]
            assert sink.message_ids() == {message_id_for(rows.get()): 1}
            assert EscalationNotice.objects.filter(incident=incident).count() == 1
        finally:
            sink.stop()
