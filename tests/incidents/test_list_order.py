"""The incident list shows open incidents first, most urgent first (the page and the API)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from incidents.models import Incident, IncidentStatus, Service
from incidents.services import incident_declare

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)  # a Wednesday noon
# Most urgent first: open incidents breached first, then awaiting a response by deadline (a tie goes
# to the more severe), then those acknowledged in time; then the others newest first.
EXPECTED = [
    "High answered late",  # due two hours ago
    "Low breached",  # due an hour ago
    "Critical due soon",
    "High due at the same moment",
    "Low",
    "High acknowledged",
    "Low closed",  # ended ones newest first, whatever their severity
    "Critical fixed",
]
OPEN = EXPECTED[:6]


@pytest.fixture
def incidents(manager_user: Any, severities: Any) -> None:
    def declare(title: str, code: str, *, ago: timedelta = timedelta(0), status: str = "") -> None:
        incident = incident_declare(by=manager_user, title=title, severity=severities[code], detected_at=NOW - ago)
        if status:
            Incident.objects.filter(pk=incident.pk).update(status=status)

    with time_machine.travel(NOW, tick=False):
        declare("Low breached", "P3", ago=timedelta(hours=25))  # due an hour ago, nobody answered
        declare("High answered late", "P1", ago=timedelta(hours=3))  # due two hours ago
        Incident.objects.filter(title="High answered late").update(
            status=IncidentStatus.ACKNOWLEDGED, acknowledged_at=NOW - timedelta(hours=1)
        )
        declare("Low closed", "P3", ago=timedelta(hours=2), status=IncidentStatus.CLOSED)
        declare("Low", "P3")  # due in a day
        declare("Critical fixed", "P0", ago=timedelta(hours=3), status=IncidentStatus.RESOLVED)
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

    @staticmethod
    def shown(client: Any, url: str, at: datetime = NOW) -> list[str]:
        with time_machine.travel(at, tick=False):
            content = client.get(url).content.decode()
        titles = dict(Incident.objects.values_list("pk", "title"))
        return [titles[int(pk)] for pk in re.findall(r'data-incident="(\d+)"', content)]

    def test_the_page_lists_the_open_ones_in_the_same_order(self, client_for, manager_user, incidents):
        assert self.shown(client_for(manager_user), "/incidents/") == OPEN

    def test_the_closed_ones_are_behind_the_status_filter(self, client_for, manager_user, incidents):
        client = client_for(manager_user)
        assert self.shown(client, "/incidents/?status=closed") == ["Low closed", "Critical fixed"]
        assert self.shown(client, "/incidents/?status=all") == EXPECTED

    def test_a_filter_keeps_the_order(self, client_for, manager_user, incidents):
        with time_machine.travel(NOW, tick=False):
            response = client_for(manager_user).get("/api/v1/incidents/?severity=P1")
        assert [row["title"] for row in response.json()["results"]] == [
            "High answered late",
            "High due at the same moment",
            "High acknowledged",
        ]
        assert self.shown(client_for(manager_user), "/incidents/?severity=P1") == [
            "High answered late",
            "High due at the same moment",
            "High acknowledged",
        ]

    def test_the_page_and_the_api_keep_the_order_across_pages(self, client_for, manager_user, incidents):
        client = client_for(manager_user)
        with time_machine.travel(NOW, tick=False):
            pages = [client.get(f"/api/v1/incidents/?page_size=3&page={number}").json() for number in (1, 2, 3)]
        assert [row["title"] for page in pages for row in page["results"]] == EXPECTED
        assert pages[0]["count"] == len(EXPECTED)

    def test_a_service_filter_keeps_the_order(self, client_for, manager_user, incidents):
        service = Service.objects.create(name="Billing")
        for incident in Incident.objects.filter(title__in=["Low", "Low breached", "Critical fixed"]):
            incident.services.add(service)
        assert self.shown(client_for(manager_user), f"/incidents/?status=all&service={service.pk}") == [
            "Low breached",
            "Low",
            "Critical fixed",
        ]

    def test_an_incident_passing_its_deadline_moves_up_at_the_next_poll(self, client_for, manager_user, incidents):
        client = client_for(manager_user)
        with time_machine.travel(NOW, tick=False):
            first = client.get("/incidents/", HTTP_HX_REQUEST="true")
        with time_machine.travel(NOW + timedelta(minutes=16), tick=False):
            later = client.get("/incidents/", HTTP_HX_REQUEST="true", HTTP_IF_NONE_MATCH=first["ETag"])
        assert later.status_code == 200
        assert self.shown(client, "/incidents/", NOW + timedelta(minutes=16))[:4] == [
            "High answered late",
            "Low breached",
            "Critical due soon",
            "High due at the same moment",
        ]
