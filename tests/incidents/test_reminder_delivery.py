"""Reminder delivery: no due reminder lost, none sent twice, on real workers, PostgreSQL and Redis.

The worker tests start workers of their own on queues of their own (``worker_settings``), so the
session's ``celery_worker`` cannot take their messages. E-mail goes to a file folder or to a
local SMTP sink (``smtp_sink``) that can stall a delivery, so a worker can be killed mid-send.
"""

from __future__ import annotations

import json
import os
import re
import signal
import smtplib
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.db.models import F

from incidents.models import EscalationNotice
from incidents.services import incident_declare
from incidents.tasks import sla_sweep as sla_sweep_task
from opsportal.models import Notification
from opsportal.notifications import (
    MAX_RESENDS,
    RESEND_AFTER,
    message_id_for,
    notification_email,
    notification_send,
    notifications_resend_unmailed,
)
from opsportal.roles import Role
from opsportal.tasks import resend_unmailed
from tests.conftest import stop_celery_worker, wait_for
from tests.incidents.smtp_sink import SmtpSink

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
MESSAGE_ID = re.compile(r"^Message-ID: (.+)$", re.MULTILINE)


def filed_message_ids(folder: Path) -> Counter[str]:
    """Count the Message-IDs of every e-mail the file backend wrote into ``folder``."""
    return Counter(mid.strip() for path in folder.glob("*") for mid in MESSAGE_ID.findall(path.read_text()))


def worker_env(default_queue: str, email_url: str) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "tests.incidents.worker_settings",
        "OPSPORTAL_TEST_QUEUE": default_queue,
        "EMAIL_URL": email_url,
    }


def broker():
    import redis

    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


def queued_tasks(redis, queue: str) -> list[str]:
    """Return the task names of the messages waiting in a Redis queue."""
    return [json.loads(raw)["headers"]["task"] for raw in redis.lrange(queue, 0, -1)]


def declare_p1_61_minutes_ago(severities, by, title="API failures"):
    return incident_declare(
        by=by, title=title, severity=severities["P1"], detected_at=datetime.now(UTC) - timedelta(minutes=61)
    )


def reminders_of(incident):
    return Notification.objects.filter(key__startswith=f"incident-{incident.pk}-step-").order_by("pk")


def sweeps_succeeded(worker) -> int:
    return len(re.findall(r"Task incidents\.tasks\.sla_sweep\[[0-9a-f-]+\] succeeded", worker.log_path.read_text()))


# The resend sweep, in process -------------------------------------------------------------------


