"""Report snapshots: figures, comparison, idempotency, immutability, query budget, schedule and e-mail."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from opsportal.models import Notification
from opsportal.roles import Role
from reporting.kpis import register_operational_kpi, unregister_operational_kpi
from reporting.models import KpiDefinition, KpiMeasurement, Report, ReportDelivery, ReportSchedule
from reporting.periods import last_complete_period, period_containing
from reporting.services import report_build, reports_build_due
from reporting.tasks import send_report_email

NOVEMBER = period_containing("monthly", date(2026, 11, 1))


def _row(report, slug):
    return next(row for row in report.data["business"] + report.data["operational"] if row["slug"] == slug)


@pytest.fixture
def signups(db):
    return KpiDefinition.objects.create(
        name="Sign-ups",
        slug="sign-ups",
        category="user_engagement",
        unit="users",
        aggregation="sum",
        target=Decimal("100"),
    )


@pytest.fixture
def runs_kpi():
    """Register an operational KPI (as checklists will) that aggregates in one SQL query."""

    @register_operational_kpi("test-values-entered", "Values entered", unit="values", direction="higher")
    def values_entered(period_start, period_end):
        rows = (
            KpiMeasurement.objects.filter(updated_at__gte=period_start, updated_at__lt=period_end)
            .values("kpi__category")
            .annotate(values=Count("id"))
            .order_by("kpi__category")
        )
        breakdown = [{"category": row["kpi__category"], "values": row["values"]} for row in rows]
        return {"value": sum(row["values"] for row in breakdown), "breakdown": breakdown}

    yield values_entered
    unregister_operational_kpi("test-values-entered")


@pytest.mark.django_db
class TestReportFigures:
    def test_it_aggregates_each_kpi_its_way_and_compares_with_the_previous_period(self, kpis, signups, add_values):
        add_values(signups, date(2026, 10, 1), [2] * 31)  # October: sum 62
        add_values(signups, date(2026, 11, 1), [3] * 30)  # November: sum 90
        add_values(kpis["response-times"], date(2026, 11, 1), [200, 300, 400])  # average 300
        add_values(kpis["response-times"], date(2026, 10, 31), [250])  # October average 250
        add_values(kpis["monthly-recurring-revenue"], date(2026, 11, 1), [50_000, 52_000, 51_000])  # last 51,000
        add_values(kpis["monthly-recurring-revenue"], date(2026, 12, 1), [99_999])  # outside the period
        report, created = report_build(period=NOVEMBER)
        assert created
        assert report.period_end == date(2026, 11, 30)
        sign = _row(report, "sign-ups")
        assert (sign["value"], sign["previous"], sign["delta"], sign["trend"], sign["on_target"]) == (
            90,
            62,
            28,
            "better",
            False,
        )
        assert sign["delta_percent"] == pytest.approx(45.16)
        response = _row(report, "response-times")
        assert (response["value"], response["previous"], response["trend"]) == (300, 250, "worse")  # lower is better
        revenue = _row(report, "monthly-recurring-revenue")
        assert (revenue["value"], revenue["previous"], revenue["trend"]) == (51_000, None, "")
        uptime = _row(report, "uptime")
        assert (uptime["value"], uptime["measurements"]) == (None, 0)
        assert report.data["series"]["response-times"] == [
            ["2026-11-01", 200.0],
            ["2026-11-02", 300.0],
            ["2026-11-03", 400.0],
        ]

    def test_a_daily_report_covers_system_health_and_operations_only(self, kpis):
        report, _ = report_build(period=period_containing("daily", date(2026, 11, 3)))
        assert {row["category"] for row in report.data["business"]} == {"system_performance"}

    def test_it_includes_every_registered_operational_kpi_with_its_breakdown(self, kpis, add_values, runs_kpi):
        with time_machine.travel(datetime(2026, 11, 10, 12, tzinfo=UTC)):
            add_values(kpis["uptime"], date(2026, 11, 10), [99.9])
            add_values(kpis["active-users"], date(2026, 11, 10), [2000, 2100])
        report, _ = report_build(period=NOVEMBER)
        entered = _row(report, "test-values-entered")
        assert (entered["value"], entered["previous"], entered["trend"]) == (3, 0, "better")
        assert entered["breakdown"] == [
            {"category": "system_performance", "values": 1},
            {"category": "user_engagement", "values": 2},
        ]


@pytest.mark.django_db
class TestReportSnapshot:
    def test_building_twice_leaves_one_snapshot(self, kpis):
        first, created_first = report_build(period=NOVEMBER)
        second, created_second = report_build(period=NOVEMBER)
        assert (created_first, created_second) == (True, False)
        assert first.pk == second.pk
        assert Report.objects.count() == 1

    def test_a_later_data_change_does_not_alter_a_built_snapshot(self, kpis, add_values):
        add_values(kpis["uptime"], date(2026, 11, 1), [99.0])
        report, _ = report_build(period=NOVEMBER)
        KpiMeasurement.objects.filter(kpi=kpis["uptime"]).update(value=Decimal("50"))
        add_values(kpis["uptime"], date(2026, 11, 2), [10.0])
        rebuilt, created = report_build(period=NOVEMBER)
        assert not created
        assert _row(Report.objects.get(pk=report.pk), "uptime")["value"] == 99.0
        assert rebuilt.data == report.data

    def test_a_snapshot_refuses_to_be_saved_again(self, kpis):
        report, _ = report_build(period=NOVEMBER)
        report.data = {"forged": True}
        with pytest.raises(ValueError, match="immutable"):
            report.save()
        assert "forged" not in Report.objects.get(pk=report.pk).data

    def test_admin_shows_reports_read_only(self, client_for, make_user, kpis):
        root = make_user("root", is_staff=True, is_superuser=True)
        report, _ = report_build(period=NOVEMBER)
        client = client_for(root)
        page = client.get(f"/admin/reporting/report/{report.pk}/change/")
        assert page.status_code == 200
        assert b'name="_save"' not in page.content
        assert client.post(f"/admin/reporting/report/{report.pk}/change/", {"kind": "daily"}).status_code == 403
        assert client.get("/admin/reporting/report/add/").status_code == 403
        assert client.post(f"/admin/reporting/report/{report.pk}/delete/", {"post": "yes"}).status_code == 403
        assert Report.objects.get(pk=report.pk).kind == "monthly"

    def test_the_api_has_no_write_path(self, client_for, manager_user, kpis):
        report, _ = report_build(period=NOVEMBER)
        client = client_for(manager_user)
        url = f"/api/v1/reports/{report.pk}/"
        assert client.put(url, {}, content_type="application/json").status_code == 405
        assert client.patch(url, {}, content_type="application/json").status_code == 405
        assert client.delete(url).status_code == 405
        assert client.post("/api/v1/reports/", {}, content_type="application/json").status_code == 405


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestConcurrentBuild:
    def test_two_builders_at_once_leave_one_snapshot(self, kpis, add_values):
        add_values(kpis["uptime"], date(2026, 11, 1), [99.0] * 30)
        barrier = threading.Barrier(2)
        results, errors = [], []

        def build():
            try:
                barrier.wait(timeout=10)
                results.append(report_build(period=NOVEMBER))
            except Exception as error:  # reported below
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=build) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        assert Report.objects.count() == 1
        assert sorted(created for _report, created in results) == [False, True]
        assert {report.pk for report, _created in results} == {Report.objects.get().pk}


@pytest.mark.django_db
class TestQueryBudget:
    def _queries_for_a_monthly_build(self, months: int, kpis) -> int:
        Report.objects.all().delete()
        KpiMeasurement.objects.all().delete()
        from reporting.demo import seed_measurements

        seed_measurements(date(2026, 12, 1) - timedelta(days=30 * months), date(2026, 11, 30))
        with CaptureQueriesContext(connection) as captured:
            report_build(period=NOVEMBER)
        return len(captured.captured_queries)

    def test_a_monthly_report_needs_the_same_queries_for_one_month_and_a_year_of_data(self, kpis, runs_kpi):
        one_month = self._queries_for_a_monthly_build(1, kpis)
        one_year = self._queries_for_a_monthly_build(12, kpis)
        assert KpiMeasurement.objects.count() == 12 * 360
        assert one_month == one_year
        # 1 look for an existing snapshot, 1 definitions, 3 business KPIs (aggregates, last
        # values, daily series), 2 for the test's operational KPI (this and the previous
        # period), 20 for the portal's own (see test_report_queries.py), then savepoint,
        # insert, release.
        assert one_year == 10 + 20


@pytest.mark.django_db
class TestBuildReportCommand:
    def test_it_builds_the_period_containing_the_date(self, kpis, capsys):
        call_command("build_report", "weekly", "--date", "2026-11-12")
        report = Report.objects.get()
        assert (report.kind, report.period_start, report.period_end) == (
            "weekly",
            date(2026, 11, 9),
            date(2026, 11, 15),
        )
        call_command("build_report", "weekly", "--date", "2026-11-15")
        assert Report.objects.count() == 1
        assert "Already built" in capsys.readouterr().out

    def test_it_defaults_to_the_last_complete_period(self, kpis):
        with time_machine.travel(datetime(2026, 11, 29, 9, tzinfo=UTC)):
            call_command("build_report", "quarterly")
        report = Report.objects.get()
        assert (report.period_start, report.period_end) == (date(2026, 7, 1), date(2026, 9, 30))


@pytest.mark.django_db
class TestBuildDueReports:
    def test_it_builds_due_reports_and_delivers_each_once(
        self, kpis, manager_user, make_user, django_capture_on_commit_callbacks
    ):
        second_manager = make_user("mia.manager", Role.MANAGER)
        with (
            time_machine.travel(datetime(2026, 12, 1, 8, tzinfo=UTC)),
            django_capture_on_commit_callbacks() as callbacks,
        ):
            built = reports_build_due()
        assert sorted((report.kind, report.period_start) for report in built) == [
            ("daily", date(2026, 11, 30)),
            ("monthly", date(2026, 11, 1)),
            ("quarterly", date(2026, 7, 1)),
            ("weekly", date(2026, 11, 23)),
        ]
        assert ReportDelivery.objects.count() == 8  # four reports, two managers
        assert Notification.objects.filter(recipient=second_manager, key__startswith="report-").count() == 4
        assert len(callbacks) == 8
        with (
            time_machine.travel(datetime(2026, 12, 1, 8, 15, tzinfo=UTC)),
            django_capture_on_commit_callbacks() as again,
        ):
            assert reports_build_due() == []
        assert (len(again), ReportDelivery.objects.count(), Report.objects.count()) == (0, 8, 4)

    def test_it_waits_for_the_build_time_and_skips_disabled_schedules(self, kpis, manager_user):
        ReportSchedule.objects.filter(kind="weekly").update(enabled=False)
        with time_machine.travel(datetime(2026, 12, 1, 5, tzinfo=UTC)):
            built = reports_build_due()
        # Daily is due at 06:00; November at 07:00; Q3 ended weeks ago; weekly is disabled.
        assert [(report.kind, report.period_start) for report in built] == [("quarterly", date(2026, 7, 1))]

    def test_the_email_is_html_with_key_figures_and_a_link_and_is_sent_once(
        self, kpis, manager_user, add_values, settings
    ):
        settings.PORTAL_BASE_URL = "https://portal.example.com"
        add_values(kpis["uptime"], date(2026, 11, 1), [99.5] * 30)
        with time_machine.travel(datetime(2026, 12, 1, 8, tzinfo=UTC)):
            reports_build_due()
        monthly = Report.objects.get(kind="monthly")
        delivery = ReportDelivery.objects.get(report=monthly, recipient=manager_user)
        send_report_email(delivery.pk)
        send_report_email(delivery.pk)
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == [manager_user.email]
        assert "Monthly report — November 2026" in message.subject
        html = message.alternatives[0][0]
        assert "Uptime" in html and "99.5" in html
        assert f"https://portal.example.com/reports/{monthly.pk}/" in html
        assert message.extra_headers["Message-ID"].startswith(f"<report-{monthly.pk}.{manager_user.pk}@")
        delivery.refresh_from_db()
        assert delivery.emailed_at is not None

    def test_a_delivery_that_is_gone_is_ignored(self, db):
        send_report_email(123456)
        assert mail.outbox == []


def test_last_complete_periods():
    today = date(2026, 1, 1)
    assert (last_complete_period("daily", today).start, last_complete_period("daily", today).end) == (
        date(2025, 12, 31),
    ) * 2
    assert last_complete_period("weekly", today).start == date(2025, 12, 22)
    assert last_complete_period("monthly", today).start == date(2025, 12, 1)
    assert (last_complete_period("quarterly", today).start, last_complete_period("quarterly", today).end) == (
        date(2025, 10, 1),
        date(2025, 12, 31),
    )
