"""Phone-sized headless Chromium: declare with two fields, acknowledge, resolve, see the timeline."""

import pytest

from tests.conftest import browser_login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
class TestOnAPhone:
    def test_declare_acknowledge_and_resolve(self, page, make_user, severities):
        from opsportal.roles import Role

        make_user("phone.oncall", Role.ONCALL)
        page.set_viewport_size({"width": 390, "height": 844})
        browser_login(page, "phone.oncall")
        page.goto(f"{page.base_url}/incidents/declare/")
        screenshot(page, "incidents-declare-phone")
        page.fill("input[name=title]", "Checkout returns 502")
        page.check("input[name=severity][value=P1]")
        page.click("button[type=submit]:has-text('Declare')")
        page.wait_for_selector("[data-testid=timeline]")
        assert page.locator(".sla-countdown").inner_text().endswith("left")
        page.click("button:has-text('Acknowledge')")
        page.wait_for_selector("[data-kind=status]")
        page.click("button:has-text('Resolve')")
        page.wait_for_selector("text=Post-incident review")
        kinds = page.locator("[data-testid=timeline] li").evaluate_all("items => items.map(i => i.dataset.kind)")
        assert kinds == ["declared", "status", "status"]
        text = page.locator("[data-testid=timeline]").inner_text()
        assert "declared → acknowledged" in text and "acknowledged → resolved" in text
        screenshot(page, "incidents-detail-phone")
        page.goto(f"{page.base_url}/incidents/")
        screenshot(page, "incidents-list-phone")
        assert page.outside_requests == []
