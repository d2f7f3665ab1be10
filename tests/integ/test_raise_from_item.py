"""Raising an incident from a checklist item's "problem found", linked both ways (HTML and API)."""

from __future__ import annotations

import pytest

from checklists.models import RunItem
from incidents.models import Incident
from opsportal.roles import AREA_ROLES, Role


@pytest.mark.django_db
class TestDeclareFromItemPage:
    def test_it_prefills_the_title_and_description_from_the_item(self, flagged_item, client_for, ops_user, severities):
        body = client_for(ops_user).get(f"/incidents/declare/?from_item={flagged_item.pk}").content.decode()
        assert 'value="Problem in Morning Startup: Verify all systems are operational"' in body
        assert "The mail relay is down.</textarea>" in body
        assert f'href="/checklists/runs/{flagged_item.run_id}/#item-{flagged_item.pk}"' in body

    def test_saving_links_the_incident_and_the_item_both_ways(self, flagged_item, client_for, ops_user, severities):
        client = client_for(ops_user)
        response = client.post(
            "/incidents/declare/",
            {"title": "Mail relay down", "severity": "P1", "description": "x", "from_item": flagged_item.pk},
        )
        incident = Incident.objects.get()
        assert response.status_code == 302 and incident.from_item == flagged_item
        item = RunItem.objects.get(pk=flagged_item.pk)
        assert item.raised == incident and list(item.incidents.all()) == [incident]
        page = client.get(f"/incidents/{incident.pk}/").content.decode()
        assert "Raised from checklist" in page and "Verify all systems are operational" in page
        assert f'href="/checklists/runs/{flagged_item.run_id}/#item-{flagged_item.pk}"' in page
        run_page = client.get(f"/checklists/runs/{flagged_item.run_id}/").content.decode()
        assert f'href="/incidents/{incident.pk}/"' in run_page and "Open the incident" in run_page
        assert "raise-incident" not in run_page  # no second "Raise incident" button

    def test_an_unknown_item_is_a_clear_error_and_saves_nothing(self, client_for, ops_user, severities):
        client = client_for(ops_user)
        response = client.get("/incidents/declare/?from_item=999999")
        assert response.status_code == 400 and "There is no checklist item 999999." in response.content.decode()
        response = client.post("/incidents/declare/", {"title": "x", "severity": "P1", "from_item": "999999"})
        assert response.status_code == 400 and not Incident.objects.exists()

    def test_a_user_who_cannot_see_the_run_cannot_raise_from_it(
        self, flagged_item, client_for, oncall_user, severities, monkeypatch
    ):
        monkeypatch.setitem(AREA_ROLES, "checklists", (Role.OPS,))
        response = client_for(oncall_user).post(
            "/incidents/declare/", {"title": "x", "severity": "P1", "from_item": flagged_item.pk}
        )
        assert response.status_code == 400
        assert "You cannot see the checklist of item" in response.content.decode()
        assert not Incident.objects.exists()

    def test_an_item_raises_one_incident_only(self, flagged_item, client_for, ops_user, severities):
        client = client_for(ops_user)
        data = {"title": "x", "severity": "P1", "from_item": flagged_item.pk}
        assert client.post("/incidents/declare/", data).status_code == 302
        response = client.post("/incidents/declare/", data)
        assert response.status_code == 400 and "already raised" in response.content.decode()
        assert Incident.objects.count() == 1


@pytest.mark.django_db
class TestDeclareFromItemApi:
    def test_it_links_both_ways(self, flagged_item, client_for, oncall_user, severities):
        response = client_for(oncall_user).post(
            "/api/v1/incidents/",
            {"title": "Mail relay down", "severity": "P1", "from_item": flagged_item.pk},
            content_type="application/json",
        )
        assert response.status_code == 201 and response.json()["from_item"] == flagged_item.pk
        incident = Incident.objects.get()
        assert RunItem.objects.get(pk=flagged_item.pk).raised == incident

    def test_an_unknown_item_is_named(self, client_for, oncall_user, severities):
        response = client_for(oncall_user).post(
            "/api/v1/incidents/", {"title": "x", "severity": "P1", "from_item": 999999}, content_type="application/json"
        )
        assert response.status_code == 400
        assert response.json()["error"]["fields"]["from_item"] == ["There is no checklist item 999999."]
        assert not Incident.objects.exists()

    def test_a_user_who_cannot_see_the_run_is_refused_naming_the_field(
        self, flagged_item, client_for, oncall_user, severities, monkeypatch
    ):
        monkeypatch.setitem(AREA_ROLES, "checklists", (Role.OPS,))
        response = client_for(oncall_user).post(
            "/api/v1/incidents/",
            {"title": "x", "severity": "P1", "from_item": flagged_item.pk},
            content_type="application/json",
        )
        assert response.status_code == 400 and "from_item" in response.json()["error"]["fields"]
        assert not Incident.objects.exists()

    def test_deleting_the_run_keeps_the_incident(self, flagged_item, client_for, oncall_user, severities):
        client_for(oncall_user).post(
            "/api/v1/incidents/", {"title": "x", "severity": "P1", "from_item": flagged_item.pk},
            content_type="application/json",
        )  # fmt: skip
        RunItem.objects.filter(pk=flagged_item.pk).delete()
        assert Incident.objects.get().from_item is None
