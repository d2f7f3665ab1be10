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
        dry_run = page.locator("[data-testid=escalation-dry-run]")
        dry_run.scroll_into_view_if_needed()
        assert "phone.oncall" in dry_run.inner_text()  # the only on-call engineer, paged at the deadline
        screenshot(page, "incidents-dry-run-phone")
        page.click("button:has-text('Acknowledge')")
        page.wait_for_selector("[data-kind=status]")
        page.click("button:has-text('Resolve')")
        page.wait_for_selector("text=Post-incident review")
        kinds = page.locator("[data-testid=timeline] li").evaluate_all("items => items.map(i => i.dataset.kind)")
        assert kinds == ["declared", "status", "assignment", "status"]  # acknowledging assigned it
        text = page.locator("[data-testid=timeline]").inner_text()
        assert "declared → acknowledged" in text and "acknowledged → resolved" in text
        screenshot(page, "incidents-detail-phone")
        page.goto(f"{page.base_url}/incidents/")
        screenshot(page, "incidents-list-phone")
        assert page.outside_requests == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
class TestEscalationPreviewOnADesktop:
    def test_the_preview_shows_who_would_be_paged(self, page, make_user, severities):
        from opsportal.roles import Role

        make_user("desk.oncall", Role.ONCALL)
        make_user("desk.manager", Role.MANAGER)
        page.set_viewport_size({"width": 1280, "height": 900})
        browser_login(page, "desk.manager")
        page.goto(f"{page.base_url}/incidents/escalation-preview/?severity=P1&at=2026-11-25T10:00")
        rows = page.locator("[data-testid=escalation-dry-run] tbody tr")
        assert rows.count() == 8
        assert "desk.oncall" in rows.first.inner_text()
        screenshot(page, "incidents-escalation-preview-desktop")
        assert page.outside_requests == []
