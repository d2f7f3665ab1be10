"""The Changes pages in a real browser: they render, load nothing from outside, and fit a phone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from changes import services
from tests.conftest import browser_login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
class TestChangePagesInABrowser:
    def test_an_engineer_walks_a_change_and_sees_the_calendar(self, page, oncall_user, requester, make_change, stages):
        start = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=1)
        change = make_change(status="implementation", title="Upgrade the load balancer", affected_services="api, web",
                             window_start=start, window_end=start + timedelta(hours=2), implementer=oncall_user)  # fmt: skip
        make_change(title="Rotate API keys", status="planning", affected_services="api",
                    window_start=start + timedelta(hours=1), window_end=start + timedelta(hours=3))  # fmt: skip
        services.change_stage_record(change=change, stage=stages["Development"], outcome="passed", by=oncall_user,
                                     evidence="CI #812 green")  # fmt: skip
        browser_login(page, oncall_user.username)
        page.goto(f"{page.base_url}/changes/")
        screenshot(page, "changes-list")
        page.goto(f"{page.base_url}/changes/{change.pk}/")
        assert page.locator('[data-testid="overlap"]').count() == 1
        screenshot(page, "changes-detail")
        page.goto(f"{page.base_url}/changes/calendar/?view=week&date={start.date().isoformat()}")
        assert page.locator('[data-testid="overlap-flag"]').count() == 2
        screenshot(page, "changes-calendar-week")
        page.goto(f"{page.base_url}/changes/calendar/?view=month&date={start.date().isoformat()}")
        screenshot(page, "changes-calendar-month")
        page.goto(f"{page.base_url}/changes/new/")
        screenshot(page, "changes-form")
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{page.base_url}/changes/{change.pk}/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "changes-detail-phone")
        assert page.outside_requests == []
