"""Query counts are constant in the data size: each page and API list/detail issues the same
number of queries with a little data and with five times that data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from changes.models import ChangeHistory, ChangeRequest
from changes.services import change_create
from checklists.models import ChecklistRun, ChecklistTemplate
from incidents.models import Incident
from incidents.services import incident_declare
from oncall.models import Layer, LayerMember, Schedule
from opsportal.roles import Role
from reporting.models import KpiDefinition, KpiMeasurement, Report
from reporting.periods import period_containing
from reporting.services import report_build
from tests.incidents.conftest import severities  # noqa: F401  (fixture)
from tests.reporting.conftest import kpis, operational_history  # noqa: F401  (fixture)

SMALL, LARGE = 2, 10
HISTORY_SMALL, HISTORY_LARGE = 1, 20  # a change's history rows (the issue's 1 → 20)


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
        self.add_history(one_change, oncall_user, HISTORY_SMALL)
        assert_constant(
            client_for(manager_user),
            lambda: f"/api/v1/changes/{one_change.pk}/",
            lambda: self.add_history(one_change, oncall_user, HISTORY_LARGE - HISTORY_SMALL),
        )

    def test_the_change_list_page_issues_the_same_queries_at_five_times_the_changes(
        self, client_for, manager_user, raise_changes
    ):
        raise_changes(SMALL)
        assert_constant(client_for(manager_user), lambda: "/changes/", lambda: raise_changes(LARGE - SMALL))

    def test_the_change_page_issues_the_same_queries_at_five_times_the_history(
        self, client_for, manager_user, oncall_user, one_change
    ):
        self.add_history(one_change, oncall_user, HISTORY_SMALL)
        assert_constant(
            client_for(manager_user),
            lambda: f"/changes/{one_change.pk}/",
            lambda: self.add_history(one_change, oncall_user, HISTORY_LARGE - HISTORY_SMALL),
        )


SMALL_DAYS, LARGE_DAYS = 2, 10  # five times the history
HISTORY_END = date(2026, 11, 27)
FROZEN = datetime(2026, 11, 27, 14, tzinfo=UTC)  # a Friday afternoon: runs open, incidents live


def _first_id(model: Any) -> int:
    return model.objects.order_by("pk").values_list("pk", flat=True).first()


# Each URL is built once the small history exists, so a detail page shows the same object twice.
URLS: dict[str, Callable[[], str]] = {
    "Today": lambda: "/",
    "incident list page": lambda: "/incidents/",
    "incident list page, all": lambda: "/incidents/?status=all",
    "incident page": lambda: f"/incidents/{_first_id(Incident)}/",
    "change list page": lambda: "/changes/",
    "change page": lambda: f"/changes/{_first_id(ChangeRequest)}/",
    "checklists page": lambda: "/checklists/",
    "checklist history page": lambda: "/checklists/history/",
    "run page": lambda: f"/checklists/runs/{_first_id(ChecklistRun)}/",
    "reports page": lambda: "/reports/",
    "report list page": lambda: "/reports/list/",
    "report page": lambda: f"/reports/{_first_id(Report)}/",
    "on-call page": lambda: "/oncall/",
    "notifications page": lambda: "/notifications/",
    "incident API list": lambda: "/api/v1/incidents/",
    "incident API detail": lambda: f"/api/v1/incidents/{_first_id(Incident)}/",
    "change API list": lambda: "/api/v1/changes/",
    "change API detail": lambda: f"/api/v1/changes/{_first_id(ChangeRequest)}/",
    "checklist run API list": lambda: "/api/v1/checklists/runs/",
    "checklist run API detail": lambda: f"/api/v1/checklists/runs/{_first_id(ChecklistRun)}/",
    "checklist template API list": lambda: "/api/v1/checklists/templates/",
    "checklist template API detail": lambda: f"/api/v1/checklists/templates/{_first_id(ChecklistTemplate)}/",
    "KPI API list": lambda: "/api/v1/kpis/",
    "KPI API detail": lambda: f"/api/v1/kpis/{_first_id(KpiDefinition)}/",
    "KPI measurements API list": lambda: f"/api/v1/kpis/{_first_id(KpiDefinition)}/measurements/",
    "report API list": lambda: "/api/v1/reports/",
    "report API detail": lambda: f"/api/v1/reports/{_first_id(Report)}/",
    "schedule API list": lambda: "/api/v1/schedules/",
    "schedule API detail": lambda: f"/api/v1/schedules/{_first_id(Schedule)}/",
}


def _grow_measurements(days: range) -> None:
    kpi = KpiDefinition.objects.order_by("pk").first()
    KpiMeasurement.objects.bulk_create(
        KpiMeasurement(kpi=kpi, date=HISTORY_END - timedelta(days=offset), value=Decimal(offset)) for offset in days
    )


def _grow_reports(months: range) -> None:
    for month in months:
        report_build(period=period_containing("monthly", date(2026, month, 1)))


def _grow_schedules(names: range, engineers: list[Any]) -> None:
    for number in names:
        schedule = Schedule.objects.create(name=f"Schedule {number}", time_zone="Europe/London")
        layer = Layer.objects.create(
            schedule=schedule, position=0, shift_days=7, handoff_time=time(9), starts_on=date(2026, 1, 5)
        )
        for position, user in enumerate(engineers):
            LayerMember.objects.create(layer=layer, user=user, position=position)


# The table each list pages through: no query reads its rows without a LIMIT (a COUNT is fine).
LIST_TABLES = {
    "incident list page": "incidents_incident",
    "incident list page, all": "incidents_incident",
    "change list page": "changes_changerequest",
    "checklist history page": "checklists_checklistrun",
    "report list page": "reporting_report",
    "incident API list": "incidents_incident",
    "change API list": "changes_changerequest",
    "checklist run API list": "checklists_checklistrun",
    "report API list": "reporting_report",
    "KPI measurements API list": "reporting_kpimeasurement",
}


def assert_reads_only_its_page(client: Any, url: str, table: str) -> None:
    _, sql = queries_for(client, url)
    unbounded = [
        query
        for query in sql
        if query.startswith("SELECT")
        and f'FROM "{table}"' in query
        and "COUNT(" not in query.split(" FROM ")[0]
        and " LIMIT " not in query
        and "GROUP BY" not in query
    ]
    assert not unbounded, "\n".join(unbounded)


@pytest.mark.django_db
class TestEveryPageAndApiIssuesTheSameQueriesAtFiveTimesTheData:
    @pytest.mark.parametrize(
        ("persona", "name"),
        [("admin_user", name) for name in URLS]
        # An on-call engineer too (per-row permission checks), on every page but the Reports dashboard (managers').
        + [("oncall_user", name) for name in URLS if name != "reports page"],
    )
    def test_the_query_count_does_not_grow(self, name, persona, request, client_for, make_user, kpis):  # noqa: F811
        engineers = [make_user(f"engineer{number}", Role.ONCALL) for number in range(3)]
        client = client_for(request.getfixturevalue(persona))
        with time_machine.travel(FROZEN, tick=False):
            operational_history.seed_operational_history(
                start=HISTORY_END - timedelta(days=SMALL_DAYS - 1), end=HISTORY_END
            )
            _grow_reports(range(9, 11))
            _grow_measurements(range(SMALL_DAYS))
            _grow_schedules(range(2), engineers)
            url = URLS[name]()

            def grow() -> None:
                operational_history.seed_operational_history(
                    start=HISTORY_END - timedelta(days=LARGE_DAYS - 1), end=HISTORY_END - timedelta(days=SMALL_DAYS)
                )
                _grow_reports(range(1, 9))
                _grow_measurements(range(SMALL_DAYS, LARGE_DAYS))
                _grow_schedules(range(2, 10), engineers)

            assert_constant(client, lambda: url, grow)
            if name in LIST_TABLES:
                assert_reads_only_its_page(client, url, LIST_TABLES[name])
