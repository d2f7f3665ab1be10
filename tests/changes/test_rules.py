"""changes/rules.py: the predicates of who may do what with changes, and the services that enforce them."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from changes import rules, services, workflow
from opsportal.roles import user_roles

PERSONAS = ["ops_user", "oncall_user", "manager_user", "admin_user", "outsider"]


@pytest.fixture
def people(request):
    return {name: request.getfixturevalue(name) for name in PERSONAS}


@pytest.mark.django_db
class TestPredicates:
    def test_only_the_change_roles_see_changes(self, people):
        seen = {name for name, user in people.items() if rules.may_view_changes(user)}
        assert seen == {"oncall_user", "manager_user", "admin_user"}

    def test_may_transition_reads_the_workflow_table(self, people, make_change):
        for transition in workflow.TRANSITIONS:
            change_type = sorted(transition.types)[0]
            change = make_change(status=transition.source, change_type=change_type)
            for name, user in people.items():
                expected = bool(workflow.role_may(transition, user_roles(user)))
                assert rules.may_transition(user, change, transition.target) is expected, (transition.key, name)

    def test_nobody_approves_their_own_change(self, make_change, manager_user, admin_user):
        change = make_change(status="approval", requester=manager_user)
        assert not rules.may_approve(manager_user, change)
        assert not rules.may_transition(manager_user, change, "planning")
        assert rules.may_approve(admin_user, change)

    def test_editing_is_for_the_people_on_the_change_and_deciders_before_implementation(
        self, make_change, requester, oncall_user, manager_user, ops_user
    ):
        change = make_change(status="planning")
        assert rules.may_edit(requester, change) and rules.may_edit(manager_user, change)
        assert not rules.may_edit(oncall_user, change) and not rules.may_edit(ops_user, change)
        assert not rules.may_edit(requester, make_change(status="implementation"))

    def test_stages_are_recorded_by_engineers_during_implementation(self, make_change, oncall_user, manager_user):
        assert rules.may_record_stages(oncall_user, make_change(status="implementation"))
        assert not rules.may_record_stages(oncall_user, make_change(status="planning"))
        assert not rules.may_record_stages(manager_user, make_change(status="implementation"))


@pytest.mark.django_db
class TestServicesEnforceTheRules:
    """A caller that skips the views (a script, a task, a future page) is refused all the same."""

    def test_ops_staff_cannot_raise_a_change(self, ops_user):
        with pytest.raises(PermissionDenied):
            services.change_create(by=ops_user, data={"title": "Sneaky"})

    def test_an_engineer_not_on_the_change_cannot_edit_it(self, oncall_user, make_change):
        change = make_change()
        with pytest.raises(PermissionDenied):
            services.change_update(change=change, by=oncall_user, data={"title": "Mine now"})
        change.refresh_from_db()
        assert change.title == "Upgrade the load balancer"

    def test_ops_staff_cannot_link_incidents(self, ops_user, make_change):
        with pytest.raises(PermissionDenied):
            services.change_link_incident(change=make_change(), incident=None, kind="caused", by=ops_user)

    def test_managers_do_not_record_stages(self, manager_user, make_change, stages):
        with pytest.raises(PermissionDenied):
            services.change_stage_record(change=make_change(status="implementation"), stage=stages["Development"],
                                         outcome="passed", by=manager_user)  # fmt: skip

    def test_only_admins_delete(self, manager_user, make_change):
        with pytest.raises(PermissionDenied):
            services.change_delete(change=make_change(), by=manager_user)

    def test_a_decision_by_the_requester_is_refused_by_the_service(self, make_change, make_user):
        from opsportal.roles import Role

        boss = make_user("bea.boss", Role.MANAGER)
        with pytest.raises(PermissionDenied, match="own change"):
            services.change_approve(change=make_change(status="approval", requester=boss), by=boss)
