"""The (role × transition) matrix over the HTML views and the API, read from the workflow table.

Every declared transition, for every change type it applies to, is tried by every persona:
holders of one of its roles succeed, everyone else is refused with a message.
"""

from __future__ import annotations

import pytest

from changes import workflow
from changes.models import ChangeHistory, ChangeRequest
from opsportal.roles import Role

PERSONAS = {
    "ops_user": {Role.OPS},
    "oncall_user": {Role.ONCALL},
    "manager_user": {Role.MANAGER},
    "admin_user": {Role.ADMIN},
    "outsider": set(),
}
CELLS = [
    pytest.param(transition, change_type, id=f"{transition.key}-{change_type}")
    for transition in workflow.TRANSITIONS
    for change_type in sorted(transition.types)
]


def _allowed(transition: workflow.Transition, persona: str) -> bool:
    return bool(PERSONAS[persona] & transition.roles)


@pytest.fixture
def personas(request):
    return {name: request.getfixturevalue(name) for name in PERSONAS}


def _assert_refused_has_message(response, channel: str) -> None:
    assert response.status_code == 403
    if channel == "api":
        assert response.json()["error"]["message"]
    else:
        assert "roles" in response.content.decode() or "approve" in response.content.decode()


@pytest.mark.django_db
class TestTransitionMatrix:
    @pytest.mark.parametrize(("transition", "change_type"), CELLS)
    def test_html_allows_the_declared_roles_and_refuses_the_rest(
        self, client, personas, make_change, transition, change_type
    ):
        for persona, user in personas.items():
            change = make_change(status=transition.source, change_type=change_type)
            client.force_login(user)
            response = client.post(
                f"/changes/{change.pk}/transition/",
                {"to": transition.target, "reason": "Because the matrix says so.", "close_code": "successful"},
            )
            change.refresh_from_db()
            if _allowed(transition, persona):
                assert response.status_code == 302, (persona, response.content.decode()[:2000])
                assert change.status == transition.target
                entry = change.history.get()
                assert (entry.actor, entry.from_status, entry.to_status) == (user, transition.source, transition.target)
            else:
                _assert_refused_has_message(response, "html")
                assert change.status == transition.source, persona
                assert not change.history.exists()

    @pytest.mark.parametrize(("transition", "change_type"), CELLS)
    def test_api_allows_the_declared_roles_and_refuses_the_rest(
        self, client, personas, make_change, transition, change_type
    ):
        for persona, user in personas.items():
            change = make_change(status=transition.source, change_type=change_type)
            client.force_login(user)
            response = client.post(
                f"/api/v1/changes/{change.pk}/transition/",
                {"to": transition.target, "reason": "Because the matrix says so.", "close_code": "successful"},
                content_type="application/json",
            )
            change.refresh_from_db()
            if _allowed(transition, persona):
                assert response.status_code == 200, (persona, response.json())
                assert response.json()["status"] == transition.target == change.status
            else:
                _assert_refused_has_message(response, "api")
                assert change.status == transition.source, persona


@pytest.mark.django_db
class TestEveryOtherPairIsRefused:
    def test_it_refuses_every_undeclared_pair_naming_to(self, client, oncall_user, make_change):
        """Every (status, target, type) not in the table is refused as "no such transition"."""
        client.force_login(oncall_user)
        statuses = [choice for choice, _label in ChangeRequest._meta.get_field("status").choices]
        change = make_change()
        for change_type in sorted(workflow.ALL_TYPES):
            for source in statuses:
                ChangeRequest.objects.filter(pk=change.pk).update(status=source, change_type=change_type)
                for target in statuses:
                    if workflow.find_transition(source, target, change_type):
                        continue
                    response = client.post(
                        f"/api/v1/changes/{change.pk}/transition/", {"to": target}, content_type="application/json"
                    )
                    assert response.status_code == 400, (source, target, change_type)
                    assert "to" in response.json()["error"]["fields"]
        assert not ChangeHistory.objects.exists()
