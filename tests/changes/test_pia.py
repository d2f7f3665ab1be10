"""Privacy impact assessment: flagged changes get the PIA checklist and wait for it before approval."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from changes.models import ChangeStatus
from changes.selectors import pia_open_items, pia_runs
from changes.services import change_approve, change_create, change_transition, change_update
from checklists.models import AttachTo, ChecklistTemplate, RunItem
from checklists.services import run_item_tick
from opsportal.procedures.importer import DEFAULT_DOCUMENT, procedures_import

BULLETS = [
    "GDPR compliance procedures and documentation",
    "User consent management and data processing records",
    "Data retention and deletion procedures",
    "Privacy impact assessments for new features",
]


@pytest.fixture
def pia(db):
    procedures_import(source=DEFAULT_DOCUMENT.read_text())
    return ChecklistTemplate.objects.get(attach_to=AttachTo.CHANGE)


def tick_all(change, by):
    for item in RunItem.objects.filter(run__in=[run.pk for run in pia_runs(change)]):
        run_item_tick(item=item, by=by)


@pytest.mark.django_db
class TestImport:
    def test_the_document_privacy_bullets_become_the_pia_checklist(self, pia):
        assert pia.name == "Privacy impact assessment" and pia.frequency == "on_demand"
        assert list(pia.items.values_list("text", flat=True)) == BULLETS
        assert pia.owner_group.name == "On-call engineer"

    def test_reimporting_keeps_an_admin_edit_as_a_conflict(self, pia):
        item = pia.items.get(position=1)
        item.text = "GDPR: lawful basis recorded"
        item.save()
        report = procedures_import(source=DEFAULT_DOCUMENT.read_text())
        assert any("Privacy impact assessment" in conflict for conflict in report.conflicts)
        assert pia.items.get(position=1).text == "GDPR: lawful basis recorded"


@pytest.mark.django_db
class TestAttach:
    def test_a_flagged_change_gets_the_pia_run(self, pia, requester):
        change = change_create(by=requester, data={"title": "Loyalty points", "new_feature": True})
        runs = pia_runs(change)
        assert [run.template_id for run in runs] == [pia.pk]
        assert runs[0].items_total == 4 and runs[0].due_at is None

    def test_an_unflagged_change_gets_none(self, pia, requester):
        change = change_create(by=requester, data={"title": "Patch the proxies"})
        assert pia_runs(change) == []

    def test_flagging_on_edit_attaches_it_once(self, pia, requester):
        change = change_create(by=requester, data={"title": "Export CRM contacts"})
        change_update(change=change, by=requester, data={"processes_personal_data": True})
        change_update(change=change, by=requester, data={"title": "Export CRM contacts nightly"})
        assert len(pia_runs(change)) == 1


@pytest.mark.django_db
class TestApproval:
    def test_approval_is_refused_naming_the_open_items(self, pia, make_change, manager_user, requester):
        change = make_change(status=ChangeStatus.APPROVAL, processes_personal_data=True)
        with pytest.raises(ValidationError) as caught:
            change_approve(change=change, by=manager_user)
        message = caught.value.message_dict["pia"][0]
        assert all(bullet in message for bullet in BULLETS)
        change.refresh_from_db()
        assert change.status == ChangeStatus.APPROVAL and change.approved_at is None

    def test_only_the_items_still_open_are_named(self, pia, make_change, manager_user, oncall_user):
        change = make_change(status=ChangeStatus.APPROVAL, new_feature=True)
        with pytest.raises(ValidationError):
            change_approve(change=change, by=manager_user)
        first = RunItem.objects.get(run__in=[run.pk for run in pia_runs(change)], position=1)
        run_item_tick(item=first, by=oncall_user)
        assert pia_open_items(change) == BULLETS[1:]

    def test_a_complete_pia_lets_the_change_be_approved(self, pia, make_change, manager_user, oncall_user):
        change = make_change(status=ChangeStatus.APPROVAL, new_feature=True)
        with pytest.raises(ValidationError):
            change_approve(change=change, by=manager_user)
        tick_all(change, oncall_user)
        assert change_approve(change=change, by=manager_user).status == ChangeStatus.PLANNING

    def test_an_unflagged_change_is_approved_as_before(self, pia, make_change, manager_user):
        change = make_change(status=ChangeStatus.APPROVAL)
        assert change_approve(change=change, by=manager_user).status == ChangeStatus.PLANNING

    def test_a_flagged_standard_change_waits_for_it_before_planning(self, pia, make_change, requester):
        change = make_change(change_type="standard", new_feature=True)
        with pytest.raises(ValidationError) as caught:
            change_transition(change=change, to=ChangeStatus.PLANNING, by=requester)
        assert "pia" in caught.value.message_dict

    def test_flagging_after_approval_sends_the_change_back_to_approval(self, pia, make_change, requester, manager_user):
        from django.utils import timezone

        change = make_change(status=ChangeStatus.PLANNING, approved_at=timezone.now(), approved_by=manager_user)
        change = change_update(change=change, by=requester, data={"processes_personal_data": True})
        assert change.status == ChangeStatus.APPROVAL and change.approved_at is None
        assert len(pia_runs(change)) == 1


@pytest.mark.django_db
class TestPages:
    def test_the_change_page_shows_the_pia_with_tick_buttons(self, pia, client_for, make_change, oncall_user):
        change = make_change(status=ChangeStatus.APPROVAL, new_feature=True)
        from changes.services import change_pia_attach

        change_pia_attach(change=change)
        body = client_for(oncall_user).get(f"/changes/{change.pk}/").content.decode()
        assert 'data-testid="pia"' in body and BULLETS[0] in body
        assert body.count('data-testid="tick"') == 4
        assert "not complete: approval waits for it" in body

    def test_the_refusal_is_shown_next_to_the_approve_button(self, pia, client_for, make_change, manager_user):
        change = make_change(status=ChangeStatus.APPROVAL, new_feature=True)
        response = client_for(manager_user).post(f"/changes/{change.pk}/approve/", {"comment": "ok"})
        assert response.status_code == 400
        body = response.content.decode()
        assert 'data-testid="pia-refusal"' in body and BULLETS[2] in body

    def test_the_change_form_has_both_flags(self, pia, client_for, oncall_user):
        body = client_for(oncall_user).get("/changes/new/").content.decode()
        assert 'name="new_feature"' in body and 'name="processes_personal_data"' in body


@pytest.mark.django_db
class TestApi:
    def test_the_api_sets_the_flags_and_refuses_approval_with_the_open_items(
        self, pia, client_for, oncall_user, manager_user, make_change
    ):
        created = client_for(oncall_user).post(
            "/api/v1/changes/",
            json.dumps({"title": "Share data with a partner", "processes_personal_data": True}),
            content_type="application/json",
        )
        assert created.status_code == 201 and created.json()["processes_personal_data"] is True
        change = make_change(status=ChangeStatus.APPROVAL, processes_personal_data=True)
        response = client_for(manager_user).post(
            f"/api/v1/changes/{change.pk}/approve/", json.dumps({"comment": "ok"}), content_type="application/json"
        )
        assert response.status_code == 400
        error = response.json()["error"]
        assert list(error["fields"]) == ["pia"]
        assert BULLETS[3] in error["fields"]["pia"][0]
