"""A version is published only when its quality checklist is ticked by someone other than its author."""

from __future__ import annotations

import pytest

from checklists.models import RunItem
from knowledge import services
from knowledge.models import Page
from knowledge.selectors import quality_runs

STANDARDS = [
    "Technical accuracy and relevance validation",
    "Grammar, spelling, and formatting review",
    "Accessibility compliance verification",
    "User experience and usability testing",
    "Legal and compliance review",
]


@pytest.fixture
def draft(quality_template, oncall_user):
    page = services.page_create(by=oncall_user, title="Restart the workers", body="Run `make restart`.\n")
    return page.versions.get(number=1)


@pytest.mark.django_db
class TestQualityChecklistImport:
    def test_the_document_section_becomes_the_page_version_checklist(self, quality_template):
        assert quality_template.attach_to == "page_version"
        assert quality_template.owner_group.name == "Ops staff"
        assert [item.text for item in quality_template.items.order_by("position")] == STANDARDS

    def test_every_new_version_gets_a_run(self, draft):
        runs = quality_runs(draft)
        assert len(runs) == 1
        assert [item.text for item in runs[0].items.all()] == STANDARDS


@pytest.mark.django_db
class TestSelfReviewOverHtml:
    def test_the_author_cannot_tick_the_review(self, client_for, draft, oncall_user, make_user):
        from opsportal.roles import Role

        oncall_user.groups.add(*make_user("helper", Role.OPS).groups.all())  # the author is a reviewer too
        item = quality_runs(draft)[0].items.first()
        response = client_for(oncall_user).post(f"/checklists/items/{item.pk}/tick/", HTTP_HX_REQUEST="true")
        assert response.status_code == 409
        assert "must be ticked by someone else" in response.content.decode()
        assert RunItem.objects.get(pk=item.pk).done_at is None

    def test_publishing_is_refused_with_the_reason_until_reviewed(self, client_for, draft, oncall_user):
        response = client_for(oncall_user).post(f"/knowledge/{draft.page_id}/versions/1/publish/", follow=True)
        assert response.status_code == 200
        assert "cannot be published yet" in response.content.decode()
        assert Page.objects.get(pk=draft.page_id).published_version is None

    def test_a_second_person_ticks_then_the_author_publishes(self, client_for, draft, oncall_user, ops_user):
        client = client_for(ops_user)
        for item in quality_runs(draft)[0].items.all():
            assert client.post(f"/checklists/items/{item.pk}/tick/", HTTP_HX_REQUEST="true").status_code == 200
        response = client_for(oncall_user).post(f"/knowledge/{draft.page_id}/versions/1/publish/")
        assert response.status_code == 302
        assert Page.objects.get(pk=draft.page_id).published_version_id == draft.pk


@pytest.mark.django_db
class TestSelfReviewOverApi:
    def test_the_author_cannot_tick_and_publish_is_409_naming_the_version(
        self, client_for, draft, oncall_user, make_user
    ):
        from opsportal.roles import Role

        oncall_user.groups.add(*make_user("helper", Role.OPS).groups.all())
        client = client_for(oncall_user)
        item = quality_runs(draft)[0].items.first()
        tick = client.post(f"/api/v1/checklists/items/{item.pk}/tick/", {}, content_type="application/json")
        assert tick.status_code == 409
        assert "someone else" in tick.json()["error"]["message"]
        publish = client.post(
            f"/api/v1/knowledge/pages/{draft.page_id}/publish/", {"version": 1}, content_type="application/json"
        )
        assert publish.status_code == 409
        assert "version" in publish.json()["error"]["fields"]

    def test_after_review_by_another_the_api_publishes(self, client_for, draft, oncall_user, ops_user, tick_all):
        tick_all(draft, ops_user)
        response = client_for(oncall_user).post(
            f"/api/v1/knowledge/pages/{draft.page_id}/publish/", {"version": 1}, content_type="application/json"
        )
        assert response.status_code == 200, response.content
        assert response.json()["published_version"] == 1

    def test_a_tick_recorded_by_the_author_blocks_publishing(self, draft, oncall_user, ops_user, tick_all):
        tick_all(draft, ops_user)
        run = quality_runs(draft)[0]
        RunItem.objects.filter(run=run).update(done_by=oncall_user)  # e.g. a tick from before the rule
        with pytest.raises(services.NotReviewed, match="its author ticked"):
            services.version_publish(version=draft, by=ops_user)


@pytest.mark.django_db
class TestImportProcedures:
    def test_the_bundled_document_creates_the_quality_checklist_once(self):
        from checklists.models import ChecklistTemplate
        from opsportal.procedures.importer import DEFAULT_DOCUMENT, procedures_import

        procedures_import(source=DEFAULT_DOCUMENT.read_text())
        procedures_import(source=DEFAULT_DOCUMENT.read_text())
        template = ChecklistTemplate.objects.get(attach_to="page_version")
        assert template.name == "Content Quality Standards" and template.is_active
        assert [item.text for item in template.items.order_by("position")] == STANDARDS
