"""/api/v1/changes/: CRUD per role, actions and the one error shape."""

from __future__ import annotations

import pytest

from changes.models import ChangeRequest, ChangeSettings


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


@pytest.mark.django_db
class TestChangeListEndpoint:
    def test_it_filters_and_paginates(self, client_for, oncall_user, make_change):
        make_change(change_type="emergency", affected_services="billing")
        make_change(change_type="normal", affected_services="web")
        client = client_for(oncall_user)
        body = client.get("/api/v1/changes/?type=emergency").json()
        assert body["count"] == 1 and body["results"][0]["change_type"] == "emergency"
        assert client.get("/api/v1/changes/?service=web").json()["count"] == 1
        assert len(client.get("/api/v1/changes/?page_size=1").json()["results"]) == 1

    def test_it_refuses_ops_staff_and_outsiders(self, client_for, ops_user, outsider):
        for user in (ops_user, outsider):
            response = client_for(user).get("/api/v1/changes/")
            assert response.status_code == 403
            assert response.json()["error"]["message"]


@pytest.mark.django_db
class TestChangeCreateEndpoint:
    def test_it_creates_a_change_for_the_requester(self, client_for, oncall_user):
        response = _post(client_for(oncall_user), "/api/v1/changes/",
                         {"title": "Rotate keys", "likelihood": "high", "impact": "medium"})  # fmt: skip
        assert response.status_code == 201, response.json()
        body = response.json()
        assert (body["status"], body["risk"], body["requester"]) == ("initiation", "high", "oscar.oncall")

    def test_a_window_ending_before_it_starts_is_named(self, client_for, oncall_user):
        response = _post(client_for(oncall_user), "/api/v1/changes/", {
            "title": "x", "window_start": "2026-12-10T10:00:00Z", "window_end": "2026-12-10T09:00:00Z"})  # fmt: skip
        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == ["window_end"]
        assert not ChangeRequest.objects.exists()

    def test_an_unknown_service_is_named(self, client_for, oncall_user):
        ChangeSettings.objects.update_or_create(pk=1, defaults={"known_services": "web, api"})
        response = _post(client_for(oncall_user), "/api/v1/changes/", {"title": "x", "affected_services": "mainframe"})
        assert response.status_code == 400
        assert "affected_services" in response.json()["error"]["fields"]
        assert not ChangeRequest.objects.exists()


@pytest.mark.django_db
class TestChangeUpdateEndpoint:
    def test_the_requester_edits_and_others_are_refused(self, client_for, requester, oncall_user, make_change):
        change = make_change()
        response = client_for(oncall_user).patch(
            f"/api/v1/changes/{change.pk}/", {"title": "New"}, content_type="application/json"
        )
        assert response.status_code == 403
        response = client_for(requester).patch(
            f"/api/v1/changes/{change.pk}/", {"title": "New"}, content_type="application/json"
        )
        assert response.status_code == 200 and response.json()["title"] == "New"

    def test_a_change_in_implementation_is_not_editable(self, client_for, manager_user, make_change):
        change = make_change(status="implementation")
        response = client_for(manager_user).patch(
            f"/api/v1/changes/{change.pk}/", {"title": "New"}, content_type="application/json"
        )
        assert response.status_code == 403

    def test_only_admins_delete(self, client_for, manager_user, admin_user, make_change):
        change = make_change()
        assert client_for(manager_user).delete(f"/api/v1/changes/{change.pk}/").status_code == 403
        assert client_for(admin_user).delete(f"/api/v1/changes/{change.pk}/").status_code == 204


@pytest.mark.django_db
class TestDecisionEndpoints:
    def test_approve_and_self_approval(self, client_for, manager_user, make_change):
        own = make_change(status="approval", requester=manager_user)
        response = _post(client_for(manager_user), f"/api/v1/changes/{own.pk}/approve/", {"comment": "me"})
        assert response.status_code == 403
        assert "own change" in response.json()["error"]["message"]
        other = make_change(status="approval")
        response = _post(client_for(manager_user), f"/api/v1/changes/{other.pk}/approve/", {"comment": "ok"})
        assert response.status_code == 200 and response.json()["status"] == "planning"

    def test_approval_without_rollback_plan_names_the_field(self, client_for, manager_user, make_change):
        change = make_change(status="approval", rollback_plan="")
        response = _post(client_for(manager_user), f"/api/v1/changes/{change.pk}/approve/", {})
        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == ["rollback_plan"]

    def test_reject_needs_a_reason(self, client_for, manager_user, make_change):
        change = make_change(status="approval")
        response = _post(client_for(manager_user), f"/api/v1/changes/{change.pk}/reject/", {})
        assert response.status_code == 400 and "reason" in response.json()["error"]["fields"]
        response = _post(client_for(manager_user), f"/api/v1/changes/{change.pk}/reject/", {"reason": "Too risky."})
        assert response.json()["status"] == "rejected"

    def test_a_transition_that_does_not_exist_is_named(self, client_for, oncall_user, make_change):
        change = make_change()
        response = _post(client_for(oncall_user), f"/api/v1/changes/{change.pk}/transition/", {"to": "closed"})
        assert response.status_code == 400
        assert "to" in response.json()["error"]["fields"]


@pytest.mark.django_db
class TestStagesEndpoint:
    def test_it_records_and_refuses_production_before_pre_production(
        self, client_for, oncall_user, make_change, stages
    ):
        change = make_change(status="implementation")
        client = client_for(oncall_user)
        response = _post(
            client,
            f"/api/v1/changes/{change.pk}/stages/",
            {"stage": "Development", "outcome": "passed", "evidence": "CI #1"},
        )
        assert response.status_code == 201, response.json()
        response = _post(client, f"/api/v1/changes/{change.pk}/stages/", {"stage": "Production", "outcome": "passed"})
        assert response.status_code == 400
        assert response.json()["error"]["fields"]["stage"] == [
            "Production cannot start before Pre-Production has passed."
        ]
        assert [row["stage"] for row in client.get(f"/api/v1/changes/{change.pk}/stages/").json()] == ["Development"]

    def test_a_rollback_fails_the_change(self, client_for, oncall_user, make_change, stages):
        change = make_change(status="implementation")
        client = client_for(oncall_user)
        response = _post(client, f"/api/v1/changes/{change.pk}/stages/",
                         {"stage": "Development", "outcome": "rolled_back", "rolled_back": "Feature flag off."})  # fmt: skip
        assert response.status_code == 201
        assert client.get(f"/api/v1/changes/{change.pk}/").json()["status"] == "failed"

    def test_managers_do_not_record_stages(self, client_for, manager_user, make_change, stages):
        change = make_change(status="implementation")
        response = _post(
            client_for(manager_user),
            f"/api/v1/changes/{change.pk}/stages/",
            {"stage": "Development", "outcome": "passed"},
        )
        assert response.status_code == 403
