"""Escalation step targets: whom each step pages, how a step is validated, and the old rows' migration."""

import importlib
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from incidents.models import EscalationStep, EscalationTarget, IncidentEscalationStep, Severity
from incidents.services import incident_acknowledge, incident_declare, sla_sweep
from opsportal.models import Notification
from opsportal.roles import Role

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
def team(make_user):
    return {
        "oncall": [make_user("on1", Role.ONCALL), make_user("on2", Role.ONCALL)],
        "manager": make_user("boss", Role.MANAGER),
        "ops": make_user("opsy", Role.OPS),
        "dba": make_user("dana.dba", Role.OPS),
    }


@pytest.fixture
def superuser(make_user):
    return make_user("root.admin", is_staff=True, is_superuser=True)


@pytest.fixture
def p9(db):
    """A severity with a 10-minute SLA and no policy yet (the tests give it one step)."""
    return Severity.objects.create(code="P9", name="Test", response_minutes=10, position=9)


def paged(incident):
    return sorted(Notification.objects.filter(key__startswith=f"incident-{incident.pk}-step-").values_list(
        "recipient__username", flat=True
    ))  # fmt: skip


def breach(severity, by):
    incident = incident_declare(
        by=by, title="Replication lag", severity=severity, detected_at=NOW - timedelta(minutes=11), now=NOW
    )
    assert sla_sweep(now=NOW).reminders == 1
    return incident


@pytest.mark.django_db
class TestStepTargets:
    def test_a_user_step_pages_only_that_user(self, p9, team):
        EscalationStep.objects.create(severity=p9, position=1, target=EscalationTarget.USER, user=team["dba"])
        assert paged(breach(p9, team["ops"])) == ["dana.dba"]

    def test_a_managers_step_pages_the_managers(self, p9, team):
        EscalationStep.objects.create(severity=p9, position=1, target=EscalationTarget.MANAGERS)
        assert paged(breach(p9, team["ops"])) == ["boss"]

    def test_a_group_step_pages_the_group(self, p9, team):
        EscalationStep.objects.create(
            severity=p9, position=1, target=EscalationTarget.GROUP, group=Group.objects.get(name=Role.ONCALL.value)
        )
        assert paged(breach(p9, team["ops"])) == ["on1", "on2"]

    def test_an_assignee_step_pages_the_assignee(self, p9, team):
        EscalationStep.objects.create(severity=p9, position=1, target=EscalationTarget.ASSIGNEE)
        incident = incident_declare(
            by=team["ops"], title="x", severity=p9, assignee=team["oncall"][1],
            detected_at=NOW - timedelta(minutes=11), now=NOW,
        )  # fmt: skip
        sla_sweep(now=NOW)
        assert paged(incident) == ["on2"]

    def test_a_deactivated_user_falls_back_to_the_oncall_engineers(self, p9, team):
        EscalationStep.objects.create(severity=p9, position=1, target=EscalationTarget.USER, user=team["dba"])
        team["dba"].is_active = False
        team["dba"].save(update_fields=["is_active"])
        assert paged(breach(p9, team["ops"])) == ["on1", "on2"]

    def test_the_copied_step_keeps_its_user(self, p9, team):
        EscalationStep.objects.create(severity=p9, position=1, target=EscalationTarget.USER, user=team["dba"])
        incident = breach(p9, team["ops"])
        assert incident.escalation_steps.get().user == team["dba"]


