"""The handover page in headless Chromium: the digest, the note and the Acknowledge button (screenshots)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from changes.models import ChangeRequest
from incidents.models import Incident, Severity
from oncall import selectors
from oncall.handover import handover_note_save, handovers_send_due
from oncall.models import Handover
from tests.conftest import browser_login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
class TestHandoverPageInBrowser:
    def test_the_incoming_person_reads_and_acknowledges_the_handover(self, page, london_weekly, manager_user):
        # The live server runs on the real clock: hand over at the last handoff before now.
        now = timezone.now()
        handoff = selectors.handoffs_between(london_weekly, now - timedelta(days=8), now)[-1]
        handover = Handover.objects.create(
            schedule=london_weekly, handoff_at=handoff.at, outgoing=handoff.outgoing, incoming=handoff.incoming
        )
        handover_note_save(handover=handover, by=handoff.outgoing, note="db-2 disk at 85%: the cleanup job is PR 412.")
        severity = Severity.objects.create(code="P1", name="High", response_minutes=60, position=1)
        Incident.objects.create(
            title="Payments API errors", severity=severity, detected_at=handoff.at - timedelta(hours=2),
            response_due_at=handoff.at - timedelta(hours=1),
        )  # fmt: skip
        ChangeRequest.objects.create(
            title="Upgrade PostgreSQL to 16.4", status="implementation", requester=manager_user,
            status_changed_at=now,
        )  # fmt: skip
        assert handovers_send_due(now=handoff.at + timedelta(seconds=30)) == 1

        browser_login(page, handoff.incoming.username)
        page.goto(f"{page.base_url}/oncall/handovers/{handover.pk}/")
        digest = page.locator("[data-testid=handover-digest]")
        assert "Payments API errors" in digest.inner_text()
        assert "Upgrade PostgreSQL to 16.4" in digest.inner_text()
        assert "db-2 disk at 85%" in page.locator("[data-testid=handover-note]").inner_text()
        screenshot(page, "oncall-handover")
        with page.expect_navigation():
            page.get_by_role("button", name="Acknowledge", exact=True).click()
        assert "Acknowledged" in page.locator("[data-testid=handover-state]").inner_text()
        screenshot(page, "oncall-handover-acknowledged")
        handover.refresh_from_db()
        assert handover.acknowledged_by == handoff.incoming

        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{page.base_url}/oncall/handovers/")
        assert page.locator("[data-testid=handover-list] tbody tr").count() == 1
        screenshot(page, "oncall-handovers-phone")
        assert page.outside_requests == []
