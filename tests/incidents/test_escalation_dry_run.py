"""The escalation dry run: the API, the incident page, the preview page, and that the sweep sends exactly it."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from incidents import escalation
from incidents.models import EscalationNotice
from incidents.services import incident_acknowledge, incident_declare, sla_sweep
from opsportal.models import Notification
from opsportal.roles import Role

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
DUE = NOW - timedelta(minutes=1)  # a P1 detected 61 minutes ago


@pytest.fixture
def team(make_user):
    return {
        "oncall": [make_user("on1", Role.ONCALL), make_user("on2", Role.ONCALL)],
        "manager": make_user("boss", Role.MANAGER),
        "ops": make_user("opsy", Role.OPS),
    }


@pytest.fixture
def breached_p1(severities, team):
    return incident_declare(
        by=team["ops"],
        title="API failures",
        severity=severities["P1"],
        detected_at=NOW - timedelta(minutes=61),
        now=NOW,
    )


def minutes_after_due(minutes):
    return (DUE + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


@pytest.mark.django_db
class TestEscalationDryRunApi:
    def test_it_lists_every_page_of_the_default_p1_policy_in_time_order(self, client_for, team, breached_p1):
        with time_machine.travel(NOW, tick=False):
            response = client_for(team["ops"]).get(f"/api/v1/incidents/{breached_p1.pk}/escalation/")
        assert response.status_code == 200
        oncall, managers = ["on1", "on2"], ["boss"]
        # Step 1: the on-call group at the deadline, then every 15 minutes, 4 repeats;
        # step 2: the managers 30 minutes after the deadline, then every 30 minutes, 2 repeats.
        assert response.json() == [
            {"at": minutes_after_due(0), "users": oncall, "step": 1},
            {"at": minutes_after_due(15), "users": oncall, "step": 1},
            {"at": minutes_after_due(30), "users": oncall, "step": 1},
            {"at": minutes_after_due(30), "users": managers, "step": 2},
            {"at": minutes_after_due(45), "users": oncall, "step": 1},
            {"at": minutes_after_due(60), "users": oncall, "step": 1},
            {"at": minutes_after_due(60), "users": managers, "step": 2},
            {"at": minutes_after_due(90), "users": managers, "step": 2},
        ]

    def test_rounds_already_sent_are_not_listed(self, client_for, team, breached_p1):
        sla_sweep(now=NOW)
        with time_machine.travel(NOW, tick=False):
            body = client_for(team["ops"]).get(f"/api/v1/incidents/{breached_p1.pk}/escalation/").json()
        assert body[0] == {"at": minutes_after_due(15), "users": ["on1", "on2"], "step": 1}
        assert len(body) == 7

    def test_after_acknowledgement_nobody_is_paged(self, client_for, team, breached_p1):
        incident_acknowledge(incident=breached_p1, by=team["oncall"][0], now=NOW)
        response = client_for(team["ops"]).get(f"/api/v1/incidents/{breached_p1.pk}/escalation/")
        assert (response.status_code, response.json()) == (200, [])

    def test_an_assigned_incident_pages_its_assignee_where_the_step_says_so(self, client_for, severities, team):
        incident = incident_declare(
            by=team["ops"], title="Search slow", severity=severities["P3"], assignee=team["oncall"][1], now=NOW
        )
        with time_machine.travel(NOW, tick=False):
            body = client_for(team["ops"]).get(f"/api/v1/incidents/{incident.pk}/escalation/").json()
        assert [(page["step"], page["users"]) for page in body] == [(1, ["on2"]), (2, ["boss"])]

    def test_a_non_numeric_id_is_a_404(self, client_for, team, breached_p1):
        assert client_for(team["ops"]).get("/api/v1/incidents/abc/escalation/").status_code == 404

    def test_an_outsider_gets_an_error_body_not_the_plan(self, client_for, outsider, breached_p1):
        response = client_for(outsider).get(f"/api/v1/incidents/{breached_p1.pk}/escalation/")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"


@pytest.mark.django_db
class TestTheSweepSendsTheDryRun:
    def test_what_is_sent_equals_the_dry_run(self, team, breached_p1):
        planned = [(page.at, page.users, page.step) for page in escalation.incident_plan(breached_p1, now=NOW)]
        assert len(planned) == 8
        for at in sorted({at for at, _users, _step in planned}):
            with time_machine.travel(at + timedelta(seconds=20), tick=False):  # beat ticks a little later
                sla_sweep()
        sent = [
            (
                notice.due_at,
                sorted(Notification.objects.filter(key=notice.key).values_list("recipient__username", flat=True)),
                notice.step.position,
            )
            for notice in EscalationNotice.objects.filter(incident=breached_p1).select_related("step")
        ]
        assert sorted(sent, key=lambda row: (row[0], row[2])) == planned
        with time_machine.travel(NOW + timedelta(days=2), tick=False):
            assert sla_sweep().reminders == 0

    def test_the_severity_preview_equals_a_real_incidents_plan(self, severities, team):
        incident = incident_declare(by=team["ops"], title="x", severity=severities["P0"], now=NOW)
        assert escalation.severity_plan(severities["P0"], at=NOW) == escalation.incident_plan(incident, now=NOW)


@pytest.mark.django_db
class TestEscalationDryRunPages:
    def test_the_incident_page_shows_the_dry_run_table(self, client_for, team, breached_p1):
        with time_machine.travel(NOW, tick=False):
            html = client_for(team["ops"]).get(f"/incidents/{breached_p1.pk}/").content.decode()
        table = html[html.index('data-testid="escalation-dry-run"') :]
        table = table[: table.index("</table>")]
        assert table.count("<tr>") == 1 + 8  # the header and eight pages
        assert "on1, on2" in table
        assert "boss" in table

    def test_the_preview_page_shows_a_severitys_plan(self, client_for, team, severities):
        response = client_for(team["ops"]).get("/incidents/escalation-preview/?severity=P1&at=2026-11-25T10:00")
        assert response.status_code == 200
        html = response.content.decode()
        assert html.count("on1, on2") == 5
        assert html.count("<td>boss</td>") == 3

    def test_an_unknown_severity_is_an_error_next_to_the_field(self, client_for, team, severities):
        response = client_for(team["ops"]).get("/incidents/escalation-preview/?severity=P8")
        assert response.status_code == 400
        assert "Select a valid choice" in response.content.decode()

    def test_a_bad_moment_is_an_error_next_to_the_field(self, client_for, team, severities):
        response = client_for(team["ops"]).get("/incidents/escalation-preview/?severity=P1&at=yesterday")
        assert response.status_code == 400
        assert "Enter a valid date/time." in response.content.decode()

    def test_an_outsider_may_not_preview(self, client_for, outsider, severities):
        assert client_for(outsider).get("/incidents/escalation-preview/?severity=P1").status_code == 403
