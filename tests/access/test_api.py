"""The access reviews API: list, detail with lines, decide; errors name the field; 409 on a decided line."""

from __future__ import annotations

import pytest

from opsportal.roles import Role


def _api(client_for, user):
    return client_for(user)


@pytest.mark.django_db
class TestAccessReviewList:
    def test_it_lists_reviews_with_their_counts(self, client_for, review, team):
        body = client_for(team["maria"]).get("/api/v1/access-reviews/").json()
        assert body["count"] == 1
        row = body["results"][0]
        assert (row["id"], row["quarter"], row["undecided_count"]) == (review.pk, "2026-Q4", row["line_count"])

    @pytest.mark.parametrize("persona", ["olly", "otto"])
    def test_ops_and_oncall_are_refused(self, client_for, review, team, persona):
        response = client_for(team[persona]).get("/api/v1/access-reviews/")
        assert response.status_code == 403
        assert "Manager, Admin" in response.json()["error"]["message"]


@pytest.mark.django_db
class TestAccessReviewDetail:
    def test_it_carries_the_lines(self, client_for, review, team, line_of):
        body = client_for(team["ada"]).get(f"/api/v1/access-reviews/{review.pk}/").json()
        lines = {line["user"]: line for line in body["lines"]}
        assert lines["otto.oncall"]["dormant"] is True
        assert lines["olly.ops"]["roles"] == [Role.OPS.value]
        assert lines["olly.ops"]["decision"] == ""

    def test_an_unknown_review_is_404(self, client_for, team):
        assert client_for(team["ada"]).get("/api/v1/access-reviews/999999/").status_code == 404


@pytest.mark.django_db
class TestDecide:
    def url(self, review, line):
        return f"/api/v1/access-reviews/{review.pk}/lines/{line.pk}/decide/"

    def test_it_decides_a_line(self, client_for, review, team, line_of):
        response = client_for(team["maria"]).post(
            self.url(review, line_of(team["olly"])), {"decision": "keep", "reason": "On the rota"},
            content_type="application/json",
        )  # fmt: skip
        assert response.status_code == 200, response.json()
        assert (response.json()["decision"], response.json()["decided_by"]) == ("keep", "maria.manager")

    def test_a_second_decision_is_409_naming_the_field(self, client_for, review, team, line_of):
        url = self.url(review, line_of(team["olly"]))
        client_for(team["maria"]).post(url, {"decision": "keep", "reason": "ok"}, content_type="application/json")
        response = client_for(team["mark"]).post(
            url, {"decision": "revoke", "reason": "no"}, content_type="application/json"
        )
        assert response.status_code == 409
        assert "decision" in response.json()["error"]["fields"]
        assert "maria.manager" in response.json()["error"]["message"]

    def test_bad_input_names_each_field(self, client_for, review, team, line_of):
        response = client_for(team["maria"]).post(
            self.url(review, line_of(team["olly"])), {"decision": "maybe"}, content_type="application/json"
        )
        assert response.status_code == 400
        assert set(response.json()["error"]["fields"]) == {"decision", "reason"}

    def test_ones_own_line_is_refused_with_the_reason(self, client_for, review, team, line_of):
        response = client_for(team["maria"]).post(
            self.url(review, line_of(team["maria"])), {"decision": "keep", "reason": "me"},
            content_type="application/json",
        )  # fmt: skip
        assert response.status_code == 403
        assert "your own line" in response.json()["error"]["message"]

    def test_a_line_of_another_review_is_404(self, client_for, review, team, line_of):
        response = client_for(team["maria"]).post(
            f"/api/v1/access-reviews/{review.pk + 1}/lines/{line_of(team['olly']).pk}/decide/",
            {"decision": "keep", "reason": "x"}, content_type="application/json",
        )  # fmt: skip
        assert response.status_code == 404

    def test_ops_may_not_decide(self, client_for, review, team, line_of):
        response = client_for(team["olly"]).post(
            self.url(review, line_of(team["otto"])), {"decision": "revoke", "reason": "x"},
            content_type="application/json",
        )  # fmt: skip
        assert response.status_code == 403
