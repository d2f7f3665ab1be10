"""The change page says who must act next; a refused edit of a closed change says why."""

from __future__ import annotations

from typing import Any

import pytest

from opsportal.roles import Role


@pytest.mark.django_db
class TestTheChangePageSaysWhoActsNext:
    def test_a_requester_is_told_a_manager_must_approve(self, client_for, make_change, requester):
        change = make_change(status="approval")
        html = client_for(requester).get(f"/changes/{change.pk}/").content.decode()
        assert 'data-testid="waiting-for">Waiting for approval by a manager.</p>' in html

    def test_a_manager_on_their_own_change_is_told_another_manager_must_approve(
        self, client_for, make_change, make_user
    ):
        boss: Any = make_user("mona.manager", Role.MANAGER)
        change = make_change(status="approval", requester=boss)
        html = client_for(boss).get(f"/changes/{change.pk}/").content.decode()
        assert "Waiting for approval by a manager other than you." in html
        assert 'data-testid="action-planning"' not in html

    def test_another_manager_sees_the_decision_not_a_waiting_note(self, client_for, make_change, manager_user):
        change = make_change(status="approval")
        html = client_for(manager_user).get(f"/changes/{change.pk}/").content.decode()
        assert 'data-testid="action-planning"' in html
        assert 'data-testid="waiting-for"' not in html

    def test_a_manager_is_told_an_engineer_implements(self, client_for, make_change, manager_user):
        change = make_change(status="planning", approved_at=None)
        html = client_for(manager_user).get(f"/changes/{change.pk}/").content.decode()
        assert "Waiting for an on-call engineer: start implementation." in html


@pytest.mark.django_db
class TestEditingAClosedChange:
    def test_the_refusal_says_the_change_is_closed_and_links_back(self, client_for, make_change, requester):
        change = make_change(status="closed")
        response = client_for(requester).get(f"/changes/{change.pk}/edit/")
        assert response.status_code == 403
        html = response.content.decode()
        assert f"{change.reference} is closed: a change can only be edited before its implementation starts." in html
        assert f'href="/changes/{change.pk}/"' in html

    def test_an_outsider_to_the_change_is_told_who_may_edit(self, client_for, make_change, make_user):
        other = make_user("otto.oncall", Role.ONCALL)
        change = make_change(status="initiation")
        response = client_for(other).get(f"/changes/{change.pk}/edit/")
        assert response.status_code == 403
        assert b"Only the requester, the implementer, a manager or an admin may edit this change." in response.content
