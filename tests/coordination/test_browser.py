"""The meetings, a meeting, skills and vendors pages in a real browser: desktop and phone, nothing from outside."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from coordination.models import MeetingActionItem, Skill, Vendor
from coordination.services import meeting_open, skill_flags_sweep
from incidents.models import Service
from opsportal.roles import Role
from tests.conftest import browser_login, screenshot
from tests.coordination.conftest import NOW

PAGES = [("meetings", "/meetings/"), ("meeting", None), ("skills", "/skills/"), ("vendors", "/vendors/")]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
class TestCoordinationPagesInABrowser:
    def test_a_manager_sees_every_page_on_desktop_and_phone(self, page, morning, schedules, make_user):
        manager = make_user("maria.manager", Role.MANAGER)
        engineer = make_user("oscar.oncall", Role.ONCALL)
        meeting, _ = meeting_open(schedule=schedules["standup"], day=date(2026, 3, 11), now=NOW)
        meeting.minutes = "Payments: the provider is investigating."
        meeting.save(update_fields=["minutes"])
        MeetingActionItem.objects.create(
            meeting=meeting, description="Call the payment provider", owner=engineer,
            due_date=date(2026, 3, 12), created_at=NOW,
        )  # fmt: skip
        payments, search = Service.objects.get(name="Payments"), Service.objects.create(name="Search")
        Skill.objects.create(user=engineer, service=payments, trained_on=date(2026, 1, 1))
        Skill.objects.create(user=manager, service=payments, trained_on=date(2025, 1, 1), expires_on=date(2026, 1, 1))
        Skill.objects.create(user=engineer, service=search, trained_on=date(2026, 1, 1))
        Skill.objects.create(user=manager, service=search, trained_on=date(2026, 1, 1))
        vendor = Vendor.objects.create(
            name="Stripe", support_contact="support@stripe.example · +1 888 555 0100",
            escalation_contact="Account manager: dana@stripe.example", contract_end=date.today() + timedelta(days=20),
            notes="Enterprise support plan: 1-hour response on P1.",
        )  # fmt: skip
        vendor.services.set([payments])
        skill_flags_sweep()  # Payments has one person currently trained: flagged
        browser_login(page, "maria.manager")
        for width, height, suffix in ((1280, 900, "desktop"), (390, 844, "phone")):
            page.set_viewport_size({"width": width, "height": height})
            for name, url in PAGES:
                page.goto(f"{page.base_url}{url or meeting.get_absolute_url()}")
                assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, suffix)
                screenshot(page, f"coordination-{name}-{suffix}")
                if name == "meeting" and suffix == "desktop":
                    assert page.locator('[data-testid="agenda-incidents"] li').count() == 2
                    assert page.locator('[data-testid="agenda-runs"] li').count() == 2
                    assert page.locator('[data-testid="agenda-changes"] li').count() == 2
                if name == "skills" and suffix == "desktop":
                    assert "Payments: 1 trained" in page.inner_text('[data-testid="skill-flags"]')
        assert page.outside_requests == []
