"""Runbooks show where the work is done: run items, incidents, changes, services; reviews become reports."""

from __future__ import annotations

import pytest
from django.utils import timezone

from checklists.models import ChecklistItem, ChecklistTemplate
from checklists.services import run_create_for_subject
from incidents.models import Service, Severity
from knowledge import services
from knowledge.models import Page, PageKind


@pytest.fixture
def severity(db):
    return Severity.objects.create(code="P1", name="High", response_minutes=60)


@pytest.mark.django_db
class TestWhereTheWorkIsDone:
    def test_a_run_item_links_its_runbook(self, client_for, published_page, ops_user):
        from django.contrib.auth.models import Group

        template = ChecklistTemplate.objects.create(
            key="t", name="Nightly", owner_group=Group.objects.get(name="Ops staff"), frequency="on_demand"
        )
        item = ChecklistItem.objects.create(template=template, text="Check replication", position=1)
        published_page.checklist_items.add(item)
        run = run_create_for_subject(template=template, subject=published_page, opens_at=timezone.now())
        content = client_for(ops_user).get(f"/checklists/runs/{run.pk}/").content.decode()
        assert f'href="/knowledge/{published_page.pk}/"' in content
        assert "Database failover" in content

    def test_an_incident_shows_its_severity_runbook(self, client_for, published_page, oncall_user, severity):
        from incidents.services import incident_declare

        published_page.severities.add(severity)
        incident = incident_declare(by=oncall_user, title="DB down", severity=severity)
        content = client_for(oncall_user).get(f"/incidents/{incident.pk}/").content.decode()
        assert "Runbooks for P1 incidents" in content and f"/knowledge/{published_page.pk}/" in content

    def test_a_change_shows_the_runbooks_of_its_type(self, client_for, published_page, oncall_user):
        from changes.services import change_create

        services.page_links_set(page=published_page, by=oncall_user, change_types=["normal"])
        change = change_create(by=oncall_user, data={"title": "Patch the proxies"})
        content = client_for(oncall_user).get(f"/changes/{change.pk}/").content.decode()
        assert "Runbooks for normal changes" in content and f"/knowledge/{published_page.pk}/" in content

    def test_the_service_page_lists_its_runbooks(self, client_for, published_page, oncall_user):
        service = Service.objects.create(name="Payments")
        services.page_update(page=published_page, by=oncall_user, service=service)
        content = client_for(oncall_user).get(f"/services/{service.pk}/").content.decode()
        assert 'data-testid="service-runbooks"' in content and "Database failover" in content

    def test_vendors_and_trained_people_show_on_the_page(self, client_for, published_page, oncall_user):
        from coordination.models import Skill, Vendor

        vendor = Vendor.objects.create(name="Crunchy", support_contact="help@crunchy.example")
        services.page_links_set(page=published_page, by=oncall_user, vendors=[vendor])
        service = Service.objects.create(name="Database")
        Skill.objects.create(user=oncall_user, service=service, runbook=published_page, trained_on=timezone.localdate())
        content = client_for(oncall_user).get(f"/knowledge/{published_page.pk}/").content.decode()
        assert "Crunchy" in content and 'data-testid="page-skills"' in content


@pytest.mark.django_db
class TestPublishAReview:
    @pytest.fixture
    def review(self, oncall_user, severity):
        from incidents.services import incident_declare, incident_transition, review_update

        incident = incident_declare(by=oncall_user, title="Checkout down", severity=severity)
        incident.services.add(Service.objects.create(name="Checkout"))
        incident_transition(incident=incident, action="acknowledge", by=oncall_user)
        incident_transition(incident=incident, action="resolve", by=oncall_user)
        incident.refresh_from_db()
        return review_update(
            review=incident.review, by=oncall_user, complete=True, summary="Cache stampede.", root_cause="TTL 0."
        )

    def test_the_review_page_publishes_it_as_an_incident_report(self, client_for, review, oncall_user):
        client = client_for(oncall_user)
        assert 'data-testid="publish-review"' in client.get(f"/incidents/{review.incident_id}/review/").content.decode()
        response = client.post(f"/knowledge/from-review/{review.incident_id}/")
        page = Page.objects.get(source_review=review)
        assert response.status_code == 302 and response["Location"] == f"/knowledge/{page.pk}/"
        assert page.kind == PageKind.INCIDENT_REPORT and page.service.name == "Checkout"
        assert "## Root cause" in page.versions.get(number=1).body
        again = client.post(f"/knowledge/from-review/{review.incident_id}/", follow=True)
        assert "in the library already" in again.content.decode()
        assert Page.objects.filter(source_review=review).count() == 1

    def test_an_open_review_cannot_be_published(self, client_for, oncall_user, severity):
        from incidents.services import incident_declare

        incident = incident_declare(by=oncall_user, title="Open", severity=severity)
        response = client_for(oncall_user).post(f"/knowledge/from-review/{incident.pk}/")
        assert response.status_code in (302, 404)
        assert not Page.objects.exists()

    def test_an_outsider_may_not_publish(self, client_for, review, outsider):
        assert client_for(outsider).post(f"/knowledge/from-review/{review.incident_id}/").status_code == 403
