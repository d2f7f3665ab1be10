"""The Changes web pages: list, forms, the change page and Today."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from changes.models import ChangeRequest


@pytest.mark.django_db
class TestChangeList:
    def test_it_filters_by_status_type_risk_service_and_window(self, client_for, oncall_user, make_change):
        start = timezone.now() + timedelta(days=5)
        wanted = make_change(title="Wanted", status="planning", change_type="emergency", risk="high",
                             affected_services="billing", window_start=start, window_end=start + timedelta(hours=1))  # fmt: skip
        make_change(title="Other", status="planning", change_type="emergency", risk="high", affected_services="web")
        day = timezone.localdate(start).isoformat()
        body = (
            client_for(oncall_user)
            .get(
                f"/changes/?status=planning&type=emergency&risk=high&service=billing&window_from={day}&window_to={day}"
            )
            .content.decode()
        )
        assert wanted.title in body and "Other" not in body

    def test_its_query_count_does_not_grow(self, client_for, oncall_user, make_change, django_assert_max_num_queries):
        client = client_for(oncall_user)
        make_change()
        client.get("/changes/")
        for _ in range(30):
            make_change()
        # session, user, groups, count, page of changes (requester and implementer joined), unread notifications
        with django_assert_max_num_queries(8):
            response = client.get("/changes/?page=2")
        assert "Page 2 of 2" in response.content.decode()


@pytest.mark.django_db
class TestChangeForms:
    def test_it_raises_a_change(self, client_for, oncall_user):
        response = client_for(oncall_user).post("/changes/new/", {
            "title": "Rotate keys", "change_type": "normal", "likelihood": "low", "impact": "high",
            "affected_services": "auth", "window_start": "2026-12-20T10:00", "window_end": "2026-12-20T11:00",
        })  # fmt: skip
        change = ChangeRequest.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/changes/{change.pk}/"
        assert (change.requester, change.risk) == (oncall_user, "medium")

    def test_a_bad_window_is_shown_next_to_the_field(self, client_for, oncall_user):
        response = client_for(oncall_user).post("/changes/new/", {
            "title": "Rotate keys", "change_type": "normal", "likelihood": "low", "impact": "low",
            "window_start": "2026-12-20T10:00", "window_end": "2026-12-20T09:00",
        })  # fmt: skip
        assert response.status_code == 400
        assert "The window must end after it starts." in response.content.decode()
        assert 'id="error_1_id_window_end"' in response.content.decode()
        assert not ChangeRequest.objects.exists()

    def test_ops_staff_cannot_raise(self, client_for, ops_user):
        assert client_for(ops_user).get("/changes/new/").status_code == 403


@pytest.mark.django_db
class TestChangePage:
    def test_it_shows_only_the_actions_the_user_may_take(
        self, client_for, requester, oncall_user, manager_user, make_change
    ):
        change = make_change(status="approval")
        manager_page = client_for(manager_user).get(f"/changes/{change.pk}/").content.decode()
        assert 'data-testid="action-planning"' in manager_page  # approve
        assert 'data-testid="action-rejected"' in manager_page
        engineer_page = client_for(oncall_user).get(f"/changes/{change.pk}/").content.decode()
        assert 'data-testid="action-planning"' not in engineer_page
        assert 'data-testid="action-cancelled"' in engineer_page

    def test_the_requester_manager_sees_no_decision(self, client_for, manager_user, make_change):
        change = make_change(status="approval", requester=manager_user)
        page = client_for(manager_user).get(f"/changes/{change.pk}/").content.decode()
        assert 'data-testid="action-planning"' not in page and 'data-testid="action-rejected"' not in page

    def test_a_refused_transition_shows_the_named_field(self, client_for, manager_user, make_change):
        change = make_change(status="approval", rollback_plan="")
        response = client_for(manager_user).post(f"/changes/{change.pk}/approve/", {"comment": ""})
        assert response.status_code == 400
        assert "rollback_plan" in response.content.decode()
        assert "The rollback plan is required to approve." in response.content.decode()

    def test_it_records_a_stage_from_the_page(self, client_for, oncall_user, make_change, stages):
        change = make_change(status="implementation")
        client = client_for(oncall_user)
        response = client.post(f"/changes/{change.pk}/stages/", {"stage": stages["Development"].pk, "outcome": "passed",
                                                                  "evidence": "CI run 42"})  # fmt: skip
        assert response.status_code == 302
        page = client.get(f"/changes/{change.pk}/").content.decode()
        assert "CI run 42" in page and "Passed" in page
        response = client.post(f"/changes/{change.pk}/stages/", {"stage": stages["Production"].pk, "outcome": "passed"})
        assert response.status_code == 400
        assert "Production cannot start before Pre-Production has passed." in response.content.decode()


@pytest.mark.django_db
class TestToday:
    def test_managers_see_changes_awaiting_their_approval(self, client_for, manager_user, make_change):
        change = make_change(status="approval", title="Needs a decision")
        body = client_for(manager_user).get("/").content.decode()
        assert 'data-testid="changes-awaiting"' in body and change.title in body

    def test_engineers_see_their_changes_scheduled_today(self, client_for, requester, make_change):
        now = timezone.now()
        make_change(title="Tonight's patch", window_start=now, window_end=now + timedelta(minutes=30))
        body = client_for(requester).get("/").content.decode()
        assert 'data-testid="changes-today"' in body and "Tonight" in body


@pytest.mark.django_db
class TestChangeEdit:
    def test_a_manager_overrides_a_freeze_from_the_form(self, client_for, manager_user, make_change):
        from changes.models import FreezeWindow

        change = make_change(status="planning")
        FreezeWindow.objects.create(name="Year-end", start=change.window_start - timedelta(hours=1),
                                    end=change.window_end + timedelta(hours=1))  # fmt: skip
        form = {
            "title": change.title, "change_type": "normal", "likelihood": "low", "impact": "low",
            "affected_services": "api", "rollback_plan": change.rollback_plan,
            "business_justification": change.business_justification, "implementation_plan": change.implementation_plan,
            "window_start": timezone.localtime(change.window_start).strftime("%Y-%m-%dT%H:%M"),
            "window_end": timezone.localtime(change.window_end).strftime("%Y-%m-%dT%H:%M"),
        }  # fmt: skip
        client = client_for(manager_user)
        response = client.post(f"/changes/{change.pk}/edit/", form)
        assert response.status_code == 400
        assert "Year-end" in response.content.decode()
        response = client.post(f"/changes/{change.pk}/edit/", {**form, "freeze_override_reason": "Regulator deadline."})
        assert response.status_code == 302
        change.refresh_from_db()
        assert (change.freeze_override_by, change.freeze_override_reason) == (manager_user, "Regulator deadline.")

    def test_engineers_who_are_not_on_the_change_cannot_edit(self, client_for, oncall_user, make_change):
        assert client_for(oncall_user).get(f"/changes/{make_change().pk}/edit/").status_code == 403

    def test_engineers_cannot_approve_from_the_page(self, client_for, oncall_user, make_change):
        change = make_change(status="approval")
        response = client_for(oncall_user).post(f"/changes/{change.pk}/approve/", {"comment": "ok"})
        assert response.status_code == 403
        assert "needs one of these roles" in response.content.decode()
