"""/compliance/ and an access review in a real browser on desktop and phone: decide by keyboard (htmx),
nothing loaded from outside, no CSP violation, fits a phone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from access.models import TrainingRecord
from access.services import access_review_open
from opsportal.roles import Role
from tests.conftest import browser_login, screenshot
from tests.opsportal.test_browser_csp import _watch


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
class TestAccessReviewInABrowser:
    def test_a_manager_decides_lines_by_keyboard_on_desktop_and_phone(self, page, make_user):
        maria = make_user("maria.manager", Role.MANAGER)
        make_user("mark.manager", Role.MANAGER)
        olly = make_user("olly.ops", Role.OPS, last_login=timezone.now() - timedelta(days=3))
        make_user("otto.oncall", Role.ONCALL, Role.OPS, last_login=timezone.now() - timedelta(days=200))
        make_user("ada.admin", Role.ADMIN, is_staff=True)
        review = access_review_open()[0]
        today = timezone.localdate()
        TrainingRecord.objects.create(person=olly, topic="Security awareness", completed_on=today - timedelta(days=340),
                                      expires_on=today + timedelta(days=25), recorded_at=timezone.now())  # fmt: skip
        console = _watch(page)
        browser_login(page, "maria.manager")

        page.goto(f"{page.base_url}/compliance/")
        assert page.locator('a[href="/compliance/access-reviews/"]').count() == 1
        screenshot(page, "access-compliance-desktop")

        page.goto(f"{page.base_url}/compliance/access-reviews/{review.pk}/")
        own = review.lines.get(user=maria)
        assert page.locator(f'[data-testid="line-{own.pk}"] form').count() == 0
        line = review.lines.get(user=olly)
        # Keyboard only: focus the first radio, pick "Keep" with Space, Tab (a radio group is one stop) to the
        # reason, type, Enter.
        page.focus(f"#line-{line.pk}-keep")
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
        page.keyboard.type("Still on the rota")
        page.keyboard.press("Enter")
        page.locator(f'[data-testid="line-{line.pk}"] [data-testid="decision"]').wait_for()
        line.refresh_from_db()
        assert (line.decision, line.reason) == ("keep", "Still on the rota")
        assert "4 of 5 undecided" in page.locator('[data-testid="review-status"]').inner_text()
        # A missing reason is shown next to the field, without a page load.
        otto_line = review.lines.get(user__username="otto.oncall")
        page.click(f"#line-{otto_line.pk}-revoke")
        page.click(f'[data-testid="line-{otto_line.pk}"] button[type=submit]')  # the browser asks for the reason
        assert page.locator(f"#line-{otto_line.pk}-reason:invalid").count() == 1
        screenshot(page, "access-review-desktop")

        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{page.base_url}/compliance/access-reviews/{review.pk}/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "access-review-phone")
        page.goto(f"{page.base_url}/compliance/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "access-compliance-phone")
        page.goto(f"{page.base_url}/compliance/training/")
        assert "Expiring in 25 days" in page.content()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "access-training-phone")
        page.set_viewport_size({"width": 1280, "height": 900})
        screenshot(page, "access-training-desktop")
        assert page.outside_requests == []
        assert page.evaluate("window.__cspViolations") == []
        assert console == []
