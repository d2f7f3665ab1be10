"""In headless Chromium: axe-core finds no serious or critical WCAG 2.2 AA violation on any page.

Every page of every role (Ops staff, on-call, Manager, Admin), on a desktop (1280x800) and a
phone (390x844), with the demo data so that detail pages exist. axe-core comes bundled with
axe-playwright-python: nothing is fetched. One browser (the session's), one page reused for all.

A role's page is checked with axe when it shows something not yet checked on that page and
viewport: its set of element kinds (tag, classes, role, type) is not contained in those of the
renderings already checked (the other roles mostly see the same page with fewer buttons). Every
page of every role is still loaded, and must answer 200 or, for a page the role may not see, 403.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

DEMO_PASSWORD = "violet-harbour-kettle-93"
ROLES = ["admin", "manager", "oncall", "ops"]  # the widest view first: later roles add little
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = {"serious", "critical"}

# The kinds of element a page shows: what axe's rules look at (colours come from classes).
ELEMENT_KINDS = """
() => Array.from(new Set(Array.from(document.querySelectorAll("body *")).map(
  (el) => [el.tagName, el.getAttribute("class") || "", el.getAttribute("role") || "", el.getAttribute("type") || ""]
    .join("|"))))
"""


def _pages() -> list[str]:
    """Return every page of the portal, with one record of each kind from the demo data."""
    from changes.models import ChangeRequest
    from checklists.models import ChecklistRun, ChecklistTemplate
    from coordination.models import Meeting, Vendor
    from incidents.models import Incident, PostIncidentReview, Service
    from oncall.models import Handover, Schedule
    from reporting.models import Report

    run = ChecklistRun.objects.filter(items_done__gt=0).order_by("-opens_at").first() or ChecklistRun.objects.first()
    incident = Incident.objects.order_by("-pk").first()
    reviewed = PostIncidentReview.objects.first()
    change = ChangeRequest.objects.order_by("-pk").first()
    report = Report.objects.order_by("-pk").first()
    template = ChecklistTemplate.objects.order_by("pk").first()
    service = Service.objects.order_by("pk").first()
    schedule = Schedule.objects.order_by("pk").first()
    meeting = Meeting.objects.order_by("-pk").first()
    vendor = Vendor.objects.order_by("pk").first()
    handover = Handover.objects.order_by("-pk").first()
    records = [run, incident, reviewed, change, report, template, service, schedule, meeting, vendor]
    assert all(records), "the demo data has one of each"
    assert run and incident and reviewed and change and report and template and service and schedule
    assert meeting and vendor
    pages = [
        "/",
        "/checklists/",
        "/checklists/history/",
        f"/checklists/runs/{run.pk}/",
        "/incidents/",
        "/incidents/declare/",
        "/incidents/at-risk/",
        "/incidents/escalation-preview/?severity=P1",
        f"/incidents/{incident.pk}/",
        f"/incidents/{reviewed.incident_id}/",
        f"/incidents/{reviewed.incident_id}/review/",
        "/services/",
        f"/services/{service.pk}/",
        "/changes/",
        "/changes/new/",
        f"/changes/{change.pk}/",
        f"/changes/{change.pk}/edit/",
        "/changes/calendar/",
        "/changes/calendar/?view=month",
        "/reports/",
        "/reports/list/",
        f"/reports/{report.pk}/",
        "/reports/measurements/new/",
        "/reports/measurements/import/",
        "/oncall/",
        "/oncall/schedules/new/",
        f"/oncall/schedules/{schedule.pk}/edit/",
        "/oncall/overrides/",
        "/oncall/handovers/",
        "/meetings/",
        f"/meetings/{meeting.pk}/",
        "/skills/",
        "/vendors/",
        "/vendors/new/",
        f"/vendors/{vendor.pk}/edit/",
        "/compliance/",
        "/compliance/records/",
        "/notifications/",
        "/admin/",
        "/admin/incidents/incident/",
        f"/admin/checklists/checklisttemplate/{template.pk}/change/",
        "/admin/auth/user/add/",
    ]
    if handover:
        pages.append(f"/oncall/handovers/{handover.pk}/")
    return pages + _library_and_compliance_pages()


def _library_and_compliance_pages() -> list[str]:
    """Return the knowledge library's pages and the compliance pages of breaches, access reviews and training."""
    from access.models import AccessReview
    from knowledge.models import Page

    runbook = Page.objects.filter(versions__number=2).order_by("pk").first() or Page.objects.order_by("pk").first()
    review = AccessReview.objects.order_by("-pk").first()
    assert runbook and review, "the demo data has a runbook and an access review"
    pages = [
        "/knowledge/",
        "/knowledge/new/",
        "/knowledge/search/?q=database",
        f"/knowledge/{runbook.pk}/",
        f"/knowledge/{runbook.pk}/edit/",
        f"/knowledge/{runbook.pk}/versions/",
        "/compliance/breaches/",
        "/compliance/access-reviews/",
        f"/compliance/access-reviews/{review.pk}/",
        "/compliance/training/",
    ]
    if runbook.versions.count() > 1:
        pages.append(f"/knowledge/{runbook.pk}/diff/?from=1&to=2")
    return pages


