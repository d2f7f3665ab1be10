"""Query counts are constant in the data size: each page and API list/detail issues the same
number of queries with a little data and with five times that data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from changes.models import ChangeHistory, ChangeRequest
from changes.services import change_create
from incidents.services import incident_declare
from tests.incidents.conftest import severities  # noqa: F401  (fixture)

SMALL, LARGE = 2, 10


def queries_for(client: Any, url: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured), [query["sql"] for query in captured.captured_queries]


def assert_constant(client: Any, url: Callable[[], str], grow: Callable[[], None]) -> None:
    """``grow`` adds data; the second load issues exactly as many queries as the first."""
    queries_for(client, url())  # warm the per-process caches (content types, sessions)
    small, small_sql = queries_for(client, url())
    grow()
    large, large_sql = queries_for(client, url())
    assert large == small, "\n".join(["SMALL:", *small_sql, "LARGE:", *large_sql])


@pytest.mark.django_db
class TestIncidentQueriesStayConstant:
    @pytest.fixture
    def declare(self, manager_user: Any, severities: Any) -> Callable[[int], None]:  # noqa: F811
        def declare(count: int) -> None:
            for number in range(count):
                code = ["P0", "P1", "P2", "P3"][number % 4]
                incident_declare(by=manager_user, title=f"Incident {number}", severity=severities[code])

        return declare

    def test_the_api_list_issues_the_same_queries_at_five_times_the_incidents(self, client_for, manager_user, declare):
        declare(SMALL)
        assert_constant(client_for(manager_user), lambda: "/api/v1/incidents/", lambda: declare(LARGE - SMALL))

    def test_the_api_detail_issues_the_same_queries_at_five_times_the_incidents(
        self, client_for, manager_user, declare
    ):
        declare(SMALL)
        from incidents.models import Incident

        first = Incident.objects.order_by("pk").first()
        assert_constant(
            client_for(manager_user), lambda: f"/api/v1/incidents/{first.pk}/", lambda: declare(LARGE - SMALL)
        )

    def test_the_incident_list_page_issues_the_same_queries_at_five_times_the_incidents(
        self, client_for, manager_user, declare
    ):
        declare(SMALL)
        assert_constant(client_for(manager_user), lambda: "/incidents/", lambda: declare(LARGE - SMALL))

    def test_the_incident_page_issues_the_same_queries_at_five_times_the_incidents(
        self, client_for, manager_user, declare
    ):
        declare(SMALL)
        from incidents.models import Incident

        first = Incident.objects.order_by("pk").first()
        assert_constant(client_for(manager_user), lambda: f"/incidents/{first.pk}/", lambda: declare(LARGE - SMALL))

    def test_the_today_page_issues_the_same_queries_at_five_times_the_incidents(
        self, client_for, manager_user, declare
    ):
        declare(SMALL)
        assert_constant(client_for(manager_user), lambda: "/", lambda: declare(LARGE - SMALL))


@pytest.mark.django_db
class TestChangeQueriesStayConstant:
    @pytest.fixture
    def raise_changes(self, manager_user: Any, oncall_user: Any) -> Callable[[int], None]:
        def raise_changes(count: int) -> None:
            for number in range(count):
                change = change_create(by=manager_user, data={"title": f"Change {number}"})
                ChangeRequest.objects.filter(pk=change.pk).update(
                    implementer=oncall_user, approved_by=manager_user, approved_at=timezone.now()
                )

        return raise_changes

    @pytest.fixture
    def one_change(self, manager_user: Any) -> ChangeRequest:
        return change_create(by=manager_user, data={"title": "The change"})

    def add_history(self, change: ChangeRequest, actor: Any, count: int) -> None:
        for number in range(count):
            ChangeHistory.objects.create(
                change=change,
                kind=ChangeHistory.Kind.EDITED,
                actor=actor,
                at=timezone.now() + timedelta(seconds=number),
                message=f"edit {number}",
            )

    def test_the_api_list_issues_the_same_queries_at_five_times_the_changes(
        self, client_for, manager_user, raise_changes
    ):
        raise_changes(SMALL)
        assert_constant(client_for(manager_user), lambda: "/api/v1/changes/", lambda: raise_changes(LARGE - SMALL))

    def test_the_api_detail_issues_the_same_queries_at_five_times_the_history(
        self, client_for, manager_user, oncall_user, one_change
    ):
        self.add_history(one_change, oncall_user, SMALL)
        assert_constant(
            client_for(manager_user),
            lambda: f"/api/v1/changes/{one_change.pk}/",
            lambda: self.add_history(one_change, oncall_user, LARGE - SMALL),
        )

    def test_the_change_list_page_issues_the_same_queries_at_five_times_the_changes(
        self, client_for, manager_user, raise_changes
    ):
        raise_changes(SMALL)
        assert_constant(client_for(manager_user), lambda: "/changes/", lambda: raise_changes(LARGE - SMALL))

    def test_the_change_page_issues_the_same_queries_at_five_times_the_history(
        self, client_for, manager_user, oncall_user, one_change
    ):
        self.add_history(one_change, oncall_user, SMALL)
        assert_constant(
            client_for(manager_user),
            lambda: f"/changes/{one_change.pk}/",
            lambda: self.add_history(one_change, oncall_user, LARGE - SMALL),
        )
