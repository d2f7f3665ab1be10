"""The dashboard draws its charts in headless Chromium with nothing loaded from outside 127.0.0.1."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from reporting.demo import seed_measurements
from reporting.periods import last_complete_period
from reporting.services import report_build
from tests.conftest import browser_login, screenshot
from tests.reporting.conftest import operational_history


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
class TestDashboardInBrowser:
    def test_the_dashboard_renders_its_charts_offline(self, page, kpis, manager_user):
        today = timezone.localdate()
        seed_measurements(today - timedelta(days=365), today - timedelta(days=1))
        operational_history.seed_operational_history(start=today - timedelta(days=120), end=today)
        browser_login(page, manager_user.username)
        page.goto(f"{page.base_url}/reports/?range=90d")
        page.wait_for_load_state("networkidle")
        canvases = page.locator("canvas[data-chart]")
        assert canvases.count() == 28  # 12 business KPIs and 16 operational ones
        page.wait_for_function("() => document.querySelectorAll('canvas[data-rendered=true]').length === 28")
        # Chart.js drew into every canvas: each has a chart instance and a non-empty size.
        drawn = page.evaluate(
            "Array.from(document.querySelectorAll('canvas[data-chart]'))"
            ".filter(c => Chart.getChart(c) && c.width > 0 && c.height > 0).length"
        )
        assert drawn == 28
        with page.expect_navigation():
            page.select_option("#range", "365d")  # the period selector submits itself
        assert "range=365d" in page.url
        page.wait_for_function("() => document.querySelectorAll('canvas[data-rendered=true]').length === 28")
        operational = page.locator("[data-testid=table-operational]")
        assert operational.is_visible()
        assert operational.locator("tbody tr").count() == 16  # with the on-call load
        screenshot(page, "reporting-dashboard")
        assert page.outside_requests == []

    def test_a_report_page_renders_its_charts_offline(self, page, kpis, ops_user):
        today = timezone.localdate()
        seed_measurements(today - timedelta(days=70), today - timedelta(days=1))
        operational_history.seed_operational_history(start=today - timedelta(days=70), end=today - timedelta(days=1))
        report, _ = report_build(period=last_complete_period("monthly", today))
        browser_login(page, ops_user.username)
        page.goto(f"{page.base_url}/reports/{report.pk}/")
        page.wait_for_function("() => document.querySelectorAll('canvas[data-rendered=true]').length === 12")
        page.emulate_media(media="print")
        assert page.locator("nav.navbar").is_hidden()
        page.emulate_media(media="screen")
        assert page.locator("[data-testid=table-op-time-to-acknowledge-business]").is_visible()
        screenshot(page, "reporting-report")
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.locator("[data-testid=table-operational]").is_visible()
        screenshot(page, "reporting-report-phone")
        assert page.outside_requests == []
        assert date.fromisoformat(report.data["period"]["start"]) <= today
