"""A task sent from a web request is executed by a real Celery worker process."""

import pytest

from opsportal.models import Heartbeat
from tests.conftest import wait_for


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
class TestWorkerCheck:
    def test_a_task_sent_from_a_web_request_runs_on_a_real_worker(self, celery_worker, client_for, admin_user):
        Heartbeat.objects.filter(name="worker").delete()
        response = client_for(admin_user).post("/system/worker-check/")
        assert response.status_code == 302
        beat = wait_for(lambda: Heartbeat.objects.filter(name="worker").first(), timeout=60)
        assert beat.last_seen_at is not None
        assert "opsportal.tasks.heartbeat" in celery_worker.log_path.read_text()

    def test_only_admins_may_ask(self, client_for, ops_user):
        response = client_for(ops_user).post("/system/worker-check/")
        assert response.status_code == 403
