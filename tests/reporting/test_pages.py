"""The Reports pages: who sees what, CSV exports that match the page, print layout, query budgets."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
import time_machine

from reporting.demo import seed_measurements
from reporting.models import Report
from reporting.periods import period_containing
from reporting.services import report_build
from tests.reporting.conftest import operational_history

TODAY = datetime(2026, 11, 29, 9, tzinfo=UTC)
STATIC = Path(__file__).resolve().parents[2] / "static"


class TableReader(HTMLParser):
    """Collect the cell texts of the table marked ``data-testid="table-<key>"``."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key, self.inside, self.rows, self.cell = key, False, [], None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "table" and attributes.get("data-testid") == f"table-{self.key}":
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in {"td", "th"}:
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.inside and tag in {"td", "th"} and self.cell is not None:
            self.rows[-1].append(self.cell.strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def page_table(html: str, key: str) -> list[list[str]]:
    reader = TableReader(key)
    reader.feed(html)
    assert reader.rows, f"no table {key} on the page"
    return reader.rows


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


@pytest.fixture
def year_of_data(kpis):
    """A year of KPI values, three months of checklist runs, incidents and changes; October's report."""
    seed_measurements(date(2025, 11, 29), date(2026, 11, 28))
    with time_machine.travel(TODAY, tick=False):
        operational_history.seed_operational_history(start=date(2026, 9, 1), end=date(2026, 11, 28))
        report, _ = report_build(period=period_containing("monthly", date(2026, 10, 1)))
    return report


@pytest.mark.django_db
class TestAccess:
    def test_a_manager_sees_the_dashboard(self, client_for, manager_user, kpis):
        response = client_for(manager_user).get("/reports/")
        assert response.status_code == 200
        assert b"KPI dashboard" in response.content

    def test_ops_staff_are_sent_to_the_report_list(self, client_for, ops_user, year_of_data):
        client = client_for(ops_user)
        response = client.get("/reports/")
        assert (response.status_code, response["Location"]) == (302, "/reports/list/")
        assert client.get("/reports/list/").status_code == 200
        assert client.get(f"/reports/{year_of_data.pk}/").status_code == 200
        assert client.get("/reports/measurements/new/").status_code == 403
        assert client.get("/reports/dashboard.csv").status_code == 403

    def test_an_outsider_sees_nothing(self, client_for, outsider, year_of_data):
        client = client_for(outsider)
        for url in [
            "/reports/",
            "/reports/list/",
            f"/reports/{year_of_data.pk}/",
            f"/reports/{year_of_data.pk}/csv/business/",
        ]:
            assert client.get(url).status_code == 403, url


@pytest.mark.django_db
class TestReportPage:
    def test_it_shows_targets_and_trends(self, client_for, oncall_user, year_of_data):
        body = client_for(oncall_user).get(f"/reports/{year_of_data.pk}/").content.decode()
        assert "Monthly report — October 2026" in body
        rows = page_table(body, "business")
        assert rows[0][:5] == ["KPI", "Category", "Unit", "Aggregation", "Value"]
        uptime = next(row for row in rows if row[0] == "Uptime")
        assert uptime[9] == "99.9"  # the target the demo set
        assert uptime[8] in {"better", "worse", "same"}

    def test_the_csv_export_read_back_gives_the_figures_on_the_page(self, client_for, manager_user, year_of_data):
        client = client_for(manager_user)
        body = client.get(f"/reports/{year_of_data.pk}/").content.decode()
        exported = read_csv(client.get(f"/reports/{year_of_data.pk}/csv/business/"))
        assert exported == page_table(body, "business")
        assert len(exported) == 13  # header and twelve KPIs
        revenue = next(row for row in exported if row[0] == "Monthly recurring revenue")
        assert float(revenue[4]) == pytest.approx(year_of_data.data["business"][5]["value"], abs=0.005)

    def test_the_operational_tables_export_what_the_page_shows(self, client_for, manager_user, year_of_data):
        client = client_for(manager_user)
        body = client.get(f"/reports/{year_of_data.pk}/").content.decode()
        for table in ["operational", "op-time-to-acknowledge", "op-checklist-completion-rate", "op-change-lead-time"]:
            exported = read_csv(client.get(f"/reports/{year_of_data.pk}/csv/{table}/"))
            assert exported == page_table(body, table), table
        summary = read_csv(client.get(f"/reports/{year_of_data.pk}/csv/operational/"))
        by_name = {row[0]: row for row in summary[1:]}
        assert len(by_name) == 16  # with the on-call load
        assert float(by_name["Incidents"][2]) == 62  # October: 31 days x 2
        assert by_name["Time to acknowledge in business hours (mean)"][1] == "business min"
        acknowledge = read_csv(client.get(f"/reports/{year_of_data.pk}/csv/op-time-to-acknowledge/"))
        assert acknowledge[0] == ["Severity", "Incidents", "Acknowledged", "Mean (min)", "Median (min)"]
        assert acknowledge[-1][:3] == ["All", "62", "62"]

    def test_an_unknown_table_is_404(self, client_for, manager_user, year_of_data):
        assert client_for(manager_user).get(f"/reports/{year_of_data.pk}/csv/nothing/").status_code == 404

    def test_the_page_has_a_print_layout(self, client_for, manager_user, year_of_data):
        body = client_for(manager_user).get(f"/reports/{year_of_data.pk}/").content.decode()
        assert "reporting/reports.css" in body
        assert "@media print" in (STATIC / "reporting" / "reports.css").read_text()


@pytest.mark.django_db
class TestDashboard:
    def test_the_dashboard_csv_exports_match_the_page(self, client_for, manager_user, year_of_data):
        client = client_for(manager_user)
        with time_machine.travel(TODAY):
            for range_key in ["30d", "90d", "365d"]:
                body = client.get(f"/reports/?range={range_key}").content.decode()
                for table in ["summary", "series", "operational", "op-sla-response-compliance", "op-changes"]:
                    exported = read_csv(client.get(f"/reports/dashboard.csv?range={range_key}&table={table}"))
                    assert exported == page_table(body, table), (range_key, table)

    def test_the_year_view_has_one_point_a_month(self, client_for, manager_user, year_of_data):
        with time_machine.travel(TODAY):
            response = client_for(manager_user).get("/reports/?range=365d")
        figures = response.context["figures"]
        assert figures["labels"][0] == "2025-11" and figures["labels"][-1] == "2026-11"
        assert len(figures["labels"]) == 13
        assert len(figures["kpis"]) == 12
        assert b'src="/static/vendor/chartjs/chart.umd.min.js"' in response.content

    def test_its_queries_do_not_grow_with_the_data(self, client_for, manager_user, kpis, django_assert_max_num_queries):
        client = client_for(manager_user)
        client.get("/reports/")  # warm the session and user
        with time_machine.travel(TODAY):
            seed_measurements(date(2026, 11, 1), date(2026, 11, 28))
            operational_history.seed_operational_history(start=date(2026, 11, 1), end=date(2026, 11, 28))
        with time_machine.travel(TODAY), django_assert_max_num_queries(8 + 20 + 1) as few:
            client.get("/reports/?range=365d")
        with time_machine.travel(TODAY):
            seed_measurements(date(2025, 11, 29), date(2026, 10, 31))
            operational_history.seed_operational_history(start=date(2024, 11, 29), end=date(2026, 10, 31))
        with time_machine.travel(TODAY), django_assert_max_num_queries(8 + 20 + 1) as many:
            client.get("/reports/?range=365d")
        # session, user, groups; KPI definitions, the range's values; latest reports; the
        # operational KPIs over the range and the range before (20, see test_report_queries.py).
        assert len(few.captured_queries) == len(many.captured_queries)


@pytest.mark.django_db
class TestReportList:
    def test_it_filters_by_kind_with_a_fixed_number_of_queries(
        self, client_for, ops_user, kpis, django_assert_max_num_queries
    ):
        client = client_for(ops_user)
        for offset in range(30):
            report_build(period=period_containing("daily", date(2026, 10, 1) + timedelta(days=offset)))
        report_build(period=period_containing("monthly", date(2026, 10, 1)))
        with django_assert_max_num_queries(6 + 1):  # + 1: the unread-notifications badge
            response = client.get("/reports/list/?kind=monthly")
        assert [report.kind for report in response.context["page"].object_list] == ["monthly"]
        assert Report.objects.count() == 31

    def test_the_api_lists_reports_by_kind(self, client_for, ops_user, year_of_data):
        client = client_for(ops_user)
        listed = client.get("/api/v1/reports/?kind=monthly").json()
        assert [row["id"] for row in listed["results"]] == [year_of_data.pk]
        assert "data" not in listed["results"][0]
        detail = client.get(f"/api/v1/reports/{year_of_data.pk}/").json()
        assert detail["data"]["title"] == "Monthly report — October 2026"
        assert client.get("/api/v1/reports/?kind=weekly").json()["count"] == 0
