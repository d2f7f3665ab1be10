"""In a real browser, keyboard only: declare an incident and acknowledge it, with a visible focus."""

from __future__ import annotations

import pytest

from tests.conftest import browser_login, focus_ring, screenshot, tab_to


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
class TestDeclareAndActWithTheKeyboard:
    def test_declare_with_the_keyboard_then_acknowledge(self, page, make_user, severities):
        from incidents.models import Incident
        from opsportal.roles import Role

        make_user("keys.oncall", Role.ONCALL, Role.OPS)
        browser_login(page, "keys.oncall")
        page.goto(f"{page.base_url}/incidents/declare/")
        page.wait_for_load_state("load")
        # The title has the focus (autofocus); type, then Tab to the severities and pick one with the arrows.
        assert page.evaluate("document.activeElement.name") == "title"
        page.keyboard.type("Checkout returns 502")
        tab_to(page, "input[name=severity]")
        ring = focus_ring(page)
        assert ring["style"] == "solid" and ring["width"] == "3px", ring
        page.keyboard.press("Space")
        page.keyboard.press("ArrowDown")
        chosen = page.evaluate("document.querySelector('input[name=severity]:checked').value")
        tab_to(page, "button[type=submit]")
        assert focus_ring(page)["style"] == "solid"
        screenshot(page, "incidents-declare-keyboard")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        incident = Incident.objects.get(title="Checkout returns 502")
        assert incident.severity.code == chosen
        assert page.url.endswith(f"/incidents/{incident.pk}/")

        # On the incident page the first action is reached with Tab and taken with Enter.
        tab_to(page, "form[action$='/transition/acknowledge/'] button")
        assert focus_ring(page)["width"] == "3px"
        screenshot(page, "incidents-detail-keyboard")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        incident.refresh_from_db()
        assert incident.status == "acknowledged"
        assert page.outside_requests == []
