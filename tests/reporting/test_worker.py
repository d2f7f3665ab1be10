"""The beat task builds due reports and mails them on a real Celery worker."""

from __future__ import annotations

import re

import pytest

from reporting.models import Report, ReportDelivery
from reporting.tasks import build_due_reports
from tests.conftest import wait_for


def _builds_done(worker) -> int:
    return len(
        re.findall(r"Task reporting\.tasks\.build_due_reports\[[0-9a-f-]+\] succeeded", worker.log_path.read_text())
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
class TestBuildDueReportsTask:
    def test_the_worker_builds_reports_and_mails_each_manager_once(self, celery_worker, kpis, manager_user):
        done_before = _builds_done(celery_worker)
        build_due_reports.delay()
        # Wait for the whole task, not its first report: the daily one is due or not by the hour.
        wait_for(lambda: _builds_done(celery_worker) > done_before, timeout=60)
        reports = Report.objects.count()
        # Weekly, monthly and quarterly periods ended days ago, so they are due whatever the hour.
        assert reports >= 3
        wait_for(
            lambda: ReportDelivery.objects.filter(recipient=manager_user).exclude(emailed_at=None).count() == reports,
            timeout=60,
        )
        build_due_reports.delay()
        wait_for(lambda: _builds_done(celery_worker) > done_before + 1, timeout=60)
        assert Report.objects.count() == reports
        assert ReportDelivery.objects.count() == reports