@pytest.mark.django_db
class TestStepValidation:
    def test_a_user_step_needs_a_user(self, p9):
        with pytest.raises(ValidationError) as error:
            EscalationStep(severity=p9, target=EscalationTarget.USER).full_clean()
        assert error.value.message_dict["user"] == ["Choose the user this step pages."]

    def test_a_group_step_needs_a_group(self, p9):
        with pytest.raises(ValidationError) as error:
            EscalationStep(severity=p9, target=EscalationTarget.GROUP).full_clean()
        assert error.value.message_dict["group"] == ["Choose the group this step pages."]

    def test_an_unknown_target_names_the_field(self, p9):
        with pytest.raises(ValidationError) as error:
            EscalationStep(severity=p9, target="everyone").full_clean()
        assert "target" in error.value.message_dict

    def test_managers_and_assignee_need_nothing_else(self, p9):
        EscalationStep(severity=p9, target=EscalationTarget.MANAGERS).full_clean()
        EscalationStep(severity=p9, target=EscalationTarget.ASSIGNEE).full_clean()

    def test_the_admin_shows_the_error_next_to_the_field(self, client_for, superuser, db):
        response = client_for(superuser).post(
            "/admin/incidents/severity/add/",
            {
                "code": "P7", "name": "Seven", "response_minutes": "30", "position": "7", "escalation_audience": "",
                "examples": "",
                "escalation_steps-TOTAL_FORMS": "1", "escalation_steps-INITIAL_FORMS": "0",
                "escalation_steps-MIN_NUM_FORMS": "0", "escalation_steps-MAX_NUM_FORMS": "1000",
                "escalation_steps-0-position": "1", "escalation_steps-0-delay_minutes": "0",
                "escalation_steps-0-target": "user", "escalation_steps-0-user": "",
                "escalation_steps-0-repeat_every_minutes": "0", "escalation_steps-0-max_repeats": "0",
            },
        )  # fmt: skip
        assert response.status_code == 200
        assert "Choose the user this step pages." in response.content.decode()
        assert not Severity.objects.filter(code="P7").exists()

    def test_the_admin_saves_a_user_step(self, client_for, superuser, team, db):
        response = client_for(superuser).post(
            "/admin/incidents/severity/add/",
            {
                "code": "P7", "name": "Seven", "response_minutes": "30", "position": "7", "escalation_audience": "",
                "examples": "",
                "escalation_steps-TOTAL_FORMS": "1", "escalation_steps-INITIAL_FORMS": "0",
                "escalation_steps-MIN_NUM_FORMS": "0", "escalation_steps-MAX_NUM_FORMS": "1000",
                "escalation_steps-0-position": "1", "escalation_steps-0-delay_minutes": "0",
                "escalation_steps-0-target": "user", "escalation_steps-0-user": str(team["dba"].pk),
                "escalation_steps-0-repeat_every_minutes": "0", "escalation_steps-0-max_repeats": "0",
            },
        )  # fmt: skip
        assert response.status_code == 302
        step = EscalationStep.objects.get(severity__code="P7")
        assert (step.target, step.user) == ("user", team["dba"])
        assert step.history.count() == 1


@pytest.mark.django_db
class TestOldOncallRowsMigration:
    def test_old_oncall_steps_page_the_oncall_group(self, p9, team):
        step = EscalationStep.objects.create(severity=p9, position=1, target=EscalationTarget.ASSIGNEE)
        incident = incident_declare(by=team["ops"], title="x", severity=p9, now=NOW)
        # Rows written before the migration carried the retired target "oncall".
        EscalationStep.objects.filter(pk=step.pk).update(target="oncall")
        IncidentEscalationStep.objects.filter(incident=incident).update(target="oncall")
        migration = importlib.import_module("incidents.migrations.0007_escalation_step_targets")
        migration.oncall_target_becomes_the_oncall_group(apps, None)
        for row in (EscalationStep.objects.get(pk=step.pk), incident.escalation_steps.get()):
            assert (row.target, row.group.name) == ("group", Role.ONCALL.value)


@pytest.mark.django_db
class TestAcknowledgementAssigns:
    def test_acknowledging_an_unassigned_incident_assigns_the_acknowledger(self, severities, team):
        incident = incident_declare(by=team["ops"], title="x", severity=severities["P1"], now=NOW)
        incident = incident_acknowledge(incident=incident, by=team["oncall"][1], now=NOW + timedelta(minutes=2))
        assert incident.assignee == team["oncall"][1]
        entry = incident.timeline.get(kind="assignment")
        assert (entry.to_value, entry.author, entry.created_at) == (
            "on2",
            team["oncall"][1],
            NOW + timedelta(minutes=2),
        )

    def test_an_assigned_incident_keeps_its_assignee(self, severities, team):
        incident = incident_declare(
            by=team["ops"], title="x", severity=severities["P1"], assignee=team["oncall"][0], now=NOW
        )
        incident = incident_acknowledge(incident=incident, by=team["oncall"][1], now=NOW)
        assert incident.assignee == team["oncall"][0]
        assert incident.timeline.filter(kind="assignment").count() == 1  # the declaration's only

    def test_the_api_acknowledgement_shows_the_new_assignee(self, client_for, severities, team):
        incident = incident_declare(by=team["ops"], title="x", severity=severities["P1"])
        response = client_for(team["oncall"][0]).post(f"/api/v1/incidents/{incident.pk}/acknowledge/")
        assert response.status_code == 200
        assert response.json()["assignee"] == "on1"
