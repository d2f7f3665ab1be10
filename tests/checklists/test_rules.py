"""checklists.rules: the predicates, and services that enforce them whoever calls."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from checklists import rules
from checklists.models import ChecklistRun, RunItem
from checklists.services import (
    run_item_clear_problem,
    run_item_flag_problem,
    run_item_note,
    run_item_tick,
    run_item_untick,
    runs_generate,
)

DAY = date(2026, 12, 1)
INSIDE = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)


@pytest.fixture
def item(make_template):
    template = make_template("Morning", items=1)
    runs_generate(start=DAY, end=DAY, now=INSIDE - timedelta(days=1))
    return RunItem.objects.select_related("run__template").get(run=ChecklistRun.objects.get(template=template))


@pytest.mark.django_db
class TestPredicates:
    def test_the_owning_group_managers_and_admins_may_write(self, item, ops_user, manager_user, admin_user):
        for user in (ops_user, manager_user, admin_user):
            assert rules.may_tick(user, item) and rules.may_untick(user, item)
            assert rules.may_note(user, item) and rules.may_flag_problem(user, item)

    def test_another_group_may_view_but_not_write(self, item, oncall_user):
        assert rules.may_view_run(oncall_user, item.run)
        assert not rules.may_tick(oncall_user, item) and not rules.may_note(oncall_user, item)

    def test_an_outsider_may_do_nothing(self, item, outsider):
        assert not rules.may_view_area(outsider) and not rules.may_view_run(outsider, item.run)
        assert not rules.may_tick(outsider, item)


@pytest.mark.django_db
class TestServicesEnforceTheRules:
    @pytest.mark.parametrize(
        "write",
        [
            lambda item, user: run_item_tick(item=item, by=user),
            lambda item, user: run_item_untick(item=item, by=user),
            lambda item, user: run_item_note(item=item, by=user, note="mine"),
            lambda item, user: run_item_flag_problem(item=item, by=user, note="broken"),
            lambda item, user: run_item_clear_problem(item=item, by=user),
        ],
    )
    def test_every_write_refuses_someone_outside_the_owning_group(self, item, oncall_user, outsider, write):
        with time_machine.travel(INSIDE, tick=False):
            for user in (oncall_user, outsider):
                with pytest.raises(PermissionDenied, match="Ops staff"):
                    write(item, user)
        item.refresh_from_db()
        assert (item.done_at, item.note, item.problem) == (None, "", False)

    def test_the_owner_passes(self, item, ops_user):
        with time_machine.travel(INSIDE, tick=False):
            assert run_item_tick(item=item, by=ops_user).done_by == ops_user
