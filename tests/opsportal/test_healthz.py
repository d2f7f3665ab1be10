"""/healthz: database, broker, beat and worker; details only for admins."""

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.utils import timezone

from opsportal.heartbeat import BEAT, WORKER, WORKER_RAN_BEAT, beat_sent_stamp
from opsportal.models import Heartbeat
from opsportal.tasks import heartbeat
from tests.conftest import ROOT, _database_url_for_tests, wait_for

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def _stamp(name, at):
    Heartbeat.objects.update_or_create(name=name, defaults={"last_seen_at": at})


def _alive(at=NOW):
    """Beat sent a heartbeat 5 s before ``at`` and a worker ran it at once."""
    _stamp(BEAT, at - timedelta(seconds=5))
    _stamp(WORKER_RAN_BEAT, at - timedelta(seconds=5))
    _stamp(WORKER, at - timedelta(seconds=4))


@pytest.mark.django_db
class TestHealthz:
    def test_it_answers_200_with_only_the_status_to_a_load_balancer(self, client):
        _alive()
        with time_machine.travel(NOW, tick=False):
            response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}

    def test_an_admin_sees_every_part_and_its_instants(self, client_for, admin_user):
        _alive()
        with time_machine.travel(NOW, tick=False):
            body = client_for(admin_user).get("/healthz").json()
        assert body["status"] == "ok"
        assert body["failing"] == []
        assert set(body["checks"]) == {"database", "broker", "beat", "worker"}
        assert body["checks"]["beat"]["beat_sent_at"] == (NOW - timedelta(seconds=5)).isoformat()
        assert body["checks"]["worker"]["worker_ran_at"] == (NOW - timedelta(seconds=4)).isoformat()

    def test_other_roles_see_only_the_status(self, client_for, ops_user, manager_user):
        _stamp(BEAT, NOW - timedelta(hours=1))
        with time_machine.travel(NOW, tick=False):
            for user in (ops_user, manager_user):
                response = client_for(user).get("/healthz")
                assert response.status_code == 503
                assert response.json() == {"status": "failing"}

    def test_it_names_a_dead_beat_once_it_has_sent_nothing_for_a_minute(self, client_for, admin_user):
        _alive(NOW - timedelta(seconds=56))  # the last send was 61 s ago, and the worker ran it
        with time_machine.travel(NOW, tick=False):
            response = client_for(admin_user).get("/healthz")
        assert response.status_code == 503
        body = response.json()
        assert body["failing"] == ["beat"]
        assert body["checks"]["beat"]["detail"] == "dead: last sent a heartbeat 61 s ago"
        assert body["checks"]["worker"]["ok"] is True  # it ran what beat sent: idle, not dead

    def test_a_beat_a_little_late_is_still_alive(self, client_for, admin_user):
        _alive(NOW - timedelta(seconds=50))
        with time_machine.travel(NOW, tick=False):
            assert client_for(admin_user).get("/healthz").status_code == 200

    def test_it_names_a_dead_worker_when_beat_sends_but_nothing_runs(self, client_for, admin_user):
        _stamp(WORKER, NOW - timedelta(seconds=61))
        _stamp(WORKER_RAN_BEAT, NOW - timedelta(seconds=62))
        _stamp(BEAT, NOW - timedelta(seconds=2))  # beat kept sending; nobody ran those
        with time_machine.travel(NOW, tick=False):
            response = client_for(admin_user).get("/healthz")
        assert response.status_code == 503
        body = response.json()
        assert body["failing"] == ["worker"]
        assert body["checks"]["worker"]["detail"] == "dead: last ran a heartbeat 61 s ago"

    def test_it_fails_before_beat_ever_sent(self, client_for, admin_user):
        response = client_for(admin_user).get("/healthz")
        assert response.status_code == 503
        assert response.json()["failing"] == ["beat", "worker"]

    def test_it_answers_503_naming_an_unreachable_broker(self, client_for, admin_user):
        _alive()
        with (
            time_machine.travel(NOW, tick=False),
            mock.patch("opsportal.views._check_broker", return_value=(False, "unreachable: OperationalError")),
        ):
            response = client_for(admin_user).get("/healthz")
        assert response.status_code == 503
        assert response.json()["failing"] == ["broker"]

    def test_it_answers_503_naming_an_unreachable_database(self, client_for, admin_user):
        _alive()
        with (
            time_machine.travel(NOW, tick=False),
            mock.patch("opsportal.views._check_database", return_value=(False, "unreachable: OperationalError")),
        ):
            response = client_for(admin_user).get("/healthz")
        assert response.status_code == 503
        assert response.json()["failing"] == ["database"]

    def test_it_answers_503_in_json_when_no_query_works(self, client):
        with mock.patch("opsportal.views.connection.cursor", side_effect=Exception("down")):
            response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json() == {"status": "failing"}

    def test_it_needs_no_login(self, client):
        assert client.get("/healthz").status_code in {200, 503}


def _start_beat(log_path):
    env = {**os.environ, "DATABASE_URL": _database_url_for_tests(), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "celery", "-A", "opsportal", "beat", "--loglevel=INFO",
               "-s", str(log_path.parent / "celerybeat-schedule")]  # fmt: skip
    log = log_path.open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    return process


def _stop(process):
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _stamps():
    return dict(Heartbeat.objects.values_list("name", "last_seen_at"))


@pytest.mark.worker
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
class TestHealthzWithRealProcesses:
    def test_a_worker_that_stops_running_heartbeats_is_named_within_90_seconds(
        self, celery_worker_factory, client_for, admin_user
    ):
        worker = celery_worker_factory("healthz", queues="healthz")
        sent_at = beat_sent_stamp()  # what beat does when it sends
        heartbeat.apply_async(kwargs={"sent_at": sent_at}, queue="healthz")
        wait_for(lambda: _stamps().get(WORKER_RAN_BEAT) == datetime.fromisoformat(sent_at))
        client = client_for(admin_user)
        assert client.get("/healthz").json()["checks"]["worker"]["ok"] is True

        from tests.conftest import stop_celery_worker

        stop_celery_worker(worker)
        died = timezone.now()
        with time_machine.travel(died + timedelta(seconds=40), tick=False):
            heartbeat.apply_async(kwargs={"sent_at": beat_sent_stamp()}, queue="healthz")  # never run
        with time_machine.travel(died + timedelta(seconds=61), tick=False):
            response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["failing"] == ["worker"]

        from opsportal.celery import app

        with app.connection_for_write() as connection:
            app.amqp.queues["healthz"].bind(connection).purge()  # drop the heartbeat no one will run
        app.amqp.queues.pop("healthz", None)

    def test_beat_stamps_its_sends_and_a_dead_beat_is_named_within_90_seconds(
        self, celery_worker_factory, client_for, admin_user, tmp_path
    ):
        celery_worker_factory("healthz-default", queues="celery")
        beat = _start_beat(tmp_path / "beat.log")
        try:
            # Beat sends its first heartbeat 20 s after it starts; the worker runs it.
            stamps = wait_for(
                lambda: (s := _stamps()) and BEAT in s and s.get(WORKER_RAN_BEAT) == s[BEAT] and s, timeout=60
            )
        finally:
            _stop(beat)
        client = client_for(admin_user)
        response = client.get("/healthz")
        assert response.status_code == 200, response.json()
        last_sent = stamps[BEAT]
        time.sleep(0.5)
        assert _stamps()[BEAT] == last_sent  # beat is gone: no new sends
        with time_machine.travel(last_sent + timedelta(seconds=61), tick=False):
            response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["failing"] == ["beat"]
