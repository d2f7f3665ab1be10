"""Each escalation reminder is queued for its due moment; the SLA sweep stays the exactly-once safety net.

Real worker (the session's ``celery_worker``), PostgreSQL and Redis; no beat runs, so a reminder
sent on time was sent by its own scheduled task.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from incidents.models import EscalationNotice, IncidentEscalationStep
from incidents.services import (
    REMINDER_WAIT_MAX,
    incident_acknowledge,
    incident_change_severity,
    incident_declare,
    incident_reminders_send,
    sla_sweep,
)
from incidents.tasks import send_due_reminders
from opsportal.models import Notification
from opsportal.roles import Role
from tests.conftest import wait_for

LAG_LIMIT = 2.0  # seconds from the due moment to the reminder written


@pytest.fixture
def reminder_tasks(settings):
    settings.INCIDENT_REMINDER_TASKS = True
    return settings


@pytest.fixture
def team(make_user):
    return {"oncall": make_user("on1", Role.ONCALL), "ops": make_user("opsy", Role.OPS)}


def declare_p1_due_in(severities, by, seconds: float, title: str = "API failures"):
    """Declare a P1 whose first escalation step falls due ``seconds`` from now."""
    severity = severities["P1"]
    step = severity.escalation_steps.order_by("position").first()
    due = datetime.now(UTC) + timedelta(seconds=seconds)
    detected = due - timedelta(minutes=severity.response_minutes + step.delay_minutes)
    return incident_declare(by=by, title=title, severity=severity, detected_at=detected)


def first_due(incident) -> datetime:
    steps = IncidentEscalationStep.objects.filter(incident=incident, next_due_at__isnull=False)
    return steps.order_by("next_due_at").first().next_due_at


def first_reminders(incident):
    return Notification.objects.filter(key__startswith=f"incident-{incident.pk}-step-", key__endswith="-round-1")


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
class TestReminderQueuedForItsDueMoment:
    def test_a_reminder_is_sent_within_two_seconds_of_its_due_moment_without_the_sweep(
        self, celery_worker, reminder_tasks, severities, team
    ):
        incident = declare_p1_due_in(severities, team["ops"], seconds=4)
        due = first_due(incident)

        [reminder] = wait_for(lambda: list(first_reminders(incident)), timeout=30)

        notice = EscalationNotice.objects.get(incident=incident, round=1)
        assert notice.due_at == due
        lag = (reminder.created_at - due).total_seconds()
        assert 0 <= lag <= LAG_LIMIT, f"reminder written {lag:.2f} s after its due moment"
        assert reminder.recipient == team["oncall"]

    def test_with_the_sweep_also_running_each_reminder_is_sent_exactly_once(
        self, celery_worker, reminder_tasks, severities, team
    ):
        incidents = [declare_p1_due_in(severities, team["ops"], seconds=3 + n * 0.3, title=f"T{n}") for n in range(5)]
        stop = threading.Event()
        swept: list[int] = []

        def sweep_in_a_loop() -> None:
            try:
                while not stop.is_set():
                    swept.append(sla_sweep().reminders)
                    stop.wait(0.05)
            finally:
                connection.close()  # the thread's own connection

        sweeper = threading.Thread(target=sweep_in_a_loop)
        sweeper.start()
        try:
            wait_for(lambda: all(first_reminders(incident).exists() for incident in incidents), timeout=30)
            stop.wait(2)  # both may race on the last due moments
        finally:
            stop.set()
            sweeper.join(timeout=30)

        for incident in incidents:
            assert EscalationNotice.objects.filter(incident=incident, round=1).count() == 1
            assert first_reminders(incident).count() == 1
        assert swept, "the sweep ran beside the tasks"

    def test_a_severity_raised_so_a_step_falls_due_sooner_is_sent_at_the_new_due_moment(
        self, celery_worker, reminder_tasks, severities, team
    ):
        p1 = severities["P1"]
        step = p1.escalation_steps.order_by("position").first()
        due = datetime.now(UTC) + timedelta(seconds=4)
        detected = due - timedelta(minutes=p1.response_minutes + step.delay_minutes)
        incident = incident_declare(
            by=team["ops"], title="Disk filling", severity=severities["P3"], detected_at=detected
        )
        incident_change_severity(incident=incident, severity=p1, by=team["oncall"])
        new_due = first_due(incident)
        assert abs((new_due - due).total_seconds()) < 1

        reminder = wait_for(lambda: first_reminders(incident).first(), timeout=30)

        lag = (reminder.created_at - new_due).total_seconds()
        assert 0 <= lag <= LAG_LIMIT, f"reminder written {lag:.2f} s after its due moment"
        assert EscalationNotice.objects.filter(incident=incident).count() == 1

    def test_an_incident_acknowledged_before_its_due_moment_gets_no_reminder(
        self, celery_worker, reminder_tasks, severities, team
    ):
        incident = declare_p1_due_in(severities, team["ops"], seconds=2)
        incident_acknowledge(incident=incident, by=team["oncall"])
        marker = declare_p1_due_in(severities, team["ops"], seconds=3, title="Marker")

        wait_for(lambda: first_reminders(marker).exists(), timeout=30)  # the worker is past the due moments
        assert not EscalationNotice.objects.filter(incident=incident).exists()
        assert not Notification.objects.filter(key__startswith=f"incident-{incident.pk}-").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestReminderTask:
    def test_the_task_sends_a_due_reminder_once_and_then_nothing(self, severities, team):
        incident = declare_p1_due_in(severities, team["ops"], seconds=-1)
        due = first_due(incident)

        assert send_due_reminders(incident_id=incident.pk, due_at=due.isoformat()) == 1
        assert send_due_reminders(incident_id=incident.pk, due_at=due.isoformat()) == 0
        assert sla_sweep().reminders == 0
        assert first_reminders(incident).count() == 1

    def test_a_round_already_sent_by_the_sweep_is_not_sent_again_by_the_task(self, severities, team):
        incident = declare_p1_due_in(severities, team["ops"], seconds=-1)

        assert sla_sweep().reminders == 1
        assert incident_reminders_send(incident_id=incident.pk).reminders == 0
        assert first_reminders(incident).count() == 1

    def test_an_incident_that_no_longer_exists_is_a_quiet_no_op(self, db):
        assert incident_reminders_send(incident_id=987654).reminders == 0

    def test_a_wait_is_never_longer_than_the_broker_visibility_timeout(self, settings):
        timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
        assert REMINDER_WAIT_MAX.total_seconds() < timeout
