"""After approval, an edit to what was approved sends the change back to Approval (HTML form and API PATCH)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from changes import services
from changes.models import ChangeReminder, ChangeRequest


@pytest.fixture
def approved_change(make_change, requester, manager_user):
    """A normal change approved by a manager through the service, now in Planning."""
    start = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    change = make_change(status="approval", window_start=start, window_end=start + timedelta(hours=2))
    change = services.change_approve(change=change, by=manager_user, comment="Looks safe.")
    assert (change.status, change.approved_by) == ("planning", manager_user)
    return change


def _patch(client, change, data):
    return client.patch(f"/api/v1/changes/{change.pk}/", data, content_type="application/json")


def _form(change, **overrides):
    """The edit form as the browser posts it: every field, as shown (minutes, local time)."""
    data = {
        "title": change.title, "change_type": change.change_type, "affected_services": change.affected_services,
        "business_justification": change.business_justification, "description": change.description,
        "likelihood": change.likelihood, "impact": change.impact,
        "implementation_plan": change.implementation_plan, "rollback_plan": change.rollback_plan,
        "verification_plan": change.verification_plan,
        "window_start": timezone.localtime(change.window_start).strftime("%Y-%m-%dT%H:%M"),
        "window_end": timezone.localtime(change.window_end).strftime("%Y-%m-%dT%H:%M"),
    }  # fmt: skip
    data.update(overrides)
    return data


@pytest.mark.django_db
class TestEditAfterApprovalOverTheApi:
    def test_a_new_rollback_plan_sends_the_change_back_to_approval(self, client_for, requester, approved_change):
        response = _patch(client_for(requester), approved_change, {"rollback_plan": "Restore the snapshot."})
        assert response.status_code == 200, response.json()
        body = response.json()
        assert (body["status"], body["approved_by"], body["approved_at"]) == ("approval", None, None)
        entry = approved_change.history.filter(kind="transition").latest("pk")
        assert (entry.from_status, entry.to_status, entry.actor) == ("planning", "approval", requester)
        assert "rollback plan changed after approval" in entry.message
        assert "no longer counts" in entry.message

    def test_moving_the_window_sends_it_back_and_the_history_names_the_window(
        self, client_for, requester, approved_change
    ):
        start = approved_change.window_start + timedelta(days=1)
        response = _patch(client_for(requester), approved_change, {
            "window_start": start.isoformat(), "window_end": (start + timedelta(hours=1)).isoformat()})  # fmt: skip
        assert response.json()["status"] == "approval"
        message = approved_change.history.filter(kind="transition").latest("pk").message
        assert "window start, window end changed after approval" in message

    @pytest.mark.parametrize(
        "data",
        [
            {"implementation_plan": "Blue/green instead."},
            {"verification_plan": "Synthetic checks."},
            {"likelihood": "high"},
            {"impact": "medium"},
            {"affected_services": "api, billing"},
        ],
        ids=["implementation-plan", "verification-plan", "likelihood", "impact", "services"],
    )
    def test_every_approved_field_counts(self, client_for, requester, approved_change, data):
        assert _patch(client_for(requester), approved_change, data).json()["status"] == "approval"

    def test_a_new_title_keeps_the_approval(self, client_for, requester, approved_change):
        body = _patch(client_for(requester), approved_change, {"title": "Upgrade the load balancer (LB-2)"}).json()
        assert (body["status"], body["approved_by"]) == ("planning", "maria.manager")
        assert not approved_change.history.filter(to_status="approval", from_status="planning").exists()

    def test_the_old_approval_no_longer_counts_and_a_manager_must_approve_again(
        self, client_for, requester, approved_change, manager_user, make_user
    ):
        client = client_for(requester)
        _patch(client, approved_change, {"rollback_plan": "Restore the snapshot."})
        # The change cannot go on to implementation: it is waiting for approval again.
        response = client.post(f"/api/v1/changes/{approved_change.pk}/transition/",
                               {"to": "implementation", "reason": "Go."}, content_type="application/json")  # fmt: skip
        assert response.status_code == 400
        assert "to" in response.json()["error"]["fields"]
        # The requester may not approve it; another manager does.
        assert client.post(f"/api/v1/changes/{approved_change.pk}/approve/").status_code == 403
        response = client_for(manager_user).post(f"/api/v1/changes/{approved_change.pk}/approve/", {"comment": "OK"})
        assert response.status_code == 200
        assert response.json()["status"] == "planning"
        assert approved_change.history.filter(kind="approved").count() == 2

    def test_a_manager_who_requested_the_change_cannot_approve_it_after_the_edit(
        self, client_for, make_change, make_user, manager_user
    ):
        from opsportal.roles import Role

        boss = make_user("bea.boss", Role.MANAGER)
        change = make_change(status="approval", requester=boss)
        services.change_approve(change=change, by=manager_user)
        client = client_for(boss)
        assert _patch(client, change, {"rollback_plan": "Snapshot."}).json()["status"] == "approval"
        response = client.post(f"/api/v1/changes/{change.pk}/approve/")
        assert response.status_code == 403
        assert "own change" in response.json()["error"]["message"]

    def test_a_blanked_rollback_plan_is_refused_naming_the_field(self, client_for, requester, approved_change):
        response = _patch(client_for(requester), approved_change, {"rollback_plan": "  "})
        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == ["rollback_plan"]
        approved_change.refresh_from_db()
        assert (approved_change.status, approved_change.rollback_plan) == ("planning", "Reinstall 4.1.")

    def test_a_rollback_plan_may_be_blank_before_the_workflow_needs_it(self, client_for, requester, make_change):
        change = make_change(status="initiation")
        response = _patch(client_for(requester), change, {"rollback_plan": ""})
        assert response.status_code == 200
        assert response.json()["rollback_plan"] == ""

    def test_a_new_round_of_approval_is_reminded_again(self, requester, approved_change):
        ChangeReminder.objects.create(change=approved_change, kind="approval_waiting", sent_at=timezone.now())
        services.change_update(change=approved_change, by=requester, data={"rollback_plan": "Snapshot."})
        assert not ChangeReminder.objects.filter(change=approved_change).exists()

    def test_an_edited_standard_change_keeps_its_template_approval(
        self, client_for, requester, make_change, standard_template
    ):
        change = make_change(status="planning", change_type="standard", approved_at=timezone.now())
        start = change.window_start + timedelta(days=1)
        response = _patch(client_for(requester), change, {
            "window_start": start.isoformat(), "window_end": (start + timedelta(hours=1)).isoformat()})  # fmt: skip
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == "planning"


@pytest.mark.django_db
class TestEditAfterApprovalInTheForm:
    def test_changing_the_rollback_plan_sends_it_back_and_the_page_says_why(
        self, client_for, requester, approved_change
    ):
        client = client_for(requester)
        response = client.post(f"/changes/{approved_change.pk}/edit/", _form(approved_change, rollback_plan="Snap."))
        assert response.status_code == 302
        approved_change.refresh_from_db()
        assert (approved_change.status, approved_change.approved_at) == ("approval", None)
        page = client.get(f"/changes/{approved_change.pk}/").content.decode()
        assert "Back to Approval: the rollback plan changed after approval" in page

    def test_saving_the_form_unchanged_keeps_the_approval(self, client_for, requester, approved_change):
        response = client_for(requester).post(f"/changes/{approved_change.pk}/edit/", _form(approved_change))
        assert response.status_code == 302
        approved_change.refresh_from_db()
        assert approved_change.status == "planning"
        assert approved_change.approved_at is not None

    def test_a_window_with_seconds_saved_unchanged_from_the_form_keeps_the_approval(
        self, client_for, requester, approved_change
    ):
        ChangeRequest.objects.filter(pk=approved_change.pk).update(
            window_start=approved_change.window_start + timedelta(seconds=42)
        )
        approved_change.refresh_from_db()
        response = client_for(requester).post(f"/changes/{approved_change.pk}/edit/", _form(approved_change))
        assert response.status_code == 302
        approved_change.refresh_from_db()
        assert approved_change.status == "planning"
        assert approved_change.window_start.second == 42

    def test_a_blanked_rollback_plan_is_shown_next_to_the_field(self, client_for, requester, approved_change):
        response = client_for(requester).post(
            f"/changes/{approved_change.pk}/edit/", _form(approved_change, rollback_plan="")
        )
        assert response.status_code == 400
        assert "rollback_plan" in response.context["form"].errors
        assert "cannot be emptied" in response.context["form"].errors["rollback_plan"][0]
        approved_change.refresh_from_db()
        assert approved_change.status == "planning"
