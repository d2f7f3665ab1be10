"""/compliance/ in a real browser on desktop and phone: renders, loads nothing from outside, breaks no CSP, fits a phone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from compliance.models import RetentionLog
from opsportal.roles import Role
from tests.conftest import browser_login, screenshot
from tests.opsportal.test_browser_csp import _watch


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
class TestCompliancePageInABrowser:
    def test_a_manager_reads_the_compliance_page_on_desktop_and_phone(self, page, make_user, retention_rules):
        make_user("maria.manager", Role.MANAGER)
        now = timezone.now()
        for kind, action, rows, dry_run in [("notifications", "delete", 1240, False), ("closed_incidents", "anonymise", 17, False),
                                            ("sessions", "delete", 88, True)]:  # fmt: skip
            RetentionLog.objects.create(kind=kind, action=action, days=90, cutoff=now, rows=rows, dry_run=dry_run,
                                        started_at=now - timedelta(minutes=5), finished_at=now)  # fmt: skip
        console = _watch(page)
        browser_login(page, "maria.manager")
        page.goto(f"{page.base_url}/compliance/")
        assert page.locator('[data-testid="retention-log"] li').count() == 3
        assert page.locator('[data-testid="records-of-processing"] li').count() >= 10
        screenshot(page, "compliance-desktop")
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{page.base_url}/compliance/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "compliance-phone")
        page.click('a[href="/compliance/records/"]')
        page.wait_for_load_state("networkidle")
        assert page.locator('[data-testid="records-of-processing"] li').count() >= 10
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "compliance-records-phone")
        page.set_viewport_size({"width": 1280, "height": 900})
        screenshot(page, "compliance-records-desktop")
        assert page.outside_requests == []
        assert page.evaluate("window.__cspViolations") == []
        assert console == []
