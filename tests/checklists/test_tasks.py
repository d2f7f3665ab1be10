"""The beat tasks run on a real worker and are wired into the beat schedule."""

from __future__ import annotations

import pytest
from django.conf import settings

from checklists.models import ChecklistRun
from checklists.tasks import generate_due_runs, sweep_runs
from tests.conftest import wait_for


class TestBeatSchedule:
    def test_generation_ticks_every_few_minutes_and_the_sweep_every_minute(self):
        schedule = {
            entry["task"]: entry["schedule"].total_seconds()
            for entry in settings.CELERY_BEAT_SCHEDULE.values()
            if hasattr(entry["schedule"], "total_seconds")  # crontab entries run at a time of day
        }
        assert schedule["checklists.tasks.generate_due_runs"] <= 600
        assert schedule["checklists.tasks.sweep_runs"] == 60


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
class TestTasksOnAWorker:
    def test_the_generate_task_creates_today_s_runs_on_the_worker(self, celery_worker, make_template):
        make_template("Morning", items=2)
        generate_due_runs.delay()
        wait_for(lambda: ChecklistRun.objects.exists(), timeout=60)
        assert ChecklistRun.objects.get().items_total == 2

    def test_the_sweep_task_runs_on_the_worker(self, celery_worker):
        assert sweep_runs.delay() is not None