def _login(page: Any, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    assert "/accounts/login/" not in page.url, f"{username} could not log in"


def _blocking(axe: Any, page: Any) -> list[dict[str, Any]]:
    options = {"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]}
    results = axe.run(page, options=options)
    return [violation for violation in results.response["violations"] if violation["impact"] in BLOCKING]


def _describe(where: str, violation: dict[str, Any]) -> str:
    nodes = "\n".join(
        f"      {node['target']}: {(node.get('failureSummary') or '').splitlines()[-1:]} {node['html'][:160]}"
        for node in violation["nodes"][:8]
    )
    return f"{where}: {violation['id']} ({violation['impact']}) {violation['help']}\n{nodes}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
class TestAxeFindsNoSeriousViolation:
    def test_every_page_of_every_role_on_desktop_and_phone(self, browser, live_server, monkeypatch):
        import os

        from axe_playwright_python.sync_playwright import Axe

        monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
        call_command("import_procedures", stdout=open(os.devnull, "w"))  # noqa: SIM115
        call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
        from opsportal.groups import sync_role_permissions

        sync_role_permissions()  # an earlier transactional test flushed the groups' permissions
        axe = Axe()
        base_url = live_server.url
        pages = _pages()
        failures: list[str] = []
        checked: dict[tuple[str, str], set[str]] = {}
        visits = runs = 0

        context = browser.new_context(viewport=VIEWPORTS["desktop"], timezone_id="Europe/London")
        page = context.new_page()
        for viewport, size in VIEWPORTS.items():
            page.set_viewport_size(size)
            page.context.clear_cookies()
            page.goto(f"{base_url}/accounts/login/")
            page.wait_for_load_state("load")
            for violation in _blocking(axe, page):
                failures.append(_describe(f"anonymous {viewport} /accounts/login/", violation))
            runs += 1
            for username in ROLES:
                page.context.clear_cookies()
                _login(page, base_url, username)
                for path in pages:
                    response = page.goto(f"{base_url}{path}", wait_until="load")
                    visits += 1
                    assert response is not None
                    if response.status == 403 or (path.startswith("/admin/") and "/admin/login/" in page.url):
                        continue  # not this role's page (the 403 page itself is checked once below)
                    assert response.status == 200, f"{username} {path} answered {response.status}"
                    kinds = set(page.evaluate(ELEMENT_KINDS))
                    seen = checked.setdefault((viewport, path), set())
                    if kinds <= seen:
                        continue
                    seen |= kinds
                    runs += 1
                    for violation in _blocking(axe, page):
                        failures.append(_describe(f"{username} {viewport} {path}", violation))
            # A refusal: the 403 page an Ops user sees on a Manager's page.
            page.goto(f"{base_url}/compliance/", wait_until="load")
            for violation in _blocking(axe, page):
                failures.append(_describe(f"ops {viewport} 403 /compliance/", violation))
        context.close()
        assert not failures, f"{len(failures)} serious or critical WCAG 2.2 AA violations:\n" + "\n".join(failures)
        assert visits == len(ROLES) * len(VIEWPORTS) * len(pages)
        unchecked = [(viewport, path) for viewport in VIEWPORTS for path in pages if (viewport, path) not in checked]
        assert not unchecked, f"no role could open {unchecked}"
        print(f"axe: {runs} checks over {visits} page visits")
