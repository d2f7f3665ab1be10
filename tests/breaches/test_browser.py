"""The breach register and an incident's breach card in a real browser, on desktop and phone."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from breaches.models import Breach
from breaches.services import breach_record_notification, incident_flags_set
from incidents.services import incident_declare
from opsportal.roles import Role
from tests.conftest import browser_login
from tests.opsportal.test_browser_csp import _watch

SHOTS = Path("/tmp/shots/breach")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
class TestBreachesInABrowser:
    def test_a_manager_reads_the_register_and_records_a_notification(self, page, make_user, severities):
        manager = make_user("maria.manager", Role.MANAGER)
        oncall = make_user("omar.oncall", Role.ONCALL)
        now = timezone.now()
        overdue = incident_declare(by=oncall, title="Payroll export on a public share", severity=severities["P1"])
        incident_flags_set(
            incident=overdue, by=oncall, security=True, personal_data_breach=True, aware_at=now - timedelta(hours=80),
            what_happened="The March payroll export was readable from a public link for two days.",
            categories="names, salaries, bank details", people_affected=340,
        )  # fmt: skip
        notified = incident_declare(
            by=oncall, title="Newsletter sent with every address in CC", severity=severities["P3"],
            personal_data_breach=True,
        )  # fmt: skip
        breach_record_notification(
            breach=notified.breach, by=manager, notified_at=timezone.now(), reference="ICO-2026-0417"
        )
        open_one = incident_declare(by=oncall, title="Laptop stolen from a car", severity=severities["P2"])
        incident_flags_set(
            incident=open_one, by=oncall, security=True, personal_data_breach=True, aware_at=now - timedelta(hours=20),
            what_happened="An unencrypted laptop with a customer list was stolen.", categories="names, e-mail addresses",
            people_affected=1200,
        )  # fmt: skip
        console = _watch(page)
        browser_login(page, "maria.manager")

        page.goto(f"{page.base_url}/compliance/")
        page.click('a[href="/compliance/breaches/"]')
        page.wait_for_load_state("networkidle")
        assert page.locator('[data-testid="breach-row"]').count() == 3
        assert page.locator('[data-testid="breach-row"][data-state="overdue"]').inner_text().count("overdue") >= 1
        shot(page, "register-desktop")
        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot(page, "register-phone")

        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{page.base_url}/incidents/{open_one.pk}/")
        card = page.locator('[data-testid="breach-card"]')
        assert "left" in card.locator('[data-testid="breach-countdown"]').inner_text()
        shot(page, "incident-breach-desktop")
        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot(page, "incident-breach-phone")

        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{page.base_url}/incidents/{overdue.pk}/")
        assert "overdue by" in page.locator('[data-testid="breach-countdown"]').inner_text()
        shot(page, "incident-breach-overdue-desktop")
        page.fill("#breach-notified-at", timezone.localtime(now - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M"))
        page.fill("#breach-reference", "ICO-2026-0420")
        page.click('[data-testid="breach-notify-form"] button[type=submit]')
        page.wait_for_load_state("networkidle")
        assert "ICO-2026-0420" in page.locator('[data-testid="breach-notified"]').inner_text()
        assert "No: notified after the deadline" in page.locator('[data-testid="breach-state"]').inner_text()
        assert Breach.objects.get(incident=overdue).notification_reference == "ICO-2026-0420"
        shot(page, "incident-breach-notified-desktop")

        assert page.outside_requests == []
        assert page.evaluate("window.__cspViolations") == []
        assert console == []
