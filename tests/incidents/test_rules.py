"""incidents.rules: one module of predicates, asked by pages, the API and templates, enforced by services."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from incidents import rules
from incidents.models import ActionItem, Incident, IncidentStatus, PostIncidentReview, TimelineEntry
from incidents.services import (
    action_item_add,
    action_item_set_done,
    incident_acknowledge,
    incident_assign,
    incident_declare,
    incident_note_add,
    incident_resolve,
    review_update,
)


@pytest.fixture
def personas(ops_user: Any, oncall_user: Any, manager_user: Any, admin_user: Any, outsider: Any) -> dict[str, Any]:
    return {"ops": ops_user, "oncall": oncall_user, "manager": manager_user, "admin": admin_user, "outsider": outsider}


@pytest.fixture
def incident(severities: Any, oncall_user: Any) -> Incident:
    return incident_declare(by=oncall_user, title="Checkout is down", severity=severities["P1"])


@pytest.fixture
def review(incident: Incident, oncall_user: Any) -> PostIncidentReview:
    incident_acknowledge(incident=incident, by=oncall_user)
    incident_resolve(incident=incident, by=oncall_user)
    return PostIncidentReview.objects.get(incident=incident)


@pytest.mark.django_db
class TestPredicates:
    @pytest.mark.parametrize(
        ("persona", "view", "declare", "respond", "acknowledge", "resolve", "review"),
        [
            ("ops", True, True, False, False, False, False),
            ("oncall", True, True, True, True, True, True),
            ("manager", True, True, True, True, True, True),
            ("admin", True, True, True, True, True, True),
            ("outsider", False, False, False, False, False, False),
        ],
    )
    def test_each_role_may_do_what_the_procedures_say(
        self, personas, incident, persona, view, declare, respond, acknowledge, resolve, review
    ):
        user = personas[persona]
        assert rules.may_view(user) is view
        assert rules.may_declare(user) is declare
        assert rules.may_respond(user, incident) is respond
        assert rules.may_acknowledge(user, incident) is acknowledge
        assert rules.may_resolve(user, incident) is resolve
        assert rules.may_edit_review(user) is review

    def test_an_unknown_action_is_never_allowed(self, admin_user, incident):
        assert rules.may_transition(admin_user, "delete", incident) is False

    def test_the_buttons_offered_are_the_allowed_actions_of_the_status(self, oncall_user, ops_user, incident):
        assert [transition.action for transition in rules.actions_for(oncall_user, incident)] == ["acknowledge"]
        assert rules.actions_for(ops_user, incident) == []


@pytest.mark.django_db
class TestServicesEnforceTheRules:
    def test_an_outsider_cannot_declare(self, outsider, severities):
        with pytest.raises(PermissionDenied):
            incident_declare(by=outsider, title="x", severity=severities["P1"])
        assert not Incident.objects.exists()

    def test_ops_staff_cannot_acknowledge_resolve_assign_or_note(self, ops_user, oncall_user, incident):
        for write in (
            lambda: incident_acknowledge(incident=incident, by=ops_user),
            lambda: incident_resolve(incident=incident, by=ops_user),
            lambda: incident_assign(incident=incident, assignee=oncall_user, by=ops_user),
            lambda: incident_note_add(incident=incident, by=ops_user, text="hello"),
        ):
            with pytest.raises(PermissionDenied):
                write()
        incident.refresh_from_db()
        assert (incident.status, incident.assignee_id) == (IncidentStatus.DECLARED, None)
        assert not TimelineEntry.objects.filter(incident=incident, author=ops_user).exists()

    def test_ops_staff_cannot_write_a_review_or_its_action_items(self, ops_user, oncall_user, review):
        item = action_item_add(review=review, by=oncall_user, description="Add a canary")
        with pytest.raises(PermissionDenied):
            review_update(review=review, by=ops_user, summary="rewritten")
        with pytest.raises(PermissionDenied):
            action_item_add(review=review, by=ops_user, description="Mine")
        with pytest.raises(PermissionDenied):
            action_item_set_done(item=item, by=ops_user)
        review.refresh_from_db()
        assert review.summary == ""
        assert list(ActionItem.objects.values_list("description", "done")) == [("Add a canary", False)]


@pytest.mark.django_db
class TestEveryCallerAsksTheOneModule:
    """Deny one thing in incidents.rules: the page, the API and the service all refuse it."""

    @pytest.fixture
    def acknowledging_denied(self, monkeypatch):
        allowed = rules.may_transition
        monkeypatch.setattr(
            rules,
            "may_transition",
            lambda user, action, incident=None: action != "acknowledge" and allowed(user, action),
        )

    def test_the_page_offers_no_acknowledge_button(self, client_for, oncall_user, incident, acknowledging_denied):
        page = client_for(oncall_user).get(f"/incidents/{incident.pk}/").content.decode()
        assert f"/incidents/{incident.pk}/transition/acknowledge/" not in page

    def test_the_api_answers_403_in_the_error_shape(self, client_for, oncall_user, incident, acknowledging_denied):
        response = client_for(oncall_user).post(f"/api/v1/incidents/{incident.pk}/acknowledge/")
        assert response.status_code == 403
        assert response.json()["error"]["status"] == 403
        assert "acknowledge" in response.json()["error"]["message"]
        incident.refresh_from_db()
        assert incident.status == IncidentStatus.DECLARED

    def test_the_service_refuses(self, oncall_user, incident, acknowledging_denied):
        with pytest.raises(PermissionDenied):
            incident_acknowledge(incident=incident, by=oncall_user)

    def test_the_page_form_is_refused_without_a_server_error(
        self, client_for, oncall_user, incident, acknowledging_denied
    ):
        response = client_for(oncall_user).post(f"/incidents/{incident.pk}/transition/acknowledge/")
        assert response.status_code == 403
        incident.refresh_from_db()
        assert incident.status == IncidentStatus.DECLARED

    def test_declaring_asks_may_declare_everywhere(self, client_for, oncall_user, severities, monkeypatch):
        monkeypatch.setattr(rules, "may_declare", lambda user: False)
        client = client_for(oncall_user)
        assert client.get("/incidents/declare/").status_code == 403
        response = client.post("/api/v1/incidents/", {"title": "x", "severity": "P1"}, content_type="application/json")
        assert response.status_code == 403
        assert "Declare incident" not in client.get("/incidents/").content.decode()
        assert not Incident.objects.exists()
