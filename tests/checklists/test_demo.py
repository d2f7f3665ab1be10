"""The demo seeder: a believable and idempotent history."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from checklists.demo import seed
from checklists.models import ChecklistRun, RunStatus
from opsportal.demo import DemoContext
from opsportal.roles import Role


@pytest.mark.django_db
class TestChecklistsSeeder:
    def test_it_writes_sixty_days_of_mostly_completed_runs_once(self, ops_user, oncall_user, manager_user, admin_user):
        users = {Role.OPS: ops_user, Role.ONCALL: oncall_user, Role.MANAGER: manager_user, Role.ADMIN: admin_user}
        context = DemoContext(users=users, now=datetime(2026, 12, 1, 12, 0, tzinfo=UTC), progress=lambda _line: None)
        seed(context)
        statuses = dict.fromkeys(RunStatus.values, 0)
        for status in ChecklistRun.objects.filter(period_date__lt="2026-12-01").values_list("status", flat=True):
            statuses[status] += 1
        total = sum(statuses.values())
        assert total > 60 * 3
        assert statuses[RunStatus.COMPLETED] > total * 0.6
        assert statuses[RunStatus.COMPLETED_LATE] > 0 and statuses[RunStatus.MISSED] > 0
        before = list(ChecklistRun.objects.values_list("pk", "status", "items_done").order_by("pk"))
        seed(context)
        assert list(ChecklistRun.objects.values_list("pk", "status", "items_done").order_by("pk")) == before
