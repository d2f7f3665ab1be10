"""The breach register (page, CSV, API), the incident's breach card and actions, and the incident JSON."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from breaches.models import Breach
from breaches.services import breach_record_notification, incident_flags_set
from incidents.services import incident_declare


@pytest.fixture
def breaches(severities, team):
    """One breach overdue (aware 80 h ago), one notified in time, and an incident without a breach."""
    now = timezone.now()
    overdue = incident_declare(by=team["ops"], title="Payroll file on a public share", severity=severities["P2"])
    incident_flags_set(
        incident=overdue, by=team["oncall"], security=True, personal_data_breach=True,
        aware_at=now - timedelta(hours=80), what_happened="=HYPERLINK(1) payroll exposed",
        categories="salaries, bank details", people_affected=340,
    )  # fmt: skip
    notified = incident_declare(
        by=team["ops"], title="Mail to the wrong list", severity=severities["P3"], personal_data_breach=True
    )
    breach_record_notification(
        breach=notified.breach, by=team["manager"], notified_at=timezone.now(), reference="ICO-2026-17"
    )
    plain = incident_declare(by=team["ops"], title="Disk full", severity=severities["P3"])
    return {"overdue": overdue, "notified": notified, "plain": plain}


@pytest.mark.django_db
class TestRegisterPage:
    def test_managers_see_every_breach_with_overdue_in_words(self, client_for, team, breaches):
        response = client_for(team["manager"]).get("/compliance/breaches/")
        assert response.status_code == 200
        body = response.content.decode()
        assert "Payroll file on a public share" in body and "Mail to the wrong list" in body
        assert "No: overdue, not notified" in body
        assert "Yes: notified within 72 hours" in body
        assert "ICO-2026-17" in body and "about 340" in body
        assert "Disk full" not in body

    @pytest.mark.parametrize("persona", ["oncall", "ops"])
    def test_others_are_refused(self, client_for, team, breaches, persona):
        client = client_for(team[persona])
        assert client.get("/compliance/breaches/").status_code == 403
        assert client.get("/compliance/breaches.csv").status_code == 403

    def test_the_compliance_page_links_to_it(self, client_for, team):
        assert 'href="/compliance/breaches/"' in client_for(team["manager"]).get("/compliance/").content.decode()

    def test_the_csv_has_a_row_per_breach_and_no_formula(self, client_for, team, breaches):
        response = client_for(team["manager"]).get("/compliance/breaches.csv")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0][0] == "incident" and len(rows) == 3
        by_incident = {row[0]: row for row in rows[1:]}
        overdue = by_incident[str(breaches["overdue"].pk)]
        assert overdue[2].startswith("'=")  # never run as a spreadsheet formula
        assert overdue[-1] == "no (overdue)"
        assert by_incident[str(breaches["notified"].pk)][-1] == "yes"


@pytest.mark.django_db
class TestIncidentCard:
    def test_the_incident_page_shows_the_breach_card_with_its_countdown(self, client_for, team, breaches):
        body = client_for(team["oncall"]).get(f"/incidents/{breaches['overdue'].pk}/").content.decode()
        assert 'data-testid="breach-card"' in body and "data-breach-deadline=" in body
        assert "overdue by" in body and "No: overdue, not notified" in body
        assert 'data-testid="breach-notify-form"' not in body  # on-call engineers do not record it

    def test_managers_get_the_notification_form(self, client_for, team, breaches):
        body = client_for(team["manager"]).get(f"/incidents/{breaches['overdue'].pk}/").content.decode()
        assert 'data-testid="breach-notify-form"' in body

    def test_flagging_from_the_incident_page_opens_the_breach(self, client_for, team, breaches):
        incident = breaches["plain"]
        client = client_for(team["oncall"])
        assert 'data-testid="flag-link"' in client.get(f"/incidents/{incident.pk}/").content.decode()
        response = client.post(
            f"/incidents/{incident.pk}/breach/",
            {"security": "on", "personal_data_breach": "on", "categories": "names", "people_affected": "12"},
        )
        assert response.status_code == 302
        breach = Breach.objects.get(incident=incident)
        assert breach.categories == "names" and breach.people_affected == 12

    def test_a_future_awareness_is_shown_next_to_its_field(self, client_for, team, breaches):
        incident = breaches["plain"]
        future = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
        response = client_for(team["oncall"]).post(
            f"/incidents/{incident.pk}/breach/", {"personal_data_breach": "on", "aware_at": future}
        )
        assert response.status_code == 400
        assert 'data-error-for="aware_at"' in response.content.decode()
        assert not Breach.objects.filter(incident=incident).exists()

    def test_saving_the_breach_page_unchanged_keeps_awareness(self, client_for, team, breaches):
        incident = breaches["notified"]  # notified: awareness may no longer move
        client = client_for(team["oncall"])
        assert client.get(f"/incidents/{incident.pk}/breach/").status_code == 200
        aware = timezone.localtime(incident.breach.aware_at).strftime("%Y-%m-%dT%H:%M")
        response = client.post(
            f"/incidents/{incident.pk}/breach/",
            {"security": "on", "personal_data_breach": "on", "aware_at": aware, "categories": "e-mail addresses"},
        )
        assert response.status_code == 302
        breach = Breach.objects.get(incident=incident)
        assert breach.aware_at == incident.breach.aware_at and breach.categories == "e-mail addresses"

    def test_ops_staff_may_not_flag(self, client_for, team, breaches):
        assert client_for(team["ops"]).get(f"/incidents/{breaches['plain'].pk}/breach/").status_code == 403

    def test_recording_a_future_notification_is_shown_next_to_the_field(self, client_for, team, breaches):
        incident = breaches["overdue"]
        future = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        response = client_for(team["manager"]).post(
            f"/incidents/{incident.pk}/breach/notified/", {"notified_at": future, "reference": "X"}
        )
        assert response.status_code == 400
        assert 'data-error-for="notified_at"' in response.content.decode()

    def test_recording_the_notification_from_the_card(self, client_for, team, breaches):
        incident = breaches["overdue"]
        at = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        response = client_for(team["manager"]).post(
            f"/incidents/{incident.pk}/breach/notified/", {"notified_at": at, "reference": "ICO-9"}
        )
        assert response.status_code == 302
        breach = Breach.objects.get(incident=incident)
        assert breach.notification_reference == "ICO-9" and breach.deadline_met is False


@pytest.mark.django_db
class TestApi:
    def test_get_breaches_lists_the_register(self, client_for, team, breaches):
        response = client_for(team["manager"]).get("/api/v1/breaches/")
        assert response.status_code == 200
        rows = {row["incident"]: row for row in response.json()["results"]}
        assert rows[breaches["overdue"].pk]["overdue"] is True
        assert rows[breaches["overdue"].pk]["deadline_met"] is None
        assert rows[breaches["notified"].pk]["deadline_met"] is True
        assert rows[breaches["notified"].pk]["notification_reference"] == "ICO-2026-17"

    def test_on_call_engineers_are_refused_the_register(self, client_for, team, breaches):
        assert client_for(team["oncall"]).get("/api/v1/breaches/").status_code == 403

    def test_the_incident_json_carries_the_flags_and_the_due_time(self, client_for, team, breaches):
        client = client_for(team["ops"])
        data = client.get(f"/api/v1/incidents/{breaches['notified'].pk}/").json()
        assert data["security"] is True and data["personal_data_breach"] is True
        due = breaches["notified"].breach.deadline_at
        assert data["regulator_notification_due_at"].startswith(due.strftime("%Y-%m-%dT%H:%M"))
        plain = client.get(f"/api/v1/incidents/{breaches['plain'].pk}/").json()
        assert plain["regulator_notification_due_at"] is None and plain["personal_data_breach"] is False

    def test_declaring_through_the_api_starts_the_clock(self, client_for, team, severities):
        response = client_for(team["oncall"]).post(
            "/api/v1/incidents/",
            {"title": "Leaked export", "severity": "P2", "personal_data_breach": True},
            content_type="application/json",
        )
        assert response.status_code == 201
        assert response.json()["regulator_notification_due_at"] is not None

    def test_breach_notified_records_it(self, client_for, team, breaches):
        incident = breaches["overdue"]
        response = client_for(team["manager"]).post(
            f"/api/v1/incidents/{incident.pk}/breach-notified/",
            {"notified_at": timezone.now().isoformat(), "reference": "ICO-1"},
            content_type="application/json",
        )
        assert response.status_code == 200
        assert response.json()["notification_reference"] == "ICO-1"
        again = client_for(team["manager"]).post(
            f"/api/v1/incidents/{incident.pk}/breach-notified/",
            {"notified_at": timezone.now().isoformat(), "reference": "ICO-2"},
            content_type="application/json",
        )
        assert again.status_code == 409

    def test_a_future_time_is_a_400_naming_notified_at(self, client_for, team, breaches):
        response = client_for(team["manager"]).post(
            f"/api/v1/incidents/{breaches['overdue'].pk}/breach-notified/",
            {"notified_at": (timezone.now() + timedelta(hours=1)).isoformat(), "reference": "ICO-1"},
            content_type="application/json",
        )
        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == ["notified_at"]

    def test_an_incident_without_a_breach_is_404_and_on_call_is_403(self, client_for, team, breaches):
        body = {"notified_at": timezone.now().isoformat(), "reference": "ICO-1"}
        plain = f"/api/v1/incidents/{breaches['plain'].pk}/breach-notified/"
        assert client_for(team["manager"]).post(plain, body, content_type="application/json").status_code == 404
        overdue = f"/api/v1/incidents/{breaches['overdue'].pk}/breach-notified/"
        assert client_for(team["oncall"]).post(overdue, body, content_type="application/json").status_code == 403


BREACH_ROUTES = ["/compliance/breaches/", "/compliance/breaches.csv", "/api/v1/breaches/"]


@pytest.mark.django_db
class TestRoleWalk:
    """Every role × every breach route: managers and admins read the register, no one else does."""

    @pytest.mark.parametrize(
        ("persona", "allowed"),
        [
            ("outsider", False),
            ("ops_user", False),
            ("oncall_user", False),
            ("manager_user", True),
            ("admin_user", True),
        ],
    )
    def test_each_role_gets_the_register_or_a_403(self, request, client_for, breaches, persona, allowed):
        client = client_for(request.getfixturevalue(persona))
        for url in BREACH_ROUTES:
            assert client.get(url).status_code == (200 if allowed else 403), (persona, url)

    @pytest.mark.parametrize("persona", ["outsider", "ops_user", "oncall_user"])
    def test_only_managers_and_admins_record_the_notification(self, request, client_for, breaches, persona):
        client = client_for(request.getfixturevalue(persona))
        incident = breaches["overdue"]
        body = {"notified_at": timezone.now().isoformat(), "reference": "X"}
        api = client.post(f"/api/v1/incidents/{incident.pk}/breach-notified/", body, content_type="application/json")
        assert api.status_code == 403
        page = client.post(
            f"/incidents/{incident.pk}/breach/notified/", {"notified_at": "2026-01-01T00:00", "reference": "X"}
        )
        assert page.status_code == 403
        assert Breach.objects.get(incident=incident).notified_at is None