@pytest.mark.django_db
class TestResendUnmailed:
    @pytest.fixture
    def row(self, make_user):
        user = make_user("on1", Role.ONCALL)
        [row] = notification_send(recipients=[user], key="incident-1-step-1-round-1", subject="P1 not acknowledged")
        Notification.objects.filter(pk=row.pk).update(created_at=NOW)
        return row

    def test_nothing_is_requeued_within_the_grace_period(self, row, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks() as queued:
            assert notifications_resend_unmailed(now=NOW + RESEND_AFTER - timedelta(seconds=1)) == []
        assert queued == []

    def test_an_unmailed_row_is_requeued_once_per_delay_and_counted(self, row, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks() as queued:
            assert notifications_resend_unmailed(now=NOW + RESEND_AFTER) == [row.pk]
        assert len(queued) == 1
        row.refresh_from_db()
        assert (row.email_resends, row.email_resent_at) == (1, NOW + RESEND_AFTER)
        # The next resend waits twice as long.
        assert notifications_resend_unmailed(now=NOW + RESEND_AFTER * 2) == []
        assert notifications_resend_unmailed(now=NOW + RESEND_AFTER * 3) == [row.pk]

    def test_a_permanently_failing_address_is_given_up(self, row):
        moment = NOW
        for _ in range(50):
            moment += timedelta(minutes=5)
            notifications_resend_unmailed(now=moment)
        row.refresh_from_db()
        assert row.email_resends == MAX_RESENDS
        assert notifications_resend_unmailed(now=moment + timedelta(days=30)) == []

    def test_mailed_rows_and_recipients_without_address_are_left_alone(self, row, make_user):
        Notification.objects.filter(pk=row.pk).update(emailed_at=NOW)
        silent = make_user("silent", Role.ONCALL)
        silent.email = ""
        silent.save()
        notification_send(recipients=[silent], key="incident-1-step-1-round-1", subject="x")
        Notification.objects.update(created_at=NOW)
        assert notifications_resend_unmailed(now=NOW + timedelta(hours=1)) == []

    def test_the_query_count_does_not_grow_with_rows(self, make_user, django_assert_num_queries):
        users = [make_user(f"on{n}", Role.ONCALL) for n in range(5)]
        notification_send(recipients=users, key="incident-1-step-1-round-1", subject="x")
        Notification.objects.update(created_at=NOW)
        # savepoint, select (and lock) the due rows, count a resend on them, release savepoint
        with django_assert_num_queries(4):
            assert len(notifications_resend_unmailed(now=NOW + RESEND_AFTER)) == 5

    def test_a_mail_server_error_is_recorded_and_left_to_the_resend_sweep(self, row, mailoutbox):
        with mock.patch(
            "django.core.mail.EmailMultiAlternatives.send", side_effect=smtplib.SMTPServerDisconnected("gone")
        ):
            assert notification_email(notification=row) is False
        row.refresh_from_db()
        assert row.emailed_at is None
        assert row.email_error == "SMTPServerDisconnected: gone"
        assert notification_email(notification=row) is True
        assert notification_email(notification=row) is False
        assert [message.extra_headers["Message-ID"] for message in mailoutbox] == [message_id_for(row)]


# Real workers on PostgreSQL and Redis --------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
class TestTwoWorkers:
    def test_two_sweeps_at_once_on_two_worker_processes_send_one(
        self, celery_worker_factory, severities, make_user, tmp_path
    ):
        make_user("on1", Role.ONCALL)
        queue = f"sweep-{uuid.uuid4().hex[:8]}"
        env = worker_env(queue, f"filemail://{tmp_path}")
        workers = [celery_worker_factory(name, queues=queue, env=env) for name in ("sweeper-a", "sweeper-b")]
        incident = declare_p1_61_minutes_ago(severities, make_user("opsy", Role.OPS))

        for _ in range(2):
            sla_sweep_task.apply_async(queue=queue)

        wait_for(lambda: sum(sweeps_succeeded(worker) for worker in workers) == 2, timeout=60)
        assert [sweeps_succeeded(worker) for worker in workers] == [1, 1], "each worker ran one sweep"
        [row] = wait_for(lambda: list(reminders_of(incident).filter(emailed_at__isnull=False)), timeout=60)
        assert EscalationNotice.objects.filter(incident=incident).count() == 1
        assert reminders_of(incident).count() == 1
        assert filed_message_ids(tmp_path) == {message_id_for(row): 1}


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
class TestNoReminderLost:
    @pytest.fixture
    def team(self, make_user):
        return {
            "oncall": [make_user("on1", Role.ONCALL), make_user("on2", Role.ONCALL)],
            "ops": make_user("opsy", Role.OPS),
        }

    @pytest.mark.parametrize(
        ("stall_at", "copies"),
        [
            ("data", 1),  # killed before the mail server had the message: resent, one copy
            ("accepted", 2),  # killed after it had it, before emailed_at: the at-least-once window
        ],
    )
    def test_a_worker_killed_with_sigkill_while_sending(
        self, celery_worker_factory, severities, team, stall_at, copies
    ):
        sink = SmtpSink(stall_at=stall_at).start()
        try:
            queue = f"kill-{uuid.uuid4().hex[:8]}"
            env = worker_env(queue, f"smtp://127.0.0.1:{sink.port}")
            doomed = celery_worker_factory("doomed", queues=queue, env=env)
            incident = declare_p1_61_minutes_ago(severities, team["ops"])
            sla_sweep_task.apply_async(queue=queue)

            assert sink.stalled.wait(timeout=60), "the worker never reached the mail server"
            os.kill(doomed.pid, signal.SIGKILL)
            doomed.wait(timeout=10)
            sink.release.set()
            rows = reminders_of(incident)
            assert rows.count() == 2 and rows.filter(emailed_at__isnull=False).count() == 0

            celery_worker_factory("restarted", queues=queue, env=env)
            # The second reminder's message is still queued; the killed one's is held unacknowledged
            # by Redis (visibility timeout: an hour), so only the resend sweep brings it back.
            wait_for(lambda: rows.filter(emailed_at__isnull=False).count() == 1, timeout=60)
            [killed] = rows.filter(emailed_at__isnull=True)
            Notification.objects.filter(pk=killed.pk).update(created_at=F("created_at") - RESEND_AFTER * 2)
            resend_unmailed.apply_async(queue=queue)
            wait_for(lambda: rows.filter(emailed_at__isnull=True).count() == 0, timeout=60)

            expected = {message_id_for(row): 1 for row in rows}
            expected[message_id_for(killed)] = copies
            assert sink.message_ids() == expected
            assert EscalationNotice.objects.filter(incident=incident).count() == 1
        finally:
            sink.stop()

    def test_redis_flushed_before_a_worker_consumed_anything(self, celery_worker_factory, severities, team, tmp_path):
        sweep_queue, mail_queue = f"sweep-{uuid.uuid4().hex[:8]}", f"mail-{uuid.uuid4().hex[:8]}"
        env = worker_env(mail_queue, f"filemail://{tmp_path}")
        redis = broker()
        # A worker that runs the sweep but does not take the mail it queues.
        sweeper = celery_worker_factory("sweeper", queues=sweep_queue, env=env)
        first = declare_p1_61_minutes_ago(severities, team["ops"], title="first")
        sla_sweep_task.apply_async(queue=sweep_queue)
        wait_for(lambda: reminders_of(first).count() == 2, timeout=60)
        stop_celery_worker(sweeper)
        # A second incident falls due while no worker runs; beat's sweep message waits in Redis.
        second = declare_p1_61_minutes_ago(severities, team["ops"], title="second")
        sla_sweep_task.apply_async(queue=sweep_queue)
        assert queued_tasks(redis, mail_queue).count("opsportal.tasks.send_notification_email") == 2
        assert queued_tasks(redis, sweep_queue) == ["incidents.tasks.sla_sweep"]

        redis.flushdb()  # both e-mails of the first reminder and the second's sweep are lost

        celery_worker_factory("after-flush", queues=f"{sweep_queue},{mail_queue}", env=env)
        Notification.objects.update(created_at=F("created_at") - RESEND_AFTER * 2)  # a minute and more later
        # beat's next ticks: the SLA sweep finds the second's due step (database state), the
        # resend sweep the first's unmailed reminders.
        sla_sweep_task.apply_async(queue=sweep_queue)
        resend_unmailed.apply_async(queue=sweep_queue)
        wait_for(
            lambda: (
                reminders_of(second).count() == 2 and not Notification.objects.filter(emailed_at__isnull=True).exists()
            ),
            timeout=60,
        )
        rows = list(reminders_of(first)) + list(reminders_of(second))
        assert filed_message_ids(tmp_path) == {message_id_for(row): 1 for row in rows}
        assert EscalationNotice.objects.filter(incident=first).count() == 1
        assert EscalationNotice.objects.filter(incident=second).count() == 1
