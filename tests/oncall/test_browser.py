"""The /oncall/ page in a real browser: it renders, loads nothing from outside, and fits a phone."""

from __future__ import annotations

import pytest

from tests.conftest import browser_login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
class TestOncallPageInABrowser:
    def test_an_engineer_sees_who_is_on_call_on_desktop_and_phone(self, page, engineers, london_weekly):
        browser_login(page, engineers[0].username)
        page.goto(f"{page.base_url}/oncall/")
        assert page.locator('[data-testid="schedule-card"]').count() == 1
        assert page.locator('[data-testid="primary-now"]').inner_text() in {"alice", "bob", "carol"}
        assert page.locator('[data-testid="oncall-calendar"] tbody tr').count() == 28
        screenshot(page, "oncall-desktop")
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{page.base_url}/oncall/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "oncall-phone")
        assert page.outside_requests == []
