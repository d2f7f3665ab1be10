"""Headless Chromium: an incident's phases, ticking a phase run, a change linked to an incident."""

from __future__ import annotations

import pytest

from tests.conftest import browser_login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
class TestIncidentPhasesInTheBrowser:
    def test_tick_a_phase_from_the_incident_page_and_see_the_change_link(self, page, make_user, procedures):
        from changes.services import change_link_incident
        from incidents.models import Service, Severity
        from incidents.services import incident_declare
        from opsportal.roles import Role
        from tests.integ.test_change_links import make_change_now

        oncall = make_user("web.oncall", Role.ONCALL)
        api = Service.objects.create(name="API")
        incident = incident_declare(
            by=oncall, title="Checkout returns 502", severity=Severity.objects.get(code="P1"), services=[api]
        )
        change = make_change_now(requester=oncall)
        change_link_incident(change=change, incident=incident, kind="caused", by=oncall)

        browser_login(page, "web.oncall")
        page.goto(f"{page.base_url}/incidents/{incident.pk}/")
        page.wait_for_selector("[data-testid=phase]")
        screenshot(page, "integ-incident-with-phases")
        page.click("[data-testid=phase] a:has-text('Immediate Response')")
        page.wait_for_selector("[data-testid=run-subject]")
        page.locator("[data-testid=tick]").first.click()
        page.wait_for_selector("[data-testid=ticked-by]")
        screenshot(page, "integ-incident-phase-run")
        page.click("[data-testid=subject-link]")
        page.wait_for_selector("[data-testid=phases]")
        assert "1/5" in page.locator("[data-testid=phases]").inner_text()
        page.goto(f"{page.base_url}/changes/{change.pk}/")
        page.wait_for_selector("[data-testid=incident-link]")
        assert "Caused by this change" in page.locator("[data-testid=incident-links]").inner_text()
        assert page.locator("[data-testid=incident-flag]").count() == 1
        screenshot(page, "integ-change-with-incident")
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{page.base_url}/incidents/{incident.pk}/")
        screenshot(page, "integ-incident-with-phases-phone")
        assert page.outside_requests == []
