"""The beat task builds due reports and mails them on a real Celery worker."""

from __future__ import annotations

import re

import pytest

from reporting.models import Report, ReportDelivery
from reporting.tasks import build_due_reports
from tests.conftest import wait_for

AS_OF = "2026-11-18T12:00:00+00:00"


def _builds_done(worker) -> int:
    return len(
        re.findall(r"Task reporting\.tasks\.build_due_reports\[[0-9a-f-]+\] succeeded", worker.log_path.read_text())
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
class TestBuildDueReportsTask:
    def test_the_worker_builds_reports_and_mails_each_manager_once(self, celery_worker, kpis, manager_user):
        done_before = _builds_done(celery_worker)
        # The worker has its own clock, so the test names the instant: a Wednesday noon, when
        # the last complete day, week, month and quarter are all past their build time. Built
        # at the real "now", the weekly report is not yet due on Mondays before 06:30.
        build_due_reports.delay(at=AS_OF)
        wait_for(lambda: _builds_done(celery_worker) > done_before, timeout=60)
        reports = Report.objects.count()
        assert sorted(Report.objects.values_list("kind", flat=True)) == ["daily", "monthly", "quarterly", "weekly"]
        wait_for(
            lambda: ReportDelivery.objects.filter(recipient=manager_user).exclude(emailed_at=None).count() == reports,
            timeout=60,
        )
        build_due_reports.delay(at=AS_OF)
        wait_for(lambda: _builds_done(celery_worker) > done_before + 1, timeout=60)
        assert Report.objects.count() == reports
        assert ReportDelivery.objects.count() == reports
