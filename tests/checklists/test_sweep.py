"""The sweep: runs are missed when their window closes; an overdue run reminds its owners once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from checklists.models import ChecklistRun, RunStatus
from checklists.services import run_item_tick, runs_generate, runs_sweep
from opsportal.models import Notification

DAY = date(2026, 12, 1)
OPENS = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def run(make_template):
    template = make_template("Morning", items=2)
    runs_generate(start=DAY, end=DAY, now=OPENS - timedelta(days=1))
    return ChecklistRun.objects.get(template=template)


@pytest.mark.django_db
class TestRunsSweep:
    def test_it_reminds_the_owning_group_once_when_overdue(
        self, run, ops_user, make_user, oncall_user, django_capture_on_commit_callbacks
    ):
        from opsportal.roles import Role

        colleague = make_user("otto.ops", Role.OPS)
        with django_capture_on_commit_callbacks() as callbacks:
            result = runs_sweep(now=OPENS + timedelta(hours=1, minutes=1))
        assert result.reminded == 1
        assert len(callbacks) == 2  # one e-mail task per recipient, after commit
        rows = Notification.objects.filter(key=f"checklist-run-{run.pk}-overdue")
        assert set(rows.values_list("recipient", flat=True)) == {ops_user.pk, colleague.pk}
        assert runs_sweep(now=OPENS + timedelta(hours=2)).reminded == 0
        assert rows.count() == 2

    def test_it_does_not_remind_before_the_due_time_or_after_completion(self, run, ops_user):
        assert runs_sweep(now=OPENS + timedelta(minutes=30)).reminded == 0
        with time_machine.travel(OPENS + timedelta(minutes=30), tick=False):
            for item in run.items.all():
                run_item_tick(item=item, by=ops_user)
        assert runs_sweep(now=OPENS + timedelta(hours=3)).reminded == 0
        assert not Notification.objects.exists()

    def test_it_marks_a_run_missed_when_its_window_closes(self, run, ops_user):
        with time_machine.travel(OPENS + timedelta(minutes=30), tick=False):
            run_item_tick(item=run.items.first(), by=ops_user)
        assert runs_sweep(now=OPENS + timedelta(hours=15)).missed == 0
        assert runs_sweep(now=datetime(2026, 12, 2, 0, 0, tzinfo=UTC)).missed == 1
        run.refresh_from_db()
        assert run.status == RunStatus.MISSED

    def test_its_queries_do_not_grow_with_the_number_of_runs(self, make_template, django_assert_num_queries):
        for index in range(5):
            make_template(f"Template {index}")
        runs_generate(start=DAY, end=DAY + timedelta(days=3), now=OPENS - timedelta(days=1))
        ChecklistRun.objects.update(reminded_at=OPENS)
        # 1. UPDATE to missed; 2. SELECT the overdue runs not yet reminded.
        with django_assert_num_queries(2):
            runs_sweep(now=datetime(2026, 12, 3, 12, 0, tzinfo=UTC))
