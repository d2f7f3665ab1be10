"""Incident response phases on the checklists engine: loaded from the document, attached to incidents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command

from checklists.models import ChecklistRun, ChecklistTemplate, RelativeAnchor
from incidents.models import Incident, Severity
from incidents.services import (
    incident_acknowledge,
    incident_declare,
    incident_phases_attach,
    incident_resolve,
    incident_transition,
)
from opsportal.procedures.document import ProcedureError
from opsportal.procedures.importer import procedures_import

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)

OTHER_DOCUMENT = """# Runbook

## Outage Handling

### Severities

#### Sev 1 (P0)
- **Response Time**: Within 10 minutes

### Outage Steps

#### Triage (0-10 minutes)
1. Page the on-call lead
2. Open the bridge

#### Mitigation (10 minutes - 1 hour)
1. Roll back the last deploy
2. Fail over to the standby region
3. Confirm recovery

#### Retrospective (within 72 hours)
1. Write the timeline
"""


def phases() -> dict[str, ChecklistTemplate]:
    return {t.name: t for t in ChecklistTemplate.objects.filter(attach_to="incident").select_related("owner_group")}


def runs_of(incident: Incident) -> dict[str, ChecklistRun]:
    return {run.name: run for run in ChecklistRun.objects.filter(subject_object_id=incident.pk, period_date=None)}


@pytest.mark.django_db
class TestResponsePhaseLoader:
    def test_the_bundled_document_gives_four_on_demand_phases_with_their_windows(self, procedures):
        found = phases()
        assert list(sorted(found, key=lambda name: found[name].position)) == [
            "Immediate Response", "Investigation Phase", "Resolution Phase", "Post-Incident Review",
        ]  # fmt: skip
        windows = {
            name: (t.relative_anchor, t.relative_open_minutes, t.relative_due_minutes) for name, t in found.items()
        }
        assert windows == {
            "Immediate Response": ("start", 0, 15),
            "Investigation Phase": ("start", 15, 120),
            "Resolution Phase": ("start", 0, None),
            "Post-Incident Review": ("end", 0, 48 * 60),
        }
        assert {t.frequency for t in found.values()} == {"on_demand"}
        assert {t.owner_group.name for t in found.values()} == {"On-call engineer"}
        assert found["Immediate Response"].items.order_by("position").first().text == (
            "Acknowledge the incident and assign severity level"
        )
        assert found["Post-Incident Review"].items.count() == 5

    def test_reimporting_updates_in_place_and_never_duplicates(self, procedures):
        before = {name: (t.pk, list(t.items.values_list("pk", flat=True))) for name, t in phases().items()}
        call_command("import_procedures", stdout=open("/dev/null", "w"))  # noqa: SIM115
        after = {name: (t.pk, list(t.items.values_list("pk", flat=True))) for name, t in phases().items()}
        assert before == after and len(after) == 4

    def test_a_second_document_of_the_same_shape_loads_and_retires_the_old_phases(self, procedures):
        procedures_import(source=OTHER_DOCUMENT)
        active = {name: t for name, t in phases().items() if t.is_active}
        assert set(active) == {"Triage", "Mitigation", "Retrospective"}
        assert (active["Mitigation"].relative_open_minutes, active["Mitigation"].relative_due_minutes) == (10, 60)
        assert active["Retrospective"].relative_anchor == RelativeAnchor.END
        assert active["Retrospective"].relative_due_minutes == 72 * 60
        assert len(phases()) == 7  # the bundled four are kept (runs point at them), inactive

    def test_an_overlong_step_is_refused_with_its_line_and_nothing_is_saved(self, db):
        document = OTHER_DOCUMENT.replace("Open the bridge", "x" * 501)
        with pytest.raises(ProcedureError) as error:
            procedures_import(source=document)
        assert error.value.line == 14
        assert not ChecklistTemplate.objects.exists()


@pytest.mark.django_db
class TestPhasesAttachToIncidents:
    @time_machine.travel(NOW, tick=False)
    def test_declaring_attaches_three_phases_with_deadlines_from_detection(self, procedures, oncall_user):
        detected = NOW - timedelta(minutes=5)
        incident = incident_declare(
            by=oncall_user, title="Checkout down", severity=Severity.objects.get(code="P0"),
            detected_at=detected,
        )  # fmt: skip
        runs = runs_of(incident)
        assert set(runs) == {"Immediate Response", "Investigation Phase", "Resolution Phase"}
        assert (runs["Immediate Response"].opens_at, runs["Immediate Response"].due_at) == (
            detected, detected + timedelta(minutes=15),
        )  # fmt: skip
        assert (runs["Investigation Phase"].opens_at, runs["Investigation Phase"].due_at) == (
            detected + timedelta(minutes=15), detected + timedelta(hours=2),
        )  # fmt: skip
        assert runs["Resolution Phase"].due_at is None
        assert runs["Immediate Response"].items_total == 5 and runs["Immediate Response"].subject == incident

    def test_resolving_attaches_the_review_due_48_hours_after_resolution(self, procedures, oncall_user):
        severity = Severity.objects.get(code="P1")
        with time_machine.travel(NOW, tick=False):
            incident = incident_declare(by=oncall_user, title="Slow API", severity=severity)
            incident_acknowledge(incident=incident, by=oncall_user)
        resolved = NOW + timedelta(hours=3)
        with time_machine.travel(resolved, tick=False):
            incident_resolve(incident=incident, by=oncall_user)
        review = runs_of(incident)["Post-Incident Review"]
        assert (review.opens_at, review.due_at) == (resolved, resolved + timedelta(hours=48))
        # Reopened and resolved again: the review phase is not attached twice.
        with time_machine.travel(resolved + timedelta(hours=1), tick=False):
            incident_transition(incident=incident, action="reopen", by=oncall_user)
            incident_resolve(incident=incident, by=oncall_user)
        assert ChecklistRun.objects.filter(subject_object_id=incident.pk, period_date=None).count() == 4

    def test_attaching_again_or_reimporting_never_duplicates_runs(self, procedures, oncall_user):
        severity = Severity.objects.get(code="P2")
        incident = incident_declare(by=oncall_user, title="Typo", severity=severity)
        incident_phases_attach(incident=incident, anchor=RelativeAnchor.START, at=incident.detected_at)
        call_command("import_procedures", stdout=open("/dev/null", "w"))  # noqa: SIM115
        incident_phases_attach(incident=incident, anchor=RelativeAnchor.START, at=incident.detected_at)
        assert ChecklistRun.objects.filter(subject_object_id=incident.pk, period_date=None).count() == 3

    def test_without_imported_phases_an_incident_has_none(self, severities, oncall_user):
        incident = incident_declare(by=oncall_user, title="Quiet", severity=severities["P3"])
        assert runs_of(incident) == {}


@pytest.mark.django_db
class TestPhasePages:
    @pytest.fixture
    def incident(self, procedures, oncall_user):
        severity = Severity.objects.get(code="P0")
        return incident_declare(by=oncall_user, title="Checkout down", severity=severity)

    def test_the_incident_page_lists_its_phases_with_progress_and_links(self, incident, client_for, ops_user):
        body = client_for(ops_user).get(f"/incidents/{incident.pk}/").content.decode()
        runs = runs_of(incident)
        for run in runs.values():
            assert f'href="/checklists/runs/{run.pk}/"' in body
        assert "0/5" in body and "No fixed deadline" in body
        assert "opens when the incident is resolved" in body

    def test_the_run_page_links_back_to_the_incident(self, incident, client_for, ops_user):
        run = runs_of(incident)["Immediate Response"]
        body = client_for(ops_user).get(f"/checklists/runs/{run.pk}/").content.decode()
        assert f'href="/incidents/{incident.pk}/"' in body and "Runbook phase of incident" in body

    @pytest.mark.parametrize(("persona", "status"), [("oncall_user", 200), ("manager_user", 200),
                                                     ("admin_user", 200), ("ops_user", 403)])  # fmt: skip
    def test_on_call_engineers_managers_and_admins_tick_incident_runs(self, incident, client_for, persona, status,
                                                                      request):  # fmt: skip
        run = runs_of(incident)["Immediate Response"]
        item = run.items.get(position=1)
        response = client_for(request.getfixturevalue(persona)).post(
            f"/checklists/items/{item.pk}/tick/", HTTP_HX_REQUEST="true"
        )
        assert response.status_code == status
        run.refresh_from_db()
        assert run.items_done == (1 if status == 200 else 0)

    def test_the_api_detail_lists_the_phases(self, incident, client_for, oncall_user):
        data = client_for(oncall_user).get(f"/api/v1/incidents/{incident.pk}/").json()
        assert [phase["name"] for phase in data["phases"]] == [
            "Immediate Response", "Investigation Phase", "Resolution Phase",
        ]  # fmt: skip
        assert data["phases"][0]["items_total"] == 5 and data["phases"][0]["url"].startswith("/checklists/runs/")
