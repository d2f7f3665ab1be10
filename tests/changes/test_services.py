"""The change services: approvals, required fields, the standard path, stages, rollback, freeze, bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from changes import selectors, services
from changes.models import ChangeHistory, ChangeRequest, ChangeSettings, FreezeWindow, StageResult
from opsportal.errors import Conflict


def _data(**overrides):
    start = timezone.now() + timedelta(days=3)
    data = {
        "title": "Patch the web tier",
        "change_type": "normal",
        "affected_services": "web, API",
        "business_justification": "CVE-2026-1234.",
        "likelihood": "medium",
        "impact": "high",
        "implementation_plan": "Rolling restart.",
        "rollback_plan": "Previous image.",
        "verification_plan": "Smoke tests.",
        "window_start": start,
        "window_end": start + timedelta(hours=1),
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
class TestChangeCreate:
    def test_it_computes_risk_and_keeps_the_rule(self, oncall_user):
        change = services.change_create(by=oncall_user, data=_data())
        assert change.risk == "high"
        assert change.risk_rule == "likelihood medium (2) × impact high (3) = 6; 6–9 is high"
        assert change.affected_services == "web, api"
        assert change.history.get().kind == ChangeHistory.Kind.CREATED

    @pytest.mark.parametrize(
        ("likelihood", "impact", "risk"),
        [("low", "low", "low"), ("low", "medium", "low"), ("medium", "medium", "medium"), ("low", "high", "medium"),
         ("high", "high", "high")],
    )  # fmt: skip
    def test_it_maps_likelihood_times_impact_to_risk(self, likelihood, impact, risk):
        assert services.risk_assess(likelihood=likelihood, impact=impact)[0] == risk

    def test_it_refuses_a_window_ending_before_it_starts_and_saves_nothing(self, oncall_user):
        start = timezone.now() + timedelta(days=1)
        with pytest.raises(ValidationError) as error:
            services.change_create(
                by=oncall_user, data=_data(window_start=start, window_end=start - timedelta(hours=1))
            )
        assert "window_end" in error.value.message_dict
        assert not ChangeRequest.objects.exists()

    def test_it_refuses_an_unknown_service_naming_the_field(self, oncall_user):
        settings_row = ChangeSettings.load()
        settings_row.known_services = "web, api, billing"
        settings_row.save()
        with pytest.raises(ValidationError) as error:
            services.change_create(by=oncall_user, data=_data(affected_services="web, warp-drive"))
        assert "warp-drive" in error.value.message_dict["affected_services"][0]
        assert not ChangeRequest.objects.exists()

    def test_it_refuses_an_implementer_who_is_not_on_call(self, oncall_user, manager_user):
        with pytest.raises(ValidationError) as error:
            services.change_create(by=oncall_user, data=_data(implementer=manager_user))
        assert "implementer" in error.value.message_dict
        assert services.change_create(by=oncall_user, data=_data(implementer=oncall_user)).implementer == oncall_user

    def test_it_refuses_ops_staff(self, ops_user):
        with pytest.raises(PermissionDenied):
            services.change_create(by=ops_user, data=_data())


@pytest.mark.django_db
class TestChangeApprove:
    def test_it_rejects_self_approval(self, manager_user, make_change):
        change = make_change(status="approval", requester=manager_user)
        with pytest.raises(PermissionDenied, match="your own change"):
            services.change_approve(change=change, by=manager_user, comment="LGTM")
        change.refresh_from_db()
        assert change.status == "approval"

    def test_it_refuses_approval_without_a_rollback_plan_naming_the_field(self, manager_user, make_change):
        change = make_change(status="approval", rollback_plan="")
        with pytest.raises(ValidationError) as error:
            services.change_approve(change=change, by=manager_user, comment="")
        assert list(error.value.message_dict) == ["rollback_plan"]
        assert "rollback plan" in error.value.message_dict["rollback_plan"][0]
        change.refresh_from_db()
        assert change.status == "approval" and change.approved_by is None

    def test_it_approves_and_records_the_decision(self, manager_user, make_change):
        change = services.change_approve(change=make_change(status="approval"), by=manager_user, comment="Sound plan.")
        assert (change.status, change.approved_by) == ("planning", manager_user)
        entry = change.history.get()
        assert (entry.kind, entry.actor, entry.message) == ("approved", manager_user, "Approve: Sound plan.")

    def test_a_rejection_needs_a_reason(self, manager_user, make_change):
        change = make_change(status="approval")
        with pytest.raises(ValidationError) as error:
            services.change_reject(change=change, by=manager_user, reason="  ")
        assert "reason" in error.value.message_dict
        change = services.change_reject(change=change, by=manager_user, reason="Clashes with the billing run.")
        assert change.status == "rejected"
        assert change.history.get().kind == "rejected"

    def test_an_emergency_change_is_approved_after_implementation_only_with_a_reason(
        self, oncall_user, manager_user, make_change
    ):
        change = make_change(status="initiation", change_type="emergency")
        change = services.change_transition(change=change, to="implementation", by=oncall_user, reason="Site down.")
        assert change.approved_at is None
        with pytest.raises(ValidationError) as error:  # cannot leave implementation unapproved
            services.change_transition(change=change, to="verification", by=oncall_user)
        assert "approved_at" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            services.change_approve(change=change, by=manager_user, comment="")
        assert "reason" in error.value.message_dict
        change = services.change_approve(change=change, by=manager_user, comment="Outage justified acting first.")
        assert (change.status, change.approved_by) == ("implementation", manager_user)
        with pytest.raises(ValidationError):  # only once
            services.change_approve(change=change, by=manager_user, comment="again")
        change = services.change_transition(change=change, to="verification", by=oncall_user)
        assert change.status == "verification"


@pytest.mark.django_db
class TestChangeTransition:
    def test_a_standard_change_goes_from_initiation_straight_to_planning(self, oncall_user, make_change):
        change = make_change(change_type="standard")
        change = services.change_transition(change=change, to="planning", by=oncall_user)
        assert change.status == "planning"
        assert change.approved_at is not None  # pre-approved
        with pytest.raises(ValidationError):
            services.change_transition(change=make_change(change_type="standard"), to="assessment", by=oncall_user)

    def test_it_refuses_a_transition_that_does_not_exist(self, oncall_user, make_change):
        change = make_change(status="planning")
        for target in ("closed", "no-such-status"):
            with pytest.raises(ValidationError) as error:
                services.change_transition(change=change, to=target, by=oncall_user)
            assert "to" in error.value.message_dict
        assert not ChangeHistory.objects.exists()

    def test_planning_needs_a_window_before_it_ends(self, oncall_user, make_change):
        change = make_change(status="planning", window_start=None, window_end=None)
        with pytest.raises(ValidationError) as error:
            services.change_transition(change=change, to="implementation", by=oncall_user)
        assert set(error.value.message_dict) == {"window_start", "window_end"}

    def test_closing_asks_for_a_close_code(self, oncall_user, make_change):
        change = make_change(status="documentation")
        with pytest.raises(ValidationError) as error:
            services.change_transition(change=change, to="closed", by=oncall_user)
        assert "close_code" in error.value.message_dict
        change = services.change_transition(
            change=change, to="closed", by=oncall_user, close_code="successful_with_issues"
        )
        assert (change.status, change.close_code) == ("closed", "successful_with_issues")
        assert change.completed_at is not None

    def test_a_stale_change_is_told_someone_else_moved_it(self, oncall_user, make_change):
        change = make_change(status="initiation")
        stale = ChangeRequest.objects.get(pk=change.pk)
        services.change_transition(change=change, to="assessment", by=oncall_user)
        with pytest.raises(Conflict, match="Someone else acted on this change first"):
            services.change_transition(change=stale, to="cancelled", by=oncall_user, reason="dup")


@pytest.mark.django_db
class TestStages:
    def test_production_cannot_start_before_pre_production_passed(self, oncall_user, make_change, stages):
        change = make_change(status="implementation")
        for name in ("Development", "Staging"):
            services.change_stage_record(change=change, stage=stages[name], outcome="passed", by=oncall_user)
        with pytest.raises(ValidationError) as error:
            services.change_stage_record(change=change, stage=stages["Production"], outcome="passed", by=oncall_user)
        assert error.value.message_dict["stage"] == ["Production cannot start before Pre-Production has passed."]
        services.change_stage_record(change=change, stage=stages["Pre-Production"], outcome="failed", by=oncall_user)
        with pytest.raises(ValidationError):
            services.change_stage_record(change=change, stage=stages["Production"], outcome="passed", by=oncall_user)
        services.change_stage_record(change=change, stage=stages["Pre-Production"], outcome="passed", by=oncall_user)
        result = services.change_stage_record(
            change=change, stage=stages["Production"], outcome="passed", by=oncall_user, evidence="Deploy #88 green."
        )
        assert (result.recorded_by, result.evidence) == (oncall_user, "Deploy #88 green.")

    def test_a_rollback_moves_the_change_to_failed_and_counts_in_the_failure_rate(
        self, oncall_user, make_change, stages
    ):
        start = timezone.now() - timedelta(days=1)
        succeeded = make_change(status="documentation")
        services.change_transition(change=succeeded, to="closed", by=oncall_user, close_code="successful")
        change = make_change(status="implementation")
        for name in ("Development", "Staging", "Pre-Production"):
            services.change_stage_record(change=change, stage=stages[name], outcome="passed", by=oncall_user)
        with pytest.raises(ValidationError) as error:
            services.change_stage_record(
                change=change, stage=stages["Production"], outcome="rolled_back", by=oncall_user
            )
        assert "rolled_back" in error.value.message_dict
        services.change_stage_record(
            change=change, stage=stages["Production"], outcome="rolled_back", by=oncall_user,
            rolled_back="Release 2.4 reverted to 2.3.",
        )  # fmt: skip
        change.refresh_from_db()
        assert change.status == "failed"
        assert (
            StageResult.objects.get(change=change, stage=stages["Production"]).rolled_back
            == "Release 2.4 reverted to 2.3."
        )
        assert change.history.filter(kind="rollback").exists()
        rate = selectors.change_failure_rate(start=start, end=timezone.now() + timedelta(seconds=1))
        assert (rate.failed, rate.completed, rate.rate) == (1, 2, 0.5)

    def test_a_change_linked_as_the_cause_of_an_incident_counts_in_the_failure_rate(
        self, oncall_user, make_change, stages
    ):
        from incidents.models import Severity
        from incidents.services import incident_declare

        start = timezone.now() - timedelta(days=1)
        incident = incident_declare(
            by=oncall_user, title="Errors after the upgrade",
            severity=Severity.objects.create(code="P1", name="High", response_minutes=60),
        )  # fmt: skip
        caused, related = make_change(status="documentation"), make_change(status="documentation")
        for change in (caused, related):
            services.change_transition(change=change, to="closed", by=oncall_user, close_code="successful")
        services.change_link_incident(change=caused, incident=incident, kind="caused", by=oncall_user)
        services.change_link_incident(change=related, incident=incident, kind="related", by=oncall_user)
        rate = selectors.change_failure_rate(start=start, end=timezone.now() + timedelta(seconds=1))
        assert (rate.failed, rate.completed, rate.rate) == (1, 2, 0.5)

    def test_stages_are_refused_outside_implementation(self, oncall_user, make_change, stages):
        with pytest.raises(ValidationError) as error:
            services.change_stage_record(
                change=make_change(status="planning"), stage=stages["Development"], outcome="passed", by=oncall_user
            )
        assert "status" in error.value.message_dict


@pytest.mark.django_db
class TestFreezeWindows:
    @pytest.fixture
    def freeze(self, db):
        start = timezone.now() + timedelta(days=2)
        return FreezeWindow.objects.create(name="Black Friday", start=start, end=start + timedelta(days=3))

    def test_a_normal_change_inside_a_freeze_is_blocked(self, oncall_user, freeze):
        with pytest.raises(ValidationError) as error:
            services.change_create(by=oncall_user, data=_data(window_start=freeze.start + timedelta(hours=1),
                                                              window_end=freeze.start + timedelta(hours=2)))  # fmt: skip
        assert "Black Friday" in error.value.message_dict["window_start"][0]
        assert not ChangeRequest.objects.exists()

    def test_an_engineer_cannot_override(self, oncall_user, freeze):
        with pytest.raises(ValidationError) as error:
            services.change_create(
                by=oncall_user, data=_data(window_start=freeze.start, window_end=freeze.end),
                freeze_override_reason="Please",
            )  # fmt: skip
        assert "freeze_override_reason" in error.value.message_dict

    def test_a_manager_overrides_with_a_reason(self, oncall_user, manager_user, freeze):
        later = timezone.now() + timedelta(days=10)
        change = services.change_create(
            by=oncall_user, data=_data(window_start=later, window_end=later + timedelta(hours=1))
        )
        with pytest.raises(ValidationError):
            services.change_update(
                change=change, by=manager_user, data={"window_start": freeze.start, "window_end": freeze.end}
            )
        change = services.change_update(
            change=change, by=manager_user, data={"window_start": freeze.start, "window_end": freeze.end},
            freeze_override_reason="Payment provider deadline.",
        )  # fmt: skip
        assert (change.freeze_override_by, change.freeze_override_reason) == (
            manager_user,
            "Payment provider deadline.",
        )
        assert change.history.filter(kind="freeze_override").exists()

    def test_standard_and_emergency_changes_are_not_blocked(self, oncall_user, freeze, standard_template):
        standard = {"standard_template": standard_template, "implementation_plan": "", "rollback_plan": ""}
        for change_type, extra in (("standard", standard), ("emergency", {})):
            services.change_create(by=oncall_user, data=_data(change_type=change_type, window_start=freeze.start,
                                                              window_end=freeze.end, **extra))  # fmt: skip

    def test_a_freeze_created_after_scheduling_blocks_implementation(self, oncall_user, make_change, freeze):
        change = make_change(status="planning", window_start=freeze.start, window_end=freeze.end)
        with pytest.raises(ValidationError) as error:
            services.change_transition(change=change, to="implementation", by=oncall_user)
        assert "window_start" in error.value.message_dict


@pytest.mark.django_db
class TestOverlaps:
    def test_overlapping_windows_on_one_service_are_flagged(self, make_change):
        start = timezone.now() + timedelta(days=1)
        first = make_change(affected_services="api, web", window_start=start, window_end=start + timedelta(hours=2))
        second = make_change(
            affected_services="web", window_start=start + timedelta(hours=1), window_end=start + timedelta(hours=3)
        )
        other_service = make_change(
            affected_services="billing", window_start=start, window_end=start + timedelta(hours=2)
        )
        later = make_change(
            affected_services="api", window_start=start + timedelta(hours=2), window_end=start + timedelta(hours=4)
        )
        overlaps = selectors.change_overlaps(
            selectors.calendar_changes(start - timedelta(days=1), start + timedelta(days=1))
        )
        assert [(service, other.pk) for service, other in overlaps[first.pk]] == [("web", second.pk)]
        assert [(service, other.pk) for service, other in overlaps[second.pk]] == [("web", first.pk)]
        assert other_service.pk not in overlaps and later.pk not in overlaps

    def test_a_change_never_overlaps_itself_on_its_page(self, make_change):
        start = timezone.now() + timedelta(days=1)
        change = make_change(affected_services="api, web", window_start=start, window_end=start + timedelta(hours=2))
        assert selectors.changes_with_overlaps_of(change) == []
        other = make_change(affected_services="web", window_start=start, window_end=start + timedelta(hours=1))
        assert [(service, found.pk) for service, found in selectors.changes_with_overlaps_of(change)] == [
            ("web", other.pk)
        ]


@pytest.mark.django_db
class TestReminders:
    def test_it_reminds_once_about_a_change_waiting_for_approval(self, manager_user, make_change):
        change = make_change(status="approval", status_changed_at=timezone.now() - timedelta(hours=25))
        make_change(status="approval", status_changed_at=timezone.now() - timedelta(hours=2))
        assert services.change_reminders_send() == 1
        assert services.change_reminders_send() == 0
        notification = manager_user.notifications.get()
        assert notification.key == f"change-{change.pk}-approval-waiting"

    def test_it_honours_the_admin_setting(self, manager_user, make_change):
        ChangeSettings.objects.update_or_create(pk=1, defaults={"approval_reminder_hours": 2})
        make_change(status="approval", status_changed_at=timezone.now() - timedelta(hours=3))
        assert services.change_reminders_send() == 1

    def test_it_reminds_once_when_a_window_passed_without_implementation(self, requester, make_change):
        start = timezone.now() - timedelta(hours=5)
        change = make_change(status="planning", window_start=start, window_end=start + timedelta(hours=1))
        make_change(status="verification", window_start=start, window_end=start + timedelta(hours=1))
        with time_machine.travel(timezone.now(), tick=False):
            assert services.change_reminders_send() == 1
        assert services.change_reminders_send() == 0
        assert requester.notifications.get().key == f"change-{change.pk}-window-passed"

    def test_already_reminded_changes_cost_no_queries(self, manager_user, make_change, django_assert_num_queries):
        for _ in range(5):
            make_change(status="approval", status_changed_at=timezone.now() - timedelta(hours=30))
        for _ in range(5):
            make_change(status="planning", window_start=timezone.now() - timedelta(hours=3),
                        window_end=timezone.now() - timedelta(hours=2))  # fmt: skip
        assert services.change_reminders_send() == 10
        # 1 settings row, 2 changes waiting (none left), 3 deciders, 4 windows passed (none left).
        with django_assert_num_queries(4):
            assert services.change_reminders_send() == 0
