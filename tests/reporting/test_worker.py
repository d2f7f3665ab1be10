"""The beat task builds due reports and mails them on a real Celery worker."""

from __future__ import annotations

import pytest

from reporting.models import Report, ReportDelivery
from reporting.tasks import build_due_reports
from tests.conftest import wait_for


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
class TestBuildDueReportsTask:
    def test_the_worker_builds_reports_and_mails_each_manager_once(self, celery_worker, kpis, manager_user):
        build_due_reports.delay()
        # Weekly, monthly and quarterly periods ended days ago, so they are due whatever the hour.
        wait_for(lambda: Report.objects.count() >= 3, timeout=60)
        reports = Report.objects.count()
        wait_for(
            lambda: ReportDelivery.objects.filter(recipient=manager_user).exclude(emailed_at=None).count() == reports,
            timeout=60,
        )
        build_due_reports.delay()
        wait_for(lambda: celery_worker.log_path.read_text().count("reporting.tasks.build_due_reports") >= 4, timeout=60)
        assert Report.objects.count() == reports
        assert ReportDelivery.objects.count() == reports
