"""In a real browser: ticking an item moves the progress bar without a page reload."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from checklists.models import ChecklistRun
from checklists.services import runs_generate
from opsportal import clock
from tests.conftest import browser_login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
class TestTickingInTheBrowser:
    def test_an_ops_user_ticks_an_item_and_the_bar_moves_without_a_reload(self, page, make_template, ops_user):
        # Opening at midnight, the run is open at whatever hour the suite runs.
        template = make_template("Morning Startup", items=4, time_of_day=time(0, 0))
        today = clock.local_today()
        runs_generate(start=today, end=today, now=datetime.now(tz=UTC) - timedelta(days=1))
        run = ChecklistRun.objects.get(template=template)
        browser_login(page, ops_user.username)
        page.goto(f"{page.base_url}/checklists/runs/{run.pk}/")
        page.evaluate("window.__notReloaded = true")
        navigations: list[str] = []
        page.on("framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None)
        bar = page.locator('[data-testid="progress-bar"]')
        assert bar.get_attribute("data-percent") == "0"
        assert page.evaluate("document.querySelector('[data-testid=progress-bar]').style.width") == "0%"

        page.locator('[data-testid="run-item"]').first.locator('[data-testid="tick"]').click()
        page.wait_for_function("() => document.querySelector('[data-testid=progress-bar]').style.width === '25%'")

        assert page.locator('[data-testid="progress-text"]').inner_text() == "1 of 4 done"
        assert "Ticked by olivia.ops" in page.locator('[data-testid="run-item"]').first.inner_text()
        assert page.evaluate("window.__notReloaded") is True
        assert navigations == []
        screenshot(page, "checklists-run-ticked")
        assert page.outside_requests == []
        run.refresh_from_db()
        assert run.items_done == 1
