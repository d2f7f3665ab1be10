"""The knowledge API: pages (create, read, PATCH makes a version), versions, search; roles and errors."""

from __future__ import annotations

import pytest

from knowledge.models import Page


@pytest.mark.django_db
class TestPagesApi:
    def test_every_role_reads_and_writes(self, client_for, ops_user, oncall_user, manager_user, admin_user):
        for index, user in enumerate((ops_user, oncall_user, manager_user, admin_user)):
            client = client_for(user)
            created = client.post(
                "/api/v1/knowledge/pages/",
                {"title": f"Runbook {index}", "body": "Steps.", "tags": ["ops"]},
                content_type="application/json",
            )
            assert created.status_code == 201, created.content
            assert client.get("/api/v1/knowledge/pages/").status_code == 200

    def test_create_then_patch_makes_a_version(self, client_for, oncall_user):
        client = client_for(oncall_user)
        page = client.post(
            "/api/v1/knowledge/pages/", {"title": "Restart", "body": "One."}, content_type="application/json"
        ).json()
        assert page["draft_version"] == 1 and page["published_version"] is None
        patched = client.patch(
            f"/api/v1/knowledge/pages/{page['id']}/",
            {"body": "Two.", "summary": "More"},
            content_type="application/json",
        )
        assert patched.status_code == 200
        assert patched.json()["draft_version"] == 2
        versions = client.get(f"/api/v1/knowledge/pages/{page['id']}/versions/").json()
        assert versions["count"] == 2 and [row["number"] for row in versions["results"]] == [2, 1]
        assert versions["results"][1]["body"] == "One."

    def test_a_patch_of_settings_alone_makes_no_version(self, client_for, oncall_user):
        client = client_for(oncall_user)
        page = client.post(
            "/api/v1/knowledge/pages/", {"title": "Restart", "body": "One."}, content_type="application/json"
        ).json()
        client.patch(
            f"/api/v1/knowledge/pages/{page['id']}/", {"review_interval_days": 7}, content_type="application/json"
        )
        assert Page.objects.get(pk=page["id"]).versions.count() == 1

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"body": "x"}, "title"),
            ({"title": "x"}, "body"),
            ({"title": "x", "body": "y", "tags": ["Bad Tag!"]}, "tags"),
            ({"title": "x", "body": "y", "review_interval_days": 0}, "review_interval_days"),
            ({"title": "x", "body": "y", "service": 999999}, "service"),
            ({"title": "x", "body": "y", "kind": "novel"}, "kind"),
        ],
    )
    def test_bad_input_is_a_400_naming_the_field(self, client_for, oncall_user, body, field):
        response = client_for(oncall_user).post("/api/v1/knowledge/pages/", body, content_type="application/json")
        assert response.status_code == 400
        assert field in response.json()["error"]["fields"]

    def test_an_outsider_is_refused(self, client_for, outsider):
        client = client_for(outsider)
        assert client.get("/api/v1/knowledge/pages/").status_code == 403
        assert client.get("/api/v1/knowledge/search/?q=x").status_code == 403
        denied = client.post("/api/v1/knowledge/pages/", {"title": "x", "body": "y"}, content_type="application/json")
        assert denied.status_code == 403

    def test_the_list_is_paginated(self, client_for, published_page, oncall_user):
        body = client_for(oncall_user).get("/api/v1/knowledge/pages/").json()
        assert body["count"] == 1 and body["results"][0]["title"] == "Database failover"
