"""The incident list shows open incidents first, most urgent first (the page and the API)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from incidents.models import Incident, IncidentStatus
from incidents.services import incident_declare

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)  # a Wednesday noon
# Most urgent first: open by response deadline (a tie goes to the more severe), then the others newest first.
EXPECTED = [
    "Critical due soon",
    "High due at the same moment",
    "High acknowledged",
    "Low",
    "Critical fixed",
    "Low closed",
]


@pytest.fixture
def incidents(manager_user: Any, severities: Any) -> None:
    def declare(title: str, code: str, *, ago: timedelta = timedelta(0), status: str = "") -> None:
        incident = incident_declare(by=manager_user, title=title, severity=severities[code], detected_at=NOW - ago)
        if status:
            Incident.objects.filter(pk=incident.pk).update(status=status)

    with time_machine.travel(NOW, tick=False):
        declare("Low closed", "P3", ago=timedelta(hours=2), status=IncidentStatus.CLOSED)
        declare("Low", "P3")  # due in a day
        declare("Critical fixed", "P0", status=IncidentStatus.RESOLVED)
        declare("High acknowledged", "P1", status=IncidentStatus.ACKNOWLEDGED)  # due in an hour, still open
        declare("High due at the same moment", "P1", ago=timedelta(minutes=45))  # due in 15 minutes
        declare("Critical due soon", "P0")  # due in 15 minutes


@pytest.mark.django_db
class TestTheIncidentListShowsOpenIncidentsFirstMostUrgentFirst:
    def test_the_api_lists_open_incidents_by_deadline_then_severity_then_the_others_newest_first(
        self, client_for, manager_user, incidents
    ):
        with time_machine.travel(NOW, tick=False):
            response = client_for(manager_user).get("/api/v1/incidents/")
        assert [row["title"] for row in response.json()["results"]] == EXPECTED

    def test_the_page_lists_them_in_the_same_order(self, client_for, manager_user, incidents):
        with time_machine.travel(NOW, tick=False):
            content = client_for(manager_user).get("/incidents/").content.decode()
        titles = dict(Incident.objects.values_list("pk", "title"))
        shown = [titles[int(pk)] for pk in re.findall(r'data-incident="(\d+)"', content)]
        assert shown == EXPECTED

    def test_a_filter_keeps_the_order(self, client_for, manager_user, incidents):
        with time_machine.travel(NOW, tick=False):
            response = client_for(manager_user).get("/api/v1/incidents/?severity=P1")
        assert [row["title"] for row in response.json()["results"]] == EXPECTED[1:3]
