"""Raising an incident a second time from one checklist item links the incident that exists."""

from __future__ import annotations

import pytest

from incidents.models import Incident
from tests.incidents.conftest import severities  # noqa: F401  (fixture)
from tests.incidents.test_views import flagged_item


@pytest.mark.django_db
class TestDeclaringTwiceFromOneItem:
    def test_the_form_is_replaced_by_a_link_to_the_incident_that_exists(self, client_for, ops_user, severities):  # noqa: F811
        item = flagged_item()
        client = client_for(ops_user)
        client.post("/incidents/declare/", {"title": "Site down", "severity": "P0", "from_item": item.pk})
        incident = Incident.objects.get()
        response = client.get(f"/incidents/declare/?from_item={item.pk}")
        html = response.content.decode()
        assert response.status_code == 200
        assert 'data-testid="already-raised"' in html
        assert f'href="/incidents/{incident.pk}/">#{incident.pk} Site down</a>' in html
        assert 'name="title"' not in html

    def test_a_second_submission_is_refused_with_the_link(self, client_for, ops_user, severities):  # noqa: F811
        item = flagged_item()
        client = client_for(ops_user)
        client.post("/incidents/declare/", {"title": "Site down", "severity": "P0", "from_item": item.pk})
        response = client.post("/incidents/declare/", {"title": "Again", "severity": "P1", "from_item": item.pk})
        assert response.status_code == 400
        assert f'href="/incidents/{Incident.objects.get().pk}/"' in response.content.decode()
        assert Incident.objects.count() == 1
