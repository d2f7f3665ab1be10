"""The stale-page sweep runs on a real worker, reminds once however often it runs, and is in the beat schedule."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from knowledge import services
from knowledge.models import PageReviewReminder
from knowledge.tasks import remind_stale_pages
from opsportal.models import Notification
from tests.conftest import wait_for


class TestBeatSchedule:
    def test_the_stale_sweep_runs_hourly(self):
        schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
        assert schedule["knowledge.tasks.remind_stale_pages"] == timedelta(hours=1)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
class TestStaleSweepOnAWorker:
    def test_three_sweeps_at_once_remind_the_owner_once(self, celery_worker, oncall_user):
        page = services.page_create(by=oncall_user, title="Rotate keys", body="Rotate.\n", review_interval_days=30)
        services.version_publish(version=page.versions.get(number=1), by=oncall_user)  # no quality checklist here
        services.page_review_backfill(page=page, reviewed_at=timezone.now() - timedelta(days=45))
        for _ in range(3):
            remind_stale_pages.delay()
        wait_for(lambda: PageReviewReminder.objects.filter(page=page).exists(), timeout=60)
        time.sleep(3)  # let the other two sweeps finish: they must find the row and send nothing
        assert PageReviewReminder.objects.filter(page=page).count() == 1
        assert Notification.objects.filter(recipient=oncall_user, key__startswith="knowledge-page-").count() == 1
