"""In a real browser, keyboard only: skip to the content, tick an item with Space, untick with Enter.

Focus stays on the ticked item's control (not <body>) and the page's live region says what happened.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from checklists.models import ChecklistRun
from checklists.services import runs_generate
from opsportal import clock
from tests.conftest import browser_login, focus_ring, screenshot, tab_to

ACTIVE_ITEM = "() => document.activeElement.closest('[data-testid=run-item]')?.dataset.itemId || ''"
ANNOUNCED = "() => document.getElementById('live-announcer').textContent"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
class TestTheRunPageWithTheKeyboard:
    def test_space_ticks_enter_unticks_and_focus_and_announcement_follow(self, page, make_template, ops_user):
        template = make_template("Morning Startup", items=3, time_of_day=time(0, 0))
        today = clock.local_today()
        runs_generate(start=today, end=today, now=datetime.now(tz=UTC) - timedelta(days=1))
        run = ChecklistRun.objects.get(template=template)
        first = run.items.order_by("position", "pk").first()
        browser_login(page, ops_user.username)
        page.goto(f"{page.base_url}/checklists/runs/{run.pk}/")

        # The first Tab reaches the skip link; Enter moves to the main content.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
        assert page.locator(".skip-link").is_visible()
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"

        tab_to(page, f"#item-{first.pk} [data-testid=tick]")
        ring = focus_ring(page)
        assert ring["style"] == "solid" and ring["width"] == "3px", ring
        screenshot(page, "checklists-run-keyboard-focus")
        page.keyboard.press("Space")
        page.wait_for_function("() => document.querySelector('[data-testid=progress-bar]').style.width !== '0%'")
        page.wait_for_function(ANNOUNCED + " !== ''")
        assert page.evaluate(ANNOUNCED) == f"Item {first.text} ticked"
        assert page.evaluate(ACTIVE_ITEM) == str(first.pk)
        assert page.evaluate("document.activeElement.dataset.testid") == "untick"

        page.keyboard.press("Enter")
        page.wait_for_function(ANNOUNCED + f" === 'Item {first.text} unticked'")
        assert page.evaluate(ACTIVE_ITEM) == str(first.pk)
        assert page.evaluate("document.activeElement.dataset.testid") == "tick"
        run.refresh_from_db()
        assert run.items_done == 0
        assert page.outside_requests == []
