"""In headless Chromium: the ops persona logs in, sees Today, and logs out; nothing leaves 127.0.0.1."""

import pytest

from tests.conftest import browser_login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
class TestLoginTodayLogout:
    def test_ops_user_logs_in_sees_today_and_logs_out(self, page, ops_user):
        browser_login(page, ops_user.username)
        assert page.locator("h1", has_text="Today").is_visible()
        assert page.locator("[data-testid=signed-in-as]").inner_text().startswith(ops_user.username)
        assert page.locator("section[data-area=checklists]").count() == 1
        assert "Times are shown in Europe/London" in page.content()  # the browser's zone, sent by portal.js
        screenshot(page, "today-ops")
        page.set_viewport_size({"width": 390, "height": 844})  # a phone
        screenshot(page, "today-ops-phone")
        page.set_viewport_size({"width": 1280, "height": 900})
        page.click("text=Log out")
        page.wait_for_url("**/accounts/login/")
        assert page.locator("input[name=username]").is_visible()
        assert page.outside_requests == []

    def test_a_wrong_password_shows_a_message_next_to_the_form(self, page, ops_user):
        browser_login(page, ops_user.username, password="not-the-password")
        assert "correct username and password" in page.content()
        assert page.outside_requests == []
