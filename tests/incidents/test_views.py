"""The incidents pages: list, declare, detail actions, review, at-risk board and Today."""

from datetime import UTC, datetime, timedelta

import pytest

from checklists.models import RunItem
from incidents.models import ActionItem, Incident, IncidentStatus, Service
from incidents.services import incident_acknowledge, incident_declare, incident_resolve


def flagged_item() -> RunItem:
    """Return an item of an on-demand checklist run, flagged "problem found"."""
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from checklists.models import ChecklistItem, ChecklistTemplate
    from checklists.services import run_create_for_subject

    group = Group.objects.get_or_create(name="Ops staff")[0]
    template = ChecklistTemplate.objects.create(key="adhoc", name="Ad hoc", owner_group=group, frequency="on_demand")
    ChecklistItem.objects.create(template=template, position=1, text="Check backups")
    run = run_create_for_subject(template=template, subject=group, opens_at=timezone.now())
    item = run.items.get()
    RunItem.objects.filter(pk=item.pk).update(problem=True, problem_note="Backup job failed")
    item.refresh_from_db()
    return item


@pytest.mark.django_db
class TestIndex:
    def test_every_role_may_view_and_filter(self, client_for, ops_user, oncall_user, severities):
        incident_declare(by=oncall_user, title="Payments down", severity=severities["P0"])
        incident_declare(by=oncall_user, title="Typo on page", severity=severities["P3"])
        response = client_for(ops_user).get("/incidents/?severity=P0")
        assert response.status_code == 200
        assert b"Payments down" in response.content and b"Typo on page" not in response.content
        assert b"data-due=" in response.content

    def test_filter_by_service(self, client_for, oncall_user, severities):
        payments = Service.objects.create(name="Payments")
        incident_declare(by=oncall_user, title="With service", severity=severities["P1"], services=[payments])
        incident_declare(by=oncall_user, title="Without", severity=severities["P1"])
        content = client_for(oncall_user).get(f"/incidents/?service={payments.pk}").content
        assert b"With service" in content and b"Without" not in content

    def test_an_outsider_is_refused(self, client_for, outsider):
        assert client_for(outsider).get("/incidents/").status_code == 403

    def test_the_query_count_does_not_grow(self, client_for, oncall_user, severities, django_assert_max_num_queries):
        for number in range(30):
            incident_declare(by=oncall_user, title=f"i{number}", severity=severities["P1"])
        client = client_for(oncall_user)
        client.get("/incidents/")
        # session, user, groups, severities, responders, services (filter form), count, the page's keys,
        # the page's rows by key, prefetch services, the unread-notifications badge
        with django_assert_max_num_queries(14):
            response = client.get("/incidents/?page=2")
        assert b"Page 2 of 2" in response.content


@pytest.mark.django_db
class TestDeclare:
    def test_the_form_needs_only_title_and_severity(self, client_for, ops_user, severities):
        item = flagged_item()
        client = client_for(ops_user)
        assert client.get(f"/incidents/declare/?from_item={item.pk}").status_code == 200
        response = client.post("/incidents/declare/", {"title": "Site down", "severity": "P0", "from_item": item.pk})
        incident = Incident.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/incidents/{incident.pk}/"
        assert (incident.severity.code, incident.from_item, incident.declared_by) == ("P0", item, ops_user)

    def test_it_passes_from_item_through_as_a_hidden_field(self, client_for, ops_user, severities):
        item = flagged_item()
        content = client_for(ops_user).get(f"/incidents/declare/?from_item={item.pk}").content.decode()
        assert f'type="hidden" name="from_item" value="{item.pk}"' in content

    def test_a_future_detection_time_shows_next_to_the_field(self, client_for, ops_user, severities):
        future = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        response = client_for(ops_user).post(
            "/incidents/declare/", {"title": "x", "severity": "P1", "detected_at": future}
        )
        assert response.status_code == 400
        assert b'data-error-for="detected_at"' in response.content
        assert not Incident.objects.exists()

    def test_missing_fields_are_named(self, client_for, ops_user, severities):
        response = client_for(ops_user).post("/incidents/declare/", {"title": "", "severity": "P9"})
        assert response.status_code == 400
        assert response.context["form"].errors.keys() == {"title", "severity"}

    def test_an_outsider_may_not_declare(self, client_for, outsider, severities):
        assert client_for(outsider).get("/incidents/declare/").status_code == 403


