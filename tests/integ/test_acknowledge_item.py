"""The response phase item "Acknowledge the incident" and the incident's acknowledgement are one fact."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection

from checklists.models import ChecklistRun, RunItem
from checklists.services import run_item_tick, run_item_untick
from incidents.models import Incident, IncidentStatus, Severity, TimelineEntry, TimelineKind
from incidents.services import incident_acknowledge, incident_declare
from opsportal.errors import Conflict

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def acknowledge_item(incident: Incident) -> RunItem:
    run = ChecklistRun.objects.get(subject_object_id=incident.pk, name="Immediate Response")
    return run.items.get(text__startswith="Acknowledge the incident")


def acknowledgements(incident: Incident) -> int:
    return TimelineEntry.objects.filter(
        incident=incident, kind=TimelineKind.STATUS, to_value=IncidentStatus.ACKNOWLEDGED
    ).count()


@pytest.fixture
def incident(procedures: Any, oncall_user: Any) -> Incident:
    with time_machine.travel(NOW, tick=False):
        return incident_declare(by=oncall_user, title="Checkout down", severity=Severity.objects.get(code="P0"))


@pytest.mark.django_db
class TestTickingTheAcknowledgeItem:
    def test_it_acknowledges_the_incident_by_the_ticker(self, incident, manager_user):
        with time_machine.travel(NOW + timedelta(minutes=4), tick=False):
            run_item_tick(item=acknowledge_item(incident), by=manager_user)
        incident.refresh_from_db()
        assert incident.status == IncidentStatus.ACKNOWLEDGED
        assert incident.acknowledged_by == manager_user
        assert incident.acknowledged_at == NOW + timedelta(minutes=4)
        assert acknowledgements(incident) == 1
        assert not incident.escalation_steps.filter(next_due_at__isnull=False).exists()

    def test_through_the_page_it_answers_200_and_acknowledges(self, incident, client_for, oncall_user):
        item = acknowledge_item(incident)
        response = client_for(oncall_user).post(f"/checklists/items/{item.pk}/tick/", HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        incident.refresh_from_db()
        assert (incident.status, incident.acknowledged_by) == (IncidentStatus.ACKNOWLEDGED, oncall_user)

    def test_through_the_api_it_acknowledges(self, incident, client_for, oncall_user):
        item = acknowledge_item(incident)
        response = client_for(oncall_user).post(f"/api/v1/checklists/items/{item.pk}/tick/", {}, "application/json")
        assert response.status_code == 200
        assert client_for(oncall_user).get(f"/api/v1/incidents/{incident.pk}/").json()["status"] == "acknowledged"

    def test_other_items_do_not_acknowledge(self, incident, oncall_user):
        run = acknowledge_item(incident).run
        run_item_tick(item=run.items.exclude(text__startswith="Acknowledge").first(), by=oncall_user)
        incident.refresh_from_db()
        assert incident.status == IncidentStatus.DECLARED

    def test_ticking_it_on_an_incident_acknowledged_already_changes_nothing(self, incident, oncall_user, manager_user):
        incident_acknowledge(incident=incident, by=oncall_user)
        item = run_item_tick(item=acknowledge_item(incident), by=manager_user)
        incident.refresh_from_db()
        assert incident.acknowledged_by == oncall_user and item.done_by == oncall_user
        assert acknowledgements(incident) == 1


@pytest.mark.django_db
class TestAcknowledgingTheIncident:
    def test_it_ticks_the_acknowledge_item_by_the_same_person_at_the_same_instant(self, incident, oncall_user):
        with time_machine.travel(NOW + timedelta(minutes=3), tick=False):
            incident_acknowledge(incident=incident, by=oncall_user)
        item = acknowledge_item(incident)
        assert (item.done_by, item.done_at) == (oncall_user, NOW + timedelta(minutes=3))
        item.run.refresh_from_db()
        assert item.run.items_done == 1

    def test_through_the_api_it_ticks_the_item(self, incident, client_for, oncall_user):
        response = client_for(oncall_user).post(f"/api/v1/incidents/{incident.pk}/acknowledge/")
        assert response.status_code == 200
        assert acknowledge_item(incident).done_by == oncall_user


@pytest.mark.django_db
class TestUntickingTheAcknowledgeItem:
    def test_it_is_refused_once_the_incident_is_acknowledged(self, incident, oncall_user):
        run_item_tick(item=acknowledge_item(incident), by=oncall_user)
        with pytest.raises(Conflict, match="cannot be undone"):
            run_item_untick(item=acknowledge_item(incident), by=oncall_user)
        assert acknowledge_item(incident).done_at is not None

    def test_the_api_answers_409_in_the_error_shape(self, incident, client_for, oncall_user):
        item = acknowledge_item(incident)
        client = client_for(oncall_user)
        client.post(f"/api/v1/checklists/items/{item.pk}/tick/", {}, "application/json")
        response = client.post(f"/api/v1/checklists/items/{item.pk}/untick/", {}, "application/json")
        assert response.status_code == 409
        error = response.json()["error"]
        assert error["status"] == 409 and f"acknowledged by {oncall_user.get_username()}" in error["message"]

    def test_the_page_answers_409_with_the_message_on_the_item(self, incident, client_for, oncall_user):
        item = acknowledge_item(incident)
        client = client_for(oncall_user)
        client.post(f"/checklists/items/{item.pk}/tick/", HTTP_HX_REQUEST="true")
        response = client.post(f"/checklists/items/{item.pk}/untick/", HTTP_HX_REQUEST="true")
        assert response.status_code == 409
        assert "cannot be undone" in response.content.decode()
        assert acknowledge_item(incident).done_at is not None

    def test_other_items_still_untick(self, incident, oncall_user):
        run_item_tick(item=acknowledge_item(incident), by=oncall_user)
        other = acknowledge_item(incident).run.items.exclude(text__startswith="Acknowledge").first()
        run_item_tick(item=other, by=oncall_user)
        assert run_item_untick(item=other, by=oncall_user).done_at is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestTickAndAcknowledgeAtOnce:
    def test_exactly_one_acknowledgement_and_one_tick_and_no_deadlock(self, procedures, oncall_user, manager_user):
        for attempt in range(5):
            incident = incident_declare(
                by=oncall_user, title=f"Race {attempt}", severity=Severity.objects.get(code="P0")
            )
            item = acknowledge_item(incident)
            barrier = threading.Barrier(2)
            outcomes: list[str] = []

            def tick(item: RunItem = item, barrier: Any = barrier, outcomes: list[str] = outcomes) -> None:
                barrier.wait()
                try:
                    run_item_tick(item=item, by=manager_user)
                    outcomes.append("ticked")
                finally:
                    connection.close()

            def acknowledge(
                incident: Incident = incident, barrier: Any = barrier, outcomes: list[str] = outcomes
            ) -> None:
                barrier.wait()
                try:
                    incident_acknowledge(incident=incident, by=oncall_user)
                    outcomes.append("acknowledged")
                except Conflict:
                    outcomes.append("conflict")
                finally:
                    connection.close()

            threads = [threading.Thread(target=tick), threading.Thread(target=acknowledge)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            assert not any(thread.is_alive() for thread in threads)
            incident.refresh_from_db()
            item.refresh_from_db()
            assert incident.status == IncidentStatus.ACKNOWLEDGED
            assert acknowledgements(incident) == 1
            assert item.done_by == incident.acknowledged_by
            assert sorted(outcomes) in (["acknowledged", "ticked"], ["conflict", "ticked"])
