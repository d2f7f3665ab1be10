"""The SLA sweep: each reminder exactly once, repeats on schedule, none after acknowledgement."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from incidents.models import ActionItem, EscalationNotice, IncidentStatus
from incidents.services import (
    incident_acknowledge,
    incident_declare,
    incident_resolve,
    sla_sweep,
)
from opsportal.models import Notification
from opsportal.roles import Role
from tests.conftest import wait_for

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def declare_p1_61_minutes_ago(severities, by):
    return incident_declare(
        by=by, title="API failures", severity=severities["P1"], detected_at=NOW - timedelta(minutes=61), now=NOW
    )


@pytest.fixture
def team(make_user):
    return {
        "oncall": [make_user("on1", Role.ONCALL), make_user("on2", Role.ONCALL)],
        "manager": make_user("boss", Role.MANAGER),
        "ops": make_user("opsy", Role.OPS),
    }


@pytest.mark.django_db
class TestSlaSweep:
    def test_it_escalates_once_to_the_first_steps_audience(self, severities, team):
        incident = declare_p1_61_minutes_ago(severities, team["ops"])
        result = sla_sweep(now=NOW)
        assert result.reminders == 1
        key = f"incident-{incident.pk}-step-{incident.escalation_steps.order_by('position').first().pk}-round-1"
        assert result.notified == [key]
        assert sorted(Notification.objects.filter(key=key).values_list("recipient__username", flat=True)) == [
            "on1",
            "on2",
        ]
        assert incident.timeline.filter(kind="escalation").count() == 1

    def test_a_second_sweep_sends_nothing_more(self, severities, team):
        declare_p1_61_minutes_ago(severities, team["ops"])
        sla_sweep(now=NOW)
        assert sla_sweep(now=NOW + timedelta(seconds=15)).reminders == 0
        assert EscalationNotice.objects.count() == 1
        assert Notification.objects.count() == 2

    def test_after_the_repeat_interval_exactly_one_more(self, severities, team):
        incident = declare_p1_61_minutes_ago(severities, team["ops"])
        sla_sweep(now=NOW)
        assert sla_sweep(now=NOW + timedelta(minutes=13)).reminders == 0
        assert sla_sweep(now=NOW + timedelta(minutes=14, seconds=1)).reminders == 1
        assert sla_sweep(now=NOW + timedelta(minutes=14, seconds=20)).reminders == 0
        assert list(EscalationNotice.objects.filter(incident=incident).values_list("round", flat=True)) == [1, 2]

    def test_the_manager_step_follows_thirty_minutes_later(self, severities, team):
        declare_p1_61_minutes_ago(severities, team["ops"])
        sla_sweep(now=NOW + timedelta(minutes=29, seconds=5))
        manager_keys = Notification.objects.filter(recipient=team["manager"]).values_list("key", flat=True)
        assert len(manager_keys) == 1

    def test_acknowledgement_stops_reminders_at_once(self, severities, team):
        incident = declare_p1_61_minutes_ago(severities, team["ops"])
        sla_sweep(now=NOW)
        with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
            incident_acknowledge(incident=incident, by=team["oncall"][0])
        for minutes in (15, 30, 60, 600):
            assert sla_sweep(now=NOW + timedelta(minutes=minutes)).reminders == 0
        assert EscalationNotice.objects.count() == 1

    def test_repeats_stop_after_max_repeats(self, severities, team):
        incident = declare_p1_61_minutes_ago(severities, team["ops"])
        for minute in range(0, 24 * 60, 1):
            sla_sweep(now=NOW + timedelta(minutes=minute)) if minute % 5 == 0 else None
        first, second = incident.escalation_steps.order_by("position")
        assert first.notices.count() == 1 + first.max_repeats
        assert second.notices.count() == 1 + second.max_repeats
        assert first.next_due_at is None

    def test_a_late_sweep_sends_one_catch_up_round_not_a_burst(self, severities, team):
        declare_p1_61_minutes_ago(severities, team["ops"])
        sla_sweep(now=NOW)
        assert sla_sweep(now=NOW + timedelta(hours=3)).reminders == 2  # step 1 round 2, step 2 round 1
        assert sla_sweep(now=NOW + timedelta(hours=3, seconds=15)).reminders == 0

    def test_the_query_count_does_not_grow_when_nothing_is_due(self, severities, team, django_assert_num_queries):
        for _ in range(5):
            incident_declare(by=team["ops"], title="future", severity=severities["P3"], now=NOW)
        # 1 claim due steps, 2 claim overdue reviews, 3 claim overdue action items, plus a
        # savepoint and its release for each of the sweep's two transactions (inside the test's).
        with django_assert_num_queries(7):
            sla_sweep(now=NOW)

    def test_the_query_count_per_reminder_is_fixed(self, severities, team, django_assert_max_num_queries):
        for _ in range(3):
            declare_p1_61_minutes_ago(severities, team["ops"])
        # 3 claims + per reminder: advance step, savepoint/insert/release notice, audience, existing
        # notifications, notification re-read, notice count, timeline, webhook endpoints = about 12,
        # plus one insert_once (savepoint/insert/release) per recipient. It grows with the audience
        # of a step, never with the number of incidents.
        audience = len(team["oncall"])
        with django_assert_max_num_queries(3 + 3 * (12 + 3 * audience)):
            assert sla_sweep(now=NOW).reminders == 3

    def test_an_overdue_review_reminds_its_owner_once(self, severities, team):
        incident = incident_declare(by=team["ops"], title="x", severity=severities["P1"], now=NOW - timedelta(days=3))
        incident_acknowledge(incident=incident, by=team["oncall"][0], now=NOW - timedelta(days=3))
        incident_resolve(incident=incident, by=team["oncall"][0], now=NOW - timedelta(days=3))
        assert sla_sweep(now=NOW).review_reminders == 1
        assert sla_sweep(now=NOW).review_reminders == 0
        assert Notification.objects.get(key=f"incident-{incident.pk}-review-overdue").recipient == team["oncall"][0]

    def test_an_overdue_action_item_reminds_its_owner_once(self, severities, team):
        incident = incident_declare(by=team["ops"], title="x", severity=severities["P1"], now=NOW - timedelta(hours=2))
        incident_acknowledge(incident=incident, by=team["oncall"][0], now=NOW - timedelta(hours=2))
        incident_resolve(incident=incident, by=team["oncall"][0], now=NOW - timedelta(hours=1))
        ActionItem.objects.create(
            review=incident.review, description="Add alerting", owner=team["manager"], due_date=date(2026, 11, 20)
        )
        ActionItem.objects.create(
            review=incident.review, description="Later", owner=team["manager"], due_date=date(2026, 12, 20)
        )
        assert sla_sweep(now=NOW).review_reminders == 1
        assert sla_sweep(now=NOW).review_reminders == 0
        assert Notification.objects.filter(recipient=team["manager"]).count() == 1


@pytest.mark.django_db
class TestSlaSweepCommand:
    def test_it_runs_one_sweep_now(self, severities, team, capsys):
        with time_machine.travel(NOW, tick=False):
            incident = declare_p1_61_minutes_ago(severities, team["ops"])
            call_command("sla_sweep")
            call_command("sla_sweep")
        out = capsys.readouterr().out
        assert out.count(f"incident-{incident.pk}-step-") == 1
        assert "1 escalation reminders" in out


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestConcurrentSweeps:
    def test_two_sweeps_at_once_send_each_reminder_once(self, severities, team):
        incidents = [declare_p1_61_minutes_ago(severities, team["ops"]) for _ in range(6)]
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
        assert EscalationNotice.objects.count() == len(incidents)
        assert Notification.objects.count() == 2 * len(incidents)

    def test_two_acknowledgements_at_once_one_wins(self, severities, team):
        from opsportal.errors import Conflict

        incident = declare_p1_61_minutes_ago(severities, team["ops"])
        barrier = threading.Barrier(2)
        outcomes = []

        def acknowledge(user):
            try:
                barrier.wait(timeout=10)
                incident_acknowledge(incident=incident, by=user)
                outcomes.append("ok")
            except Conflict as error:
                outcomes.append(error.message)
            finally:
                connection.close()

        threads = [threading.Thread(target=acknowledge, args=(user,)) for user in team["oncall"]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert outcomes.count("ok") == 1
        assert any(outcome.startswith("Already acknowledged by on") for outcome in outcomes)
        assert incident.timeline.filter(kind="status").count() == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
class TestSweepOnARealWorker:
    def test_the_beat_task_sends_the_reminder_email(self, celery_worker, severities, team):
        from incidents.tasks import sla_sweep as sweep_task

        incident = incident_declare(
            by=team["ops"],
            title="Worker test",
            severity=severities["P1"],
            detected_at=datetime.now(UTC) - timedelta(minutes=61),
        )
        sweep_task.delay()
        sent = wait_for(
            lambda: list(
                Notification.objects.filter(key__startswith=f"incident-{incident.pk}-step-", emailed_at__isnull=False)
            ),
            timeout=60,
        )
        assert {row.recipient.username for row in sent} <= {"on1", "on2"}
        wait_for(
            lambda: (
                Notification.objects.filter(key__startswith=f"incident-{incident.pk}-", emailed_at__isnull=True).count()
                == 0
            ),
            timeout=60,
        )
        assert EscalationNotice.objects.filter(incident=incident).count() == 1
        assert incident.status == IncidentStatus.DECLARED
