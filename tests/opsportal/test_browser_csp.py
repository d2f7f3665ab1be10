"""In headless Chromium: every page runs under the strict Content-Security-Policy without a violation.

The demo data gives every page something to show: a run with progress, an incident with its
timeline and review, a change, a built report with charts. Violations are caught twice: the
console messages Chromium writes, and ``securitypolicyviolation`` events recorded by an init
script (Playwright injects it outside the page's policy).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import F

from tests.conftest import browser_login, screenshot

DEMO_PASSWORD = "violet-harbour-kettle-93"

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline") + " at " +
                              event.sourceFile + ":" + event.lineNumber);
});
"""


def _demo_pages() -> list[tuple[str, str]]:
    """Return (name, path) of every page of every area, with one record of each kind."""
    from changes.models import ChangeRequest
    from checklists.models import ChecklistRun, ChecklistTemplate
    from incidents.models import Incident, PostIncidentReview
    from reporting.models import Report

    run = ChecklistRun.objects.filter(items_done__gt=0).exclude(items_done=F("items_total")).first()
    run = run or ChecklistRun.objects.first()
    incident = Incident.objects.order_by("-pk").first()
    reviewed = PostIncidentReview.objects.first()
    change = ChangeRequest.objects.order_by("-pk").first()
    report = Report.objects.order_by("-pk").first()
    template = ChecklistTemplate.objects.order_by("pk").first()
    assert template and run and incident and reviewed and change and report, "the demo data has one of each"
    return [
        ("today", "/"),
        ("checklists", "/checklists/"),
        ("checklists-history", "/checklists/history/"),
        ("checklists-run", f"/checklists/runs/{run.pk}/"),
        ("incidents", "/incidents/"),
        ("incidents-declare", "/incidents/declare/"),
        ("incidents-at-risk", "/incidents/at-risk/"),
        ("incident", f"/incidents/{incident.pk}/"),
        ("incident-review", f"/incidents/{reviewed.incident_id}/review/"),
        ("changes", "/changes/"),
        ("changes-new", "/changes/new/"),
        ("change", f"/changes/{change.pk}/"),
        ("change-edit", f"/changes/{change.pk}/edit/"),
        ("changes-calendar", "/changes/calendar/"),
        ("reports", "/reports/"),
        ("reports-list", "/reports/list/"),
        ("report", f"/reports/{report.pk}/"),
        ("measurement-new", "/reports/measurements/new/"),
        ("measurement-import", "/reports/measurements/import/"),
        ("notifications", "/notifications/"),
        ("admin", "/admin/"),
        ("admin-templates", "/admin/checklists/checklisttemplate/"),
        ("admin-template", f"/admin/checklists/checklisttemplate/{template.pk}/change/"),
        ("admin-severities", "/admin/incidents/severity/"),
        ("admin-incidents", "/admin/incidents/incident/"),
        ("admin-users", "/admin/auth/user/"),
        ("admin-user-add", "/admin/auth/user/add/"),
        ("api-root", "/api/v1/"),
        ("api-docs", "/api/docs/"),
    ]


def _watch(page: Any) -> list[str]:
    console: list[str] = []
    page.on(
        "console",
        lambda message: console.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.add_init_script(RECORD_VIOLATIONS)
    return console


def _visit(page: Any, name: str, path: str, console: list[str]) -> None:
    response = page.goto(f"{page.base_url}{path}")
    assert response.status == 200, f"{path} answered {response.status}"
    assert "script-src 'self'" in response.headers["content-security-policy"], path
    page.wait_for_load_state("networkidle")
    if name == "api-docs":
        page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)  # the UI drew the schema
    violations = page.evaluate("window.__cspViolations")
    assert violations == [], f"{path}: {violations}"
    assert console == [], f"{path}: {console}"
    screenshot(page, f"csp-{name}")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
class TestStrictContentSecurityPolicyInTheBrowser:
    def test_an_admin_visits_every_page_without_a_violation(self, page, monkeypatch):
        monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
        call_command("import_procedures", stdout=open("/dev/null", "w"))  # noqa: SIM115
        call_command("seed_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
        from opsportal.groups import sync_role_permissions

        sync_role_permissions()  # an earlier transactional test flushed the Admin group's permissions
        console = _watch(page)
        browser_login(page, "admin", DEMO_PASSWORD)
        for name, path in _demo_pages():
            _visit(page, name, path, console)
            if name == "checklists":
                # Progress bars take their width from data-percent (no style attribute in the HTML).
                widths = page.evaluate(
                    "[...document.querySelectorAll('.progress-bar[data-percent]')]"
                    ".map(bar => [bar.dataset.percent, bar.style.width])"
                )
                assert widths, "the checklists page shows progress bars"
                assert all(style == f"{percent}%" for percent, style in widths)
            if name == "report":
                page.wait_for_function("() => document.querySelectorAll('canvas[data-rendered=true]').length > 0")
        # A select that submits its form on change (data-autosubmit) still does.
        page.goto(f"{page.base_url}/reports/list/")
        with page.expect_navigation():
            page.select_option("select[data-autosubmit]", index=1)
        assert "kind=" in page.url
        assert page.evaluate("window.__cspViolations") == []
        assert console == []
        assert page.outside_requests == []

    def test_ops_staff_see_login_and_today_without_a_violation(self, page, ops_user):
        console = _watch(page)
        login = page.goto(f"{page.base_url}/accounts/login/")
        assert "default-src 'self'" in login.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__cspViolations") == []
        screenshot(page, "csp-login")
        browser_login(page, ops_user.username)
        _visit(page, "today-ops", "/", console)
        page.set_viewport_size({"width": 390, "height": 844})  # a phone
        page.click(".navbar-toggler")  # Bootstrap's collapse animates through CSSOM styles: allowed
        page.wait_for_selector("#main-nav.show")
        screenshot(page, "csp-today-ops-phone")
        assert page.evaluate("window.__cspViolations") == []
        assert console == []
        assert page.outside_requests == []
