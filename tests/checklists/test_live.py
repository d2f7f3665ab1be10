"""The run page stays live: its fragment answers 304 while nothing changed, 200 after a tick."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from checklists.models import ChecklistRun, RunItem
from checklists.services import run_item_tick, runs_generate
from opsportal import clock
from tests.conftest import browser_login

DAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def run(make_template):
    template = make_template("Morning", items=3)
    runs_generate(start=DAY, end=DAY, now=NOW - timedelta(days=1))
    return ChecklistRun.objects.get(template=template)


def poll(client, run, etag: str = ""):
    headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/checklists/runs/{run.pk}/live/", **HTMX, **headers)
    return response, len(queries)


@pytest.mark.django_db
class TestTheRunPagePolls:
    @pytest.fixture(autouse=True)
    def within_the_runs_window(self):
        with time_machine.travel(NOW, tick=True):
            yield

    def test_the_page_polls_its_live_fragment_with_its_etag(self, run, client_for, ops_user, settings):
        settings.LIVE_POLL_SECONDS = 7
        body = client_for(ops_user).get(f"/checklists/runs/{run.pk}/").content.decode()
        first, _ = poll(client_for(ops_user), run)
        assert f'hx-get="/checklists/runs/{run.pk}/live/"' in body and 'hx-trigger="every 7s"' in body
        assert f'data-etag="{first["ETag"]}"' in body.replace("&quot;", '"')

    def test_an_unchanged_poll_answers_304_with_few_queries_and_no_body(self, run, client_for, ops_user):
        client = client_for(ops_user)
        first, full_queries = poll(client, run)
        assert first.status_code == 200 and first.content.decode().count('data-testid="run-item"') == 3
        again, queries = poll(client, run, first["ETag"])
        assert again.status_code == 304 and again.content == b""
        assert again["ETag"] == first["ETag"]
        # session, user, roles, the run, one aggregate over its items: no rendering, no item rows
        assert queries <= 6 and queries < full_queries

    def test_the_304_costs_the_same_queries_for_3_items_and_for_60(self, run, make_template, client_for, ops_user):
        client = client_for(ops_user)
        first, _ = poll(client, run)
        _, small_queries = poll(client, run, first["ETag"])
        big_template = make_template("Big", items=60)
        runs_generate(start=DAY, end=DAY, now=NOW - timedelta(days=1))
        big = ChecklistRun.objects.get(template=big_template)
        big_first, _ = poll(client, big)
        response, big_queries = poll(client, big, big_first["ETag"])
        assert response.status_code == 304 and big_queries == small_queries

    def test_another_users_tick_answers_200_with_the_new_fragment(self, run, client_for, ops_user, manager_user):
        manager = client_for(manager_user)
        first, _ = poll(manager, run)
        run_item_tick(item=RunItem.objects.filter(run=run).order_by("position").first(), by=ops_user)
        response, _ = poll(manager, run, first["ETag"])
        body = response.content.decode()
        assert response.status_code == 200 and response["ETag"] != first["ETag"]
        assert "1 of 3 done" in body and "Ticked by" in body
        assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]

    def test_a_note_changes_the_version_too(self, run, client_for, ops_user):
        from checklists.services import run_item_note

        client = client_for(ops_user)
        first, _ = poll(client, run)
        run_item_note(item=RunItem.objects.filter(run=run).first(), by=ops_user, note="Checked twice")
        response, _ = poll(client, run, first["ETag"])
        assert response.status_code == 200 and "Checked twice" in response.content.decode()

    def test_an_outsider_polls_into_a_403(self, run, client_for, outsider):
        response, _ = poll(client_for(outsider), run)
        assert response.status_code == 403

    def test_an_unknown_run_polls_into_a_404(self, client_for, ops_user, db):
        assert client_for(ops_user).get("/checklists/runs/999999/live/", **HTMX).status_code == 404


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
class TestASecondViewerSeesTicks:
    def test_a_manager_watching_the_run_sees_an_ops_tick_without_a_reload(
        self, browser, live_server, make_template, ops_user, manager_user, settings
    ):
        settings.LIVE_POLL_SECONDS = 1
        template = make_template("Morning Startup", items=4, time_of_day=time(0, 0))
        today = clock.local_today()
        runs_generate(start=today, end=today, now=datetime.now(tz=UTC) - timedelta(days=1))
        run = ChecklistRun.objects.get(template=template)
        pages = []
        for user in (ops_user, manager_user):
            context = browser.new_context(viewport={"width": 1280, "height": 900}, timezone_id="Europe/London")
            viewer = context.new_page()
            viewer.base_url = live_server.url
            browser_login(viewer, user.username)
            viewer.goto(f"{live_server.url}/checklists/runs/{run.pk}/")
            pages.append(viewer)
        ops, manager = pages
        manager.evaluate("window.__notReloaded = true")
        statuses: list[int] = []
        manager.on("response", lambda r: statuses.append(r.status) if "/live/" in r.url else None)
        # Unchanged polls answer 304 and leave the page alone.
        manager.wait_for_timeout(2500)
        assert 304 in statuses and 200 not in statuses
        assert manager.locator('[data-testid="progress-text"]').inner_text() == "0 of 4 done"

        ops.locator('[data-testid="run-item"]').first.locator('[data-testid="tick"]').click()
        ops.wait_for_function("() => document.querySelector('[data-testid=progress-bar]').style.width === '25%'")

        manager.wait_for_function(
            "() => document.querySelector('[data-testid=progress-bar]').style.width === '25%'", timeout=3000
        )
        assert manager.locator('[data-testid="progress-text"]').inner_text() == "1 of 4 done"
        assert "Ticked by olivia.ops" in manager.locator('[data-testid="run-item"]').first.inner_text()
        assert manager.evaluate("window.__notReloaded") is True
        for viewer in pages:
            viewer.context.close()

    def test_a_viewer_whose_session_ends_keeps_the_page_instead_of_the_login_form(
        self, browser, live_server, make_template, ops_user, settings
    ):
        settings.LIVE_POLL_SECONDS = 1
        template = make_template("Evening", items=2, time_of_day=time(0, 0))
        today = clock.local_today()
        runs_generate(start=today, end=today, now=datetime.now(tz=UTC) - timedelta(days=1))
        run = ChecklistRun.objects.get(template=template)
        context = browser.new_context()
        viewer = context.new_page()
        viewer.base_url = live_server.url
        browser_login(viewer, ops_user.username)
        viewer.goto(f"{live_server.url}/checklists/runs/{run.pk}/")
        context.clear_cookies()
        run_item_tick(item=RunItem.objects.filter(run=run).first(), by=ops_user)
        with viewer.expect_response(lambda r: "/live/" in r.url or "/login/" in r.url):
            pass
        viewer.wait_for_timeout(2500)
        assert viewer.locator('[data-testid="run-item"]').count() == 2
        context.close()
