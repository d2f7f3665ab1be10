"""Every edit is a new version; readers see the published one while a draft waits for review."""

from __future__ import annotations

import pytest

from knowledge import services
from knowledge.models import PageVersion


@pytest.mark.django_db
class TestEditing:
    def test_an_edit_makes_a_new_version_and_keeps_the_old_one(self, published_page, oncall_user):
        version = services.page_update(page=published_page, by=oncall_user, body="New text.\n", summary="Shorter.")
        assert version is not None and version.number == 2
        assert PageVersion.objects.get(page=published_page, number=1).body.startswith("## Steps")
        assert version.published_at is None

    def test_settings_alone_make_no_version(self, published_page, oncall_user):
        assert services.page_update(page=published_page, by=oncall_user, tags=["db", "failover"]) is None
        published_page.refresh_from_db()
        assert published_page.tags == ["db", "failover"]
        assert published_page.versions.count() == 1

    def test_bad_input_names_the_field(self, published_page, oncall_user):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError) as error:
            services.page_update(page=published_page, by=oncall_user, tags=["Not a tag!"])
        assert "tags" in error.value.message_dict


@pytest.mark.django_db
class TestWhoSeesWhat:
    def test_readers_see_the_published_version_while_a_draft_waits(
        self, client_for, published_page, oncall_user, make_user
    ):
        from opsportal.roles import Role

        services.page_update(page=published_page, by=oncall_user, body="Secret draft words.\n")
        reader = make_user("rita.reader", Role.ONCALL)
        client = client_for(reader)
        page = client.get(f"/knowledge/{published_page.pk}/").content.decode()
        assert "Promote the replica" in page and "Secret draft words" not in page
        assert client.get(f"/knowledge/{published_page.pk}/versions/2/").status_code == 404
        api = client.get(f"/api/v1/knowledge/pages/{published_page.pk}/").json()
        assert api["shown_version"] == 1 and api["draft_version"] is None
        numbers = [
            v["number"] for v in client.get(f"/api/v1/knowledge/pages/{published_page.pk}/versions/").json()["results"]
        ]
        assert numbers == [1]

    def test_the_author_and_reviewers_see_the_draft(self, client_for, published_page, oncall_user, ops_user):
        services.page_update(page=published_page, by=oncall_user, body="Secret draft words.\n")
        for user in (oncall_user, ops_user):
            client = client_for(user)
            assert "Secret draft words" in client.get(f"/knowledge/{published_page.pk}/versions/2/").content.decode()
            assert client.get(f"/api/v1/knowledge/pages/{published_page.pk}/").json()["draft_version"] == 2

    def test_the_diff_page_shows_added_and_removed_lines(self, client_for, published_page, oncall_user):
        services.page_update(
            page=published_page, by=oncall_user, body="## Steps\n\n1. Promote the replica.\n2. Repoint PgBouncer.\n"
        )
        content = client_for(oncall_user).get(f"/knowledge/{published_page.pk}/diff/?from=1&to=2").content.decode()
        assert "diff-line diff-remove" in content and "Repoint the pgbouncer pool." in content
        assert "diff-line diff-add" in content and "Repoint PgBouncer." in content

    def test_an_outsider_sees_nothing(self, client_for, published_page, outsider):
        client = client_for(outsider)
        assert client.get("/knowledge/").status_code == 403
        assert client.get(f"/knowledge/{published_page.pk}/").status_code == 403
        assert client.get("/api/v1/knowledge/pages/").status_code == 403
