"""Full-text search: PostgreSQL ranks published pages by title, tags and body; drafts are never found."""

from __future__ import annotations

import pytest

from knowledge import services


@pytest.fixture
def library(quality_template, oncall_user, ops_user, tick_all):
    def publish(title, body, tags=()):
        page = services.page_create(by=oncall_user, title=title, body=body, tags=list(tags))
        version = page.versions.get(number=1)
        tick_all(version, ops_user)
        services.version_publish(version=version, by=oncall_user)
        return page

    return {
        "body": publish("Queue maintenance", "Drain the queue, then compact the replication slots.\n"),
        "title": publish("Replication lag", "Check the lag graph; replication lag over a minute pages on-call.\n"),
        "other": publish("Cache flush", "Flush the cart cache.\n"),
    }


@pytest.mark.postgres
@pytest.mark.django_db
class TestSearchOnPostgres:
    def test_a_word_in_the_body_finds_the_page(self, client_for, library, oncall_user):
        response = client_for(oncall_user).get("/api/v1/knowledge/search/", {"q": "compact"})
        assert response.status_code == 200
        assert [row["id"] for row in response.json()["results"]] == [library["body"].pk]
        assert response.json()["results"][0]["rank"] > 0

    def test_results_are_ranked_title_matches_first(self, client_for, library, oncall_user):
        content = client_for(oncall_user).get("/knowledge/search/", {"q": "replication"}).content.decode()
        assert content.index("Replication lag") < content.index("Queue maintenance")
        rows = client_for(oncall_user).get("/api/v1/knowledge/search/", {"q": "replication"}).json()["results"]
        assert [row["id"] for row in rows] == [library["title"].pk, library["body"].pk]
        assert rows[0]["rank"] > rows[1]["rank"]

    def test_stemming_finds_other_forms_of_a_word(self, client_for, library, oncall_user):
        rows = client_for(oncall_user).get("/api/v1/knowledge/search/", {"q": "flushing"}).json()["results"]
        assert [row["id"] for row in rows] == [library["other"].pk]

    def test_draft_text_is_not_searchable(self, client_for, library, oncall_user):
        services.page_update(page=library["other"], by=oncall_user, body="Zebra crossing.\n")
        rows = client_for(oncall_user).get("/api/v1/knowledge/search/", {"q": "zebra"}).json()["results"]
        assert rows == []

    def test_the_query_uses_the_gin_index(self, library):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'knowledge_page_search_idx'")
            assert "USING gin" in cursor.fetchone()[0]


@pytest.mark.django_db
class TestSearchInput:
    def test_the_api_names_the_missing_query(self, client_for, oncall_user):
        response = client_for(oncall_user).get("/api/v1/knowledge/search/")
        assert response.status_code == 400
        assert "q" in response.json()["error"]["fields"]

    def test_the_page_without_a_query_shows_the_form(self, client_for, oncall_user):
        assert client_for(oncall_user).get("/knowledge/search/").status_code == 200
