"""Ops staff, who may not see change requests, see no change figures in reports either."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine

from reporting.periods import period_containing
from reporting.rules import CHANGE_KPI_SLUGS
from reporting.services import report_build


@pytest.fixture
def report(kpis):
    with time_machine.travel(datetime(2026, 11, 18, 12, 0, tzinfo=UTC), tick=False):
        built, _created = report_build(period=period_containing("monthly", date(2026, 10, 1)))
    assert {row["slug"] for row in built.data["operational"]} >= CHANGE_KPI_SLUGS
    return built


@pytest.mark.django_db
class TestReportsHideChangeFiguresFromOpsStaff:
    def test_the_report_page_shows_ops_no_change_kpis(self, client_for, ops_user, report):
        page = client_for(ops_user).get(f"/reports/{report.pk}/").content.decode()
        assert "Incidents" in page
        assert "Change success rate" not in page
        assert "Emergency-change share" not in page

    def test_a_manager_sees_them(self, client_for, manager_user, report):
        page = client_for(manager_user).get(f"/reports/{report.pk}/").content.decode()
        assert "Change success rate" in page

    def test_the_api_leaves_them_out_for_ops(self, client_for, ops_user, report):
        data = client_for(ops_user).get(f"/api/v1/reports/{report.pk}/").json()["data"]
        slugs = {row["slug"] for row in data["operational"]}
        assert "incidents" in slugs
        assert not slugs & CHANGE_KPI_SLUGS

    def test_the_csv_of_a_change_breakdown_is_not_found_for_ops(self, client_for, ops_user, manager_user, report):
        assert client_for(manager_user).get(f"/reports/{report.pk}/csv/op-changes/").status_code == 200
        response = client_for(ops_user).get(f"/reports/{report.pk}/csv/op-changes/")
        assert response.status_code == 404
        summary = client_for(ops_user).get(f"/reports/{report.pk}/csv/operational/").content.decode()
        assert "Change" not in summary.split("\n", 1)[1]  # past the header, whose columns say "Change"

    def test_the_snapshot_itself_is_unchanged(self, client_for, ops_user, report):
        client_for(ops_user).get(f"/reports/{report.pk}/")
        report.refresh_from_db()
        assert {row["slug"] for row in report.data["operational"]} >= CHANGE_KPI_SLUGS