@pytest.mark.django_db
class TestDetail:
    def test_acknowledge_and_resolve_buttons(self, client_for, oncall_user, severities):
        incident = incident_declare(by=oncall_user, title="x", severity=severities["P1"])
        client = client_for(oncall_user)
        assert b"Acknowledge" in client.get(f"/incidents/{incident.pk}/").content
        assert client.post(f"/incidents/{incident.pk}/transition/acknowledge/").status_code == 302
        assert client.post(f"/incidents/{incident.pk}/transition/resolve/").status_code == 302
        assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.RESOLVED

    def test_a_second_acknowledge_shows_who_was_first(self, client_for, oncall_user, manager_user, severities):
        incident = incident_declare(by=oncall_user, title="x", severity=severities["P1"])
        incident_acknowledge(incident=incident, by=manager_user)
        response = client_for(oncall_user).post(f"/incidents/{incident.pk}/transition/acknowledge/", follow=True)
        assert b"Already acknowledged by maria.manager" in response.content

    def test_ops_staff_see_no_buttons_and_are_refused(self, client_for, ops_user, severities):
        incident = incident_declare(by=ops_user, title="x", severity=severities["P1"])
        client = client_for(ops_user)
        assert b"/transition/acknowledge/" not in client.get(f"/incidents/{incident.pk}/").content
        assert client.post(f"/incidents/{incident.pk}/transition/acknowledge/").status_code == 403

    def test_notes_severity_and_assignment(self, client_for, oncall_user, manager_user, severities):
        incident = incident_declare(by=oncall_user, title="x", severity=severities["P1"])
        client = client_for(oncall_user)
        client.post(f"/incidents/{incident.pk}/note/", {"text": "Looking", "kind": "note"})
        client.post(f"/incidents/{incident.pk}/severity/", {"severity": "P0"})
        client.post(f"/incidents/{incident.pk}/assign/", {"assignee": manager_user.pk})
        assert list(incident.timeline.values_list("kind", flat=True)) == ["declared", "note", "severity", "assignment"]
        assert client.post(f"/incidents/{incident.pk}/note/", {"text": "", "kind": "note"}).status_code == 400


@pytest.mark.django_db
class TestReviewPage:
    def test_responders_write_and_everyone_reads(self, client_for, oncall_user, ops_user, severities):
        incident = incident_declare(by=oncall_user, title="x", severity=severities["P1"])
        incident_acknowledge(incident=incident, by=oncall_user)
        incident_resolve(incident=incident, by=oncall_user)
        client = client_for(oncall_user)
        response = client.post(
            f"/incidents/{incident.pk}/review/", {"summary": "S", "root_cause": "Bad deploy", "complete": "on"}
        )
        assert response.status_code == 302
        client.post(
            f"/incidents/{incident.pk}/review/action-items/",
            {"description": "Canary deploys", "owner": oncall_user.pk, "due_date": "2026-12-15"},
        )
        item = ActionItem.objects.get()
        client.post(f"/incidents/{incident.pk}/review/action-items/{item.pk}/done/", {"done": "1"})
        assert ActionItem.objects.get().done
        assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.REVIEWED
        reader = client_for(ops_user)
        assert b"Bad deploy" in reader.get(f"/incidents/{incident.pk}/review/").content
        assert reader.post(f"/incidents/{incident.pk}/review/", {"summary": "no"}).status_code == 403

    def test_completing_without_root_cause_names_it(self, client_for, oncall_user, severities):
        incident = incident_declare(by=oncall_user, title="x", severity=severities["P1"])
        incident_acknowledge(incident=incident, by=oncall_user)
        incident_resolve(incident=incident, by=oncall_user)
        response = client_for(oncall_user).post(f"/incidents/{incident.pk}/review/", {"summary": "S", "complete": "on"})
        assert response.status_code == 400
        assert "root_cause" in response.context["form"].errors


@pytest.mark.django_db
class TestAtRiskAndToday:
    def test_the_board_shows_breached_and_nearly_due_only(self, client_for, ops_user, severities):
        now = datetime.now(UTC)
        incident_declare(
            by=ops_user, title="Breached one", severity=severities["P1"], detected_at=now - timedelta(hours=2)
        )
        incident_declare(by=ops_user, title="Nearly due", severity=severities["P0"])
        incident_declare(by=ops_user, title="Plenty of time", severity=severities["P3"])
        content = client_for(ops_user).get("/incidents/at-risk/").content
        assert b"Breached one" in content and b"Nearly due" in content and b"Plenty of time" not in content

    def test_today_lists_incidents_needing_the_user(self, client_for, oncall_user, severities):
        incident_declare(by=oncall_user, title="Unassigned and new", severity=severities["P3"])
        content = client_for(oncall_user).get("/").content
        assert b"Unassigned and new" in content and b"Needing you" in content
