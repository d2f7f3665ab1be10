"""A task sent from a web request is executed by a real Celery worker process."""

import re

import pytest

from tests.conftest import wait_for

HEARTBEAT_DONE = re.compile(r"Task opsportal\.tasks\.heartbeat\[([0-9a-f-]+)\] succeeded")


def _heartbeats_done(worker) -> list[str]:
    return HEARTBEAT_DONE.findall(worker.log_path.read_text())


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
class TestWorkerCheck:
    def test_a_task_sent_from_a_web_request_runs_on_a_real_worker(self, celery_worker, client_for, admin_user):
        # The worker beats once when it becomes ready; wait for that, so only our request can add the next one.
        before = len(wait_for(lambda: _heartbeats_done(celery_worker), timeout=60))
        response = client_for(admin_user).post("/system/worker-check/")
        assert response.status_code == 302
        wait_for(lambda: len(_heartbeats_done(celery_worker)) > before, timeout=60)
        from opsportal.models import Heartbeat

        assert Heartbeat.objects.filter(name="worker").exists()

    def test_only_admins_may_ask(self, client_for, ops_user):
        response = client_for(ops_user).post("/system/worker-check/")
        assert response.status_code == 403
