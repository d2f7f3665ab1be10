"""The incidents API at /api/v1/incidents/."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from incidents.models import BusinessCalendar, Holiday, Incident, Service, TimelineEntry
from incidents.services import incident_acknowledge, incident_declare, incident_resolve

FRIDAY = "2026-11-27T16:30:00+00:00"  # 16:30 in Europe/London (GMT in November)
NOW = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)


def declare(client, **data):
    return client.post("/api/v1/incidents/", data, content_type="application/json")


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
class TestIncidentCreate:
    def test_a_p2_on_friday_afternoon_is_due_monday_1230(self, client_for, oncall_user, severities, london):
        response = declare(client_for(oncall_user), title="Search slow", severity="P2", detected_at=FRIDAY)
        assert response.status_code == 201, response.json()
        assert response.json()["response_due_at"] == "2026-11-30T12:30:00Z"

    def test_a_p1_at_the_same_moment_is_due_1730_that_friday(self, client_for, oncall_user, severities, london):
        response = declare(client_for(oncall_user), title="API errors", severity="P1", detected_at=FRIDAY)
        assert response.json()["response_due_at"] == "2026-11-27T17:30:00Z"

    def test_a_monday_holiday_moves_the_p2_to_tuesday(self, client_for, oncall_user, severities, london):
        calendar = BusinessCalendar.objects.create(name="UK", time_zone="Europe/London")
        Holiday.objects.create(calendar=calendar, date=date(2026, 11, 30), name="St Andrew's Day (observed)")
        response = declare(client_for(oncall_user), title="Search slow", severity="P2", detected_at=FRIDAY)
        assert response.json()["response_due_at"] == "2026-12-01T12:30:00Z"

    def test_ops_staff_may_declare_with_two_fields(self, client_for, ops_user, severities):
        response = declare(client_for(ops_user), title="Disk full", severity="P3")
        body = response.json()
        assert response.status_code == 201
        assert (body["status"], body["detected_at"], body["acknowledged_at"]) == (
            "declared",
            "2026-11-27T17:00:00Z",
            None,
        )

    def test_an_unknown_severity_is_named(self, client_for, oncall_user, severities):
        response = declare(client_for(oncall_user), title="x", severity="P9")
        assert response.status_code == 400
        error = response.json()["error"]
        assert "severity" in error["fields"]
        assert "P9" in error["fields"]["severity"][0]
        assert not Incident.objects.exists()

    def test_a_future_detection_time_is_named(self, client_for, oncall_user, severities):
        response = declare(client_for(oncall_user), title="x", severity="P1", detected_at="2026-11-27T18:00:00Z")
        assert response.status_code == 400
        assert response.json()["error"]["fields"]["detected_at"] == ["The detection time cannot be in the future."]
        assert not Incident.objects.exists() and not TimelineEntry.objects.exists()

    def test_services_and_from_item_are_kept(self, client_for, oncall_user, severities):
        from tests.incidents.test_views import flagged_item

        Service.objects.create(name="Payments")
        item = flagged_item()
        response = declare(
            client_for(oncall_user), title="x", severity="P0", services=["Payments"], from_item=item.pk,
            users_affected=300,
        )  # fmt: skip
        assert (response.json()["services"], response.json()["from_item"], response.json()["users_affected"]) == (
            ["Payments"],
            item.pk,
            300,
        )

    def test_an_outsider_is_refused(self, client_for, outsider, severities):
        assert declare(client_for(outsider), title="x", severity="P1").status_code == 403


@pytest.mark.django_db
class TestIncidentList:
    def test_it_filters_by_severity_status_and_assignee(self, client_for, oncall_user, manager_user, severities):
        incident_declare(by=oncall_user, title="a", severity=severities["P1"], assignee=manager_user)
        incident_declare(by=oncall_user, title="b", severity=severities["P2"])
        acked = incident_declare(by=oncall_user, title="c", severity=severities["P1"])
        incident_acknowledge(incident=acked, by=oncall_user)
        client = client_for(oncall_user)

        def titles(query):
            return sorted(row["title"] for row in client.get(f"/api/v1/incidents/?{query}").json()["results"])

        assert titles("severity=P1") == ["a", "c"]
        assert titles("status=declared") == ["a", "b"]
        assert titles(f"assignee={manager_user.username}") == ["a"]
        assert titles(f"assignee={manager_user.pk}&severity=P2") == []

    def test_the_query_count_does_not_grow(self, client_for, oncall_user, severities, django_assert_max_num_queries):
        for number in range(12):
            incident_declare(by=oncall_user, title=f"i{number}", severity=severities["P3"])
        client = client_for(oncall_user)
        # session, user, groups, count, page, services prefetch
        with django_assert_max_num_queries(8):
            assert client.get("/api/v1/incidents/").json()["count"] == 12


@pytest.mark.django_db
class TestAcknowledgeAndResolve:
    def test_acknowledge_then_a_second_acknowledge_is_409_naming_the_first(self, client_for, make_user, severities):
        from opsportal.roles import Role

        first, second = make_user("ann", Role.ONCALL), make_user("bob", Role.ONCALL)
        incident = incident_declare(by=first, title="x", severity=severities["P1"])
        response = client_for(first).post(f"/api/v1/incidents/{incident.pk}/acknowledge/")
        assert response.status_code == 200
        assert response.json()["acknowledged_by"] == "ann"
        response = client_for(second).post(f"/api/v1/incidents/{incident.pk}/acknowledge/")
        assert response.status_code == 409
        assert response.json()["error"]["message"].startswith("Already acknowledged by ann at ")

    def test_ops_staff_may_not_acknowledge(self, client_for, ops_user, severities):
        incident = incident_declare(by=ops_user, title="x", severity=severities["P1"])
        assert client_for(ops_user).post(f"/api/v1/incidents/{incident.pk}/acknowledge/").status_code == 403

    def test_resolve_records_resolved_at(self, client_for, oncall_user, severities):
        incident = incident_declare(by=oncall_user, title="x", severity=severities["P1"])
        incident_acknowledge(incident=incident, by=oncall_user)
        response = client_for(oncall_user).post(
            f"/api/v1/incidents/{incident.pk}/resolve/", {"note": "fixed"}, content_type="application/json"
        )
        assert response.status_code == 200
        assert response.json()["status"] == "resolved" and response.json()["resolved_at"]

    def test_resolving_a_closed_incident_is_a_conflict(self, client_for, oncall_user, severities):
        incident = incident_declare(by=oncall_user, title="x", severity=severities["P1"])
        Incident.objects.filter(pk=incident.pk).update(status="closed")
        response = client_for(oncall_user).post(f"/api/v1/incidents/{incident.pk}/resolve/")
        assert response.status_code == 409
        assert response.json()["error"]["message"] == "Cannot resolve an incident that is closed."


@pytest.mark.django_db
class TestTimeline:
    def test_list_and_add_a_note(self, client_for, oncall_user, ops_user, severities):
        incident = incident_declare(by=oncall_user, title="x", severity=severities["P1"])
        client = client_for(oncall_user)
        response = client.post(
            f"/api/v1/incidents/{incident.pk}/timeline/", {"text": "Restarted pods"}, content_type="application/json"
        )
        assert response.status_code == 201
        kinds = [row["kind"] for row in client.get(f"/api/v1/incidents/{incident.pk}/timeline/").json()["results"]]
        assert kinds == ["declared", "note"]

    def test_a_blank_note_names_text(self, client_for, oncall_user, severities):
        incident = incident_declare(by=oncall_user, title="x", severity=severities["P1"])
        response = client_for(oncall_user).post(
            f"/api/v1/incidents/{incident.pk}/timeline/", {"text": ""}, content_type="application/json"
        )
        assert response.status_code == 400 and "text" in response.json()["error"]["fields"]

    def test_ops_staff_may_read_but_not_write(self, client_for, oncall_user, ops_user, severities):
        incident = incident_declare(by=oncall_user, title="x", severity=severities["P1"])
        client = client_for(ops_user)
        assert client.get(f"/api/v1/incidents/{incident.pk}/timeline/").status_code == 200
        assert (
            client.post(
                f"/api/v1/incidents/{incident.pk}/timeline/", {"text": "hi"}, content_type="application/json"
            ).status_code
            == 403
        )

    def test_entries_cannot_be_edited_or_deleted(self, client_for, oncall_user, severities):
        incident = incident_declare(by=oncall_user, title="x", severity=severities["P1"])
        entry = incident.timeline.get()
        client = client_for(oncall_user)
        assert (
            client.put(
                f"/api/v1/incidents/{incident.pk}/timeline/", {"text": "x"}, content_type="application/json"
            ).status_code
            == 405
        )
        assert client.delete(f"/api/v1/incidents/{incident.pk}/").status_code == 405
        assert TimelineEntry.objects.get(pk=entry.pk).text == entry.text


@pytest.mark.django_db
class TestReview:
    def test_write_and_complete_the_review(self, client_for, oncall_user, ops_user, severities):
        incident = incident_declare(by=oncall_user, title="x", severity=severities["P1"])
        incident_acknowledge(incident=incident, by=oncall_user)
        incident_resolve(incident=incident, by=oncall_user)
        url = f"/api/v1/incidents/{incident.pk}/review/"
        response = client_for(oncall_user).patch(
            url, {"summary": "s", "root_cause": "r", "complete": True}, content_type="application/json"
        )
        assert response.status_code == 200 and response.json()["completed_by"] == "oscar.oncall"
        assert Incident.objects.get(pk=incident.pk).status == "reviewed"
        reader = client_for(ops_user)
        assert reader.get(url).json()["root_cause"] == "r"

    def test_a_reviewer_without_the_role_is_refused(self, client_for, oncall_user, ops_user, severities):
        incident = incident_declare(by=oncall_user, title="x", severity=severities["P1"])
        incident_acknowledge(incident=incident, by=oncall_user)
        incident_resolve(incident=incident, by=oncall_user)
        response = client_for(ops_user).patch(
            f"/api/v1/incidents/{incident.pk}/review/", {"summary": "s"}, content_type="application/json"
        )
        assert response.status_code == 403
        assert incident.review.summary == ""

    def test_completing_without_a_root_cause_names_it(self, client_for, oncall_user, severities):
        incident = incident_declare(
            by=oncall_user, title="x", severity=severities["P1"], now=datetime.now(UTC) - timedelta(hours=1)
        )
        incident_acknowledge(incident=incident, by=oncall_user)
        incident_resolve(incident=incident, by=oncall_user)
        response = client_for(oncall_user).patch(
            f"/api/v1/incidents/{incident.pk}/review/",
            {"summary": "s", "complete": True},
            content_type="application/json",
        )
        assert response.status_code == 400 and "root_cause" in response.json()["error"]["fields"]
