"""The access review pages (decide with htmx), the training page and who may open them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access.models import TrainingRecord
from opsportal import clock
from opsportal.roles import Role

PAGES = ["/compliance/access-reviews/", "/compliance/training/"]


@pytest.mark.django_db
class TestWhoMayOpen:
    @pytest.mark.parametrize("url", PAGES)
    @pytest.mark.parametrize("persona", ["ops_user", "oncall_user", "outsider"])
    def test_ops_oncall_and_outsiders_are_refused(self, client_for, request, persona, url):
        assert client_for(request.getfixturevalue(persona)).get(url).status_code == 403

    @pytest.mark.parametrize("url", PAGES)
    def test_managers_and_admins_open_them(self, client_for, manager_user, admin_user, url):
        assert client_for(manager_user).get(url).status_code == 200
        assert client_for(admin_user).get(url).status_code == 200

    def test_the_compliance_index_links_them(self, client_for, manager_user):
        body = client_for(manager_user).get("/compliance/").content.decode()
        assert 'href="/compliance/access-reviews/"' in body
        assert 'href="/compliance/training/"' in body


@pytest.mark.django_db
class TestReviewPage:
    def test_it_lists_the_lines_and_offers_no_form_on_ones_own(self, client_for, review, team, line_of):
        body = client_for(team["maria"]).get(f"/compliance/access-reviews/{review.pk}/").content.decode()
        assert "otto.oncall" in body
        assert "dormant" in body
        own = line_of(team["maria"])
        assert f"/lines/{own.pk}/decide/" not in body
        assert "your own line" in body
        assert f"/lines/{line_of(team['olly']).pk}/decide/" in body

    def test_an_htmx_decision_returns_the_decided_line(self, client_for, review, team, line_of):
        line = line_of(team["olly"])
        response = client_for(team["maria"]).post(
            f"/compliance/access-reviews/{review.pk}/lines/{line.pk}/decide/",
            {"decision": "keep", "reason": "On the rota"}, HTTP_HX_REQUEST="true",
        )  # fmt: skip
        assert response.status_code == 200
        body = response.content.decode()
        assert f'id="line-{line.pk}"' in body and "Keep" in body and "On the rota" in body
        assert "<form" not in body
        assert 'id="review-status" hx-swap-oob="true"' in body  # the undecided count, updated in place

    def test_a_missing_reason_is_shown_next_to_the_field(self, client_for, review, team, line_of):
        line = line_of(team["olly"])
        response = client_for(team["maria"]).post(
            f"/compliance/access-reviews/{review.pk}/lines/{line.pk}/decide/", {"decision": "keep"},
            HTTP_HX_REQUEST="true",
        )  # fmt: skip
        assert response.status_code == 400
        assert "invalid-feedback" in response.content.decode()
        line.refresh_from_db()
        assert line.decision == ""

    def test_a_line_someone_else_decided_comes_back_with_the_reason(self, client_for, review, team, line_of):
        line = line_of(team["olly"])
        url = f"/compliance/access-reviews/{review.pk}/lines/{line.pk}/decide/"
        client_for(team["mark"]).post(url, {"decision": "keep", "reason": "ok"})
        response = client_for(team["maria"]).post(url, {"decision": "revoke", "reason": "x"}, HTTP_HX_REQUEST="true")
        assert response.status_code == 409
        assert "already decided" in response.content.decode()
        assert "mark.manager" in response.content.decode()

    def test_a_plain_post_redirects_to_the_review(self, client_for, review, team, line_of):
        line = line_of(team["olly"])
        response = client_for(team["maria"]).post(
            f"/compliance/access-reviews/{review.pk}/lines/{line.pk}/decide/", {"decision": "keep", "reason": "ok"}
        )
        assert response.status_code == 302
        assert response["Location"] == f"/compliance/access-reviews/{review.pk}/"

    def test_ones_own_line_is_refused_on_the_page_too(self, client_for, review, team, line_of):
        own = line_of(team["maria"])
        response = client_for(team["maria"]).post(
            f"/compliance/access-reviews/{review.pk}/lines/{own.pk}/decide/", {"decision": "keep", "reason": "me"}
        )
        assert response.status_code == 403


@pytest.mark.django_db
class TestQueryBudgets:
    def _queries(self, client, url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    def test_the_review_list_and_page_and_the_audit_do_not_grow_with_the_users(self, client_for, make_user, team):
        from access.services import access_review_open

        client = client_for(team["ada"])
        urls = ["/compliance/access-reviews/", "/compliance/access/audit.csv", "/compliance/training/"]
        review = access_review_open()[0]
        before = [self._queries(client, url) for url in [*urls, f"/compliance/access-reviews/{review.pk}/"]]
        for number in range(12):
            make_user(f"extra{number}", Role.OPS, Role.ONCALL)
        review.lines.all().delete()
        review.delete()
        review = access_review_open()[0]
        # Per page a fixed set (session, user, roles, then the reviews with counts, the review's lines with their
        # users and deciders, the memberships and grants of the audit): the same with 12 more users.
        assert [self._queries(client, url) for url in [*urls, f"/compliance/access-reviews/{review.pk}/"]] == before


@pytest.mark.django_db
class TestTrainingPage:
    @time_machine.travel("2026-11-30 12:00 +00:00", tick=False)
    def test_a_manager_records_training_and_sees_its_status(self, client_for, manager_user, ops_user):
        client = client_for(manager_user)
        today = clock.local_today()
        response = client.post("/compliance/training/", {
            "person": ops_user.pk, "topic": "Security awareness", "completed_on": today - timedelta(days=340),
            "expires_on": today + timedelta(days=25),
        })  # fmt: skip
        assert response.status_code == 302
        record = TrainingRecord.objects.get()
        assert (record.person, record.recorded_by) == (ops_user, manager_user)
        body = client.get("/compliance/training/").content.decode()
        assert "Expiring in 25 days" in body
        csv_body = client.get("/compliance/training/", {"format": "csv"}).content.decode()
        assert csv_body.splitlines()[0] == "person,topic,completed_on,expires_on,status,days_left"
        assert ",expiring,25" in csv_body

    @time_machine.travel("2026-11-30 12:00 +00:00", tick=False)
    def test_impossible_dates_are_named_next_to_the_field(self, client_for, manager_user, ops_user):
        response = client_for(manager_user).post("/compliance/training/", {
            "person": ops_user.pk, "topic": "Security awareness", "completed_on": "2026-12-05",
            "expires_on": "2026-12-01",
        })  # fmt: skip
        assert response.status_code == 400
        errors = response.context["form"].errors
        assert set(errors) == {"completed_on", "expires_on"}
        assert not TrainingRecord.objects.exists()

    def test_the_status_filter_and_hostile_query_strings_never_fail(self, client_for, admin_user, ops_user):
        TrainingRecord.objects.create(person=ops_user, topic="Phishing", completed_on=date(2020, 1, 1),
                                      expires_on=date(2021, 1, 1), recorded_at=clock.now())  # fmt: skip
        client = client_for(admin_user)
        assert "Phishing" in client.get("/compliance/training/", {"status": "expired"}).content.decode()
        assert "Phishing" not in client.get("/compliance/training/", {"status": "current"}).content.decode()
        assert client.get("/compliance/training/", {"status": "\x00", "format": "x" * 300}).status_code == 200
        assert client.get("/compliance/access-reviews/", {"page": "99999999999999999999"}).status_code == 200


@pytest.mark.django_db
class TestDemoSeeder:
    def test_it_opens_the_review_and_records_training_once(self, manager_user, ops_user):
        from access.demo import seed
        from access.models import AccessReview
        from opsportal.demo import DemoContext, seeders

        assert "access" in dict(seeders())
        context = DemoContext(users={Role.MANAGER: manager_user, Role.OPS: ops_user}, now=clock.now())
        seed(context)
        assert (AccessReview.objects.count(), TrainingRecord.objects.count()) == (1, 2)
        assert "training already present" in seed(context)
        assert (AccessReview.objects.count(), TrainingRecord.objects.count()) == (1, 2)
