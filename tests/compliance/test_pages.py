"""/compliance/ and its records of processing: managers and admins only, generated from the rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from compliance.models import RetentionLog, RetentionRule


def _log_rows(count: int) -> None:
    start = datetime(2026, 6, 1, 2, 30, tzinfo=UTC)
    RetentionLog.objects.bulk_create(
        RetentionLog(kind="notifications", action="delete", days=90, cutoff=start, rows=index, started_at=start,
                     finished_at=start + timedelta(seconds=1))
        for index in range(count)
    )  # fmt: skip


@pytest.mark.django_db
class TestComplianceIndex:
    @pytest.mark.parametrize("persona", ["ops_user", "oncall_user", "outsider"])
    def test_others_are_refused_and_see_no_link(self, request, client_for, persona):
        client = client_for(request.getfixturevalue(persona))
        assert client.get("/compliance/").status_code == 403
        assert client.get("/compliance/records/").status_code == 403
        assert 'href="/compliance/"' not in client.get("/").content.decode()

    @pytest.mark.parametrize("persona", ["manager_user", "admin_user"])
    def test_managers_and_admins_see_the_log_the_rules_and_the_records(
        self, request, client_for, persona, retention_rules
    ):
        _log_rows(2)
        client = client_for(request.getfixturevalue(persona))
        response = client.get("/compliance/")
        body = response.content.decode()
        assert response.status_code == 200
        assert 'href="/compliance/"' in body  # the nav entry
        assert body.count("dry run") == 0 and 'data-testid="retention-log"' in body
        assert 'data-testid="retention-rules"' in body
        assert "Personal details on closed incidents" in body
        assert 'href="/compliance/records/"' in body

    def test_the_log_paginates_and_its_queries_do_not_grow_with_it(
        self, client_for, manager_user, django_assert_num_queries
    ):
        client = client_for(manager_user)
        _log_rows(1)
        client.get("/compliance/")  # warm the session and the user's roles
        # session, user, groups (roles), log count, log page, rules, rules again for the records table,
        # the unread-notifications badge
        with django_assert_num_queries(8):
            client.get("/compliance/")
        _log_rows(60)
        with django_assert_num_queries(8):
            body = client.get("/compliance/").content.decode()
        assert "Page 1 of 3" in body


@pytest.mark.django_db
class TestRecordsOfProcessing:
    def test_it_reads_the_periods_from_the_retention_rules(self, client_for, admin_user, retention_rules):
        RetentionRule.objects.filter(kind="closed_incidents").update(days=400)
        RetentionRule.objects.filter(kind="sessions").update(enabled=False)
        body = client_for(admin_user).get("/compliance/records/").content.decode()
        assert "400 days after closing" in body
        assert "No retention rule is enabled" in body
        assert "90 days after creation" in body
        assert "While the account exists" in body
