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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
class TestScheduleEditPageInABrowser:
    def test_a_manager_edits_a_schedule_in_the_browser(self, page, make_user, engineers, london_weekly):
        from opsportal.roles import Role

        make_user("maria.manager", Role.MANAGER)
        browser_login(page, "maria.manager")
        page.goto(f"{page.base_url}/oncall/")
        page.click('[data-testid="schedule-edit"]')
        page.wait_for_load_state("networkidle")
        assert page.locator('[data-testid="layer-form"]').count() == 2  # the layer and a blank one
        assert page.input_value("#id_layers-0-members") == "alice, bob, carol"
        page.fill("#id_layers-0-members", "alice, ghost")
        page.click('[data-testid="schedule-form"] button[type=submit]')
        page.wait_for_load_state("networkidle")
        assert "No such user: ghost." in page.inner_text('[data-testid="schedule-form"]')
        screenshot(page, "oncall-schedule-edit")
        page.fill("#id_layers-0-members", "carol, bob")
        page.click('[data-testid="schedule-form"] button[type=submit]')
        page.wait_for_load_state("networkidle")
        assert page.url.endswith("/oncall/")
        assert [m.user.username for m in london_weekly.layers.get().members.order_by("position")] == ["carol", "bob"]
        assert page.outside_requests == []
