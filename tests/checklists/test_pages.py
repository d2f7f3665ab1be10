"""The web pages: Today, the run page with htmx ticking, history and the index."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from checklists.models import ChecklistRun, RunItem, RunStatus
from checklists.services import run_item_flag_problem, runs_generate

DAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def within_the_runs_window():
    """Work inside the window of the runs these tests generate (1 Dec 2026), whatever today is."""
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def run(make_template):
    template = make_template("Morning", items=3, evidence=(3,))
    runs_generate(start=DAY, end=DAY, now=NOW - timedelta(days=1))
    return ChecklistRun.objects.get(template=template)


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)


@pytest.mark.django_db
class TestToday:
    def test_it_lists_my_groups_runs_with_progress_and_badges(self, run, make_template, client_for, ops_user, settings):
        runs_generate(start=DAY - timedelta(days=1), end=DAY + timedelta(days=1), now=NOW - timedelta(days=2))
        with time_machine.travel(NOW + timedelta(hours=1), tick=False):
            body = client_for(ops_user).get("/").content.decode()
        assert body.count('data-testid="today-run"') == 1
        assert "Morning" in body and 'data-testid="overdue"' in body

    def test_it_shows_a_due_badge_before_the_due_time(self, run, client_for, ops_user):
        with time_machine.travel(NOW, tick=False):
            body = client_for(ops_user).get("/").content.decode()
        assert 'data-testid="due"' in body

    def test_other_groups_runs_are_not_on_my_today(self, run, client_for, oncall_user):
        with time_machine.travel(NOW, tick=False):
            body = client_for(oncall_user).get("/").content.decode()
        assert 'data-testid="today-run"' not in body
        assert "No checklists for your groups today" in body

    def test_a_manager_oversees_every_groups_runs(self, run, client_for, manager_user):
        with time_machine.travel(NOW, tick=False):
            body = client_for(manager_user).get("/").content.decode()
        assert body.count('data-testid="today-run"') == 1

    def test_its_queries_do_not_grow_with_the_number_of_runs(self, make_template, client_for, ops_user):
        client = client_for(ops_user)
        make_template("Only one", items=2)
        runs_generate(start=DAY, end=DAY, now=NOW - timedelta(days=1))
        with time_machine.travel(NOW, tick=False):
            one = count_queries(client, "/")
            for index in range(49):
                make_template(f"Template {index}", items=2)
            runs_generate(start=DAY, end=DAY, now=NOW - timedelta(days=1))
            assert ChecklistRun.objects.count() == 50
            fifty = count_queries(client, "/")
        assert one == fifty
        # 1. session, 2. user, 3. the user's roles (groups), 4. the runs of the user's groups,
        # 5. the incidents section (the ops user sees no change section), 6. the latest reports,
        # 7. the live version the page polls with (opsportal.live.today_version, one query),
        # 8. the user's open meeting action items, 9. the unread-notifications badge (one COUNT).
        assert fifty == 9


@pytest.mark.django_db
class TestRunPage:
    def test_it_shows_items_and_progress(self, run, client_for, ops_user):
        body = client_for(ops_user).get(f"/checklists/runs/{run.pk}/").content.decode()
        assert body.count('data-testid="run-item"') == 3
        assert "0 of 3 done" in body and 'data-testid="tick"' in body

    def test_a_reader_outside_the_group_sees_no_tick_buttons(self, run, client_for, oncall_user):
        body = client_for(oncall_user).get(f"/checklists/runs/{run.pk}/").content.decode()
        assert 'data-testid="tick"' not in body and "only Ops staff" in body

    def test_an_outsider_gets_403(self, run, client_for, outsider):
        assert client_for(outsider).get(f"/checklists/runs/{run.pk}/").status_code == 403

    def test_its_queries_do_not_grow_with_the_number_of_items(self, make_template, client_for, ops_user):
        client = client_for(ops_user)
        small = make_template("Small", items=1)
        large = make_template("Large", items=50)
        runs_generate(start=DAY, end=DAY, now=NOW - timedelta(days=1))
        small_run, large_run = (ChecklistRun.objects.get(template=t) for t in (small, large))
        from checklists.services import run_item_link_raised

        for item in RunItem.objects.filter(run__in=[small_run, large_run]):
            run_item_flag_problem(item=item, by=ops_user, note="Broken")
            run_item_link_raised(item=item, raised=large)  # stands in for an incident
        assert count_queries(client, f"/checklists/runs/{small_run.pk}/") == count_queries(
            client, f"/checklists/runs/{large_run.pk}/"
        )


@pytest.mark.django_db
class TestItemPartials:
    def test_tick_answers_the_row_and_the_progress_bar_out_of_band(self, run, client_for, ops_user):
        item = run.items.order_by("position").first()
        response = client_for(ops_user).post(f"/checklists/items/{item.pk}/tick/", **HTMX)
        body = response.content.decode()
        assert response.status_code == 200
        assert f'id="item-{item.pk}"' in body and 'hx-swap-oob="true"' in body
        assert "1 of 3 done" in body and "Ticked by olivia.ops" in body

    def test_untick_and_note(self, run, client_for, ops_user):
        client = client_for(ops_user)
        item = run.items.order_by("position").first()
        client.post(f"/checklists/items/{item.pk}/tick/", **HTMX)
        assert "0 of 3 done" in client.post(f"/checklists/items/{item.pk}/untick/", **HTMX).content.decode()
        assert (
            "Checked twice"
            in client.post(f"/checklists/items/{item.pk}/note/", {"note": "Checked twice"}, **HTMX).content.decode()
        )

    def test_an_evidence_item_without_a_note_shows_the_error_on_the_row(self, run, client_for, ops_user):
        item = run.items.get(position=3)
        response = client_for(ops_user).post(f"/checklists/items/{item.pk}/tick/", {"note": ""}, **HTMX)
        assert response.status_code == 422
        assert 'data-field="note"' in response.content.decode()
        item.refresh_from_db()
        assert item.done_at is None

    def test_an_over_long_note_shows_a_field_error(self, run, client_for, ops_user):
        item = run.items.get(position=1)
        response = client_for(ops_user).post(f"/checklists/items/{item.pk}/note/", {"note": "x" * 2001}, **HTMX)
        assert response.status_code == 422 and "2000 characters" in response.content.decode()

    def test_a_missed_run_refuses_with_a_message(self, run, client_for, ops_user):
        ChecklistRun.objects.filter(pk=run.pk).update(status=RunStatus.MISSED)
        item = run.items.get(position=1)
        response = client_for(ops_user).post(f"/checklists/items/{item.pk}/tick/", **HTMX)
        assert response.status_code == 409 and "was missed" in response.content.decode()

    def test_a_user_outside_the_group_gets_403_with_a_message(self, run, client_for, oncall_user):
        item = run.items.get(position=1)
        response = client_for(oncall_user).post(f"/checklists/items/{item.pk}/tick/", **HTMX)
        assert response.status_code == 403 and "Ops staff" in response.content.decode()

    def test_a_flagged_item_offers_to_raise_an_incident_once_incidents_can(
        self, run, client_for, ops_user, monkeypatch
    ):
        item = run.items.get(position=1)
        body = (
            client_for(ops_user)
            .post(f"/checklists/items/{item.pk}/problem/", {"problem_note": "Backups failed"}, **HTMX)
            .content.decode()
        )
        assert "Problem found" in body and "Backups failed" in body
        from checklists import views

        monkeypatch.setattr(views, "reverse", lambda name: "/incidents/declare/")
        body = client_for(ops_user).get(f"/checklists/runs/{run.pk}/").content.decode()
        assert f'href="/incidents/declare/?from_item={item.pk}"' in body


@pytest.mark.django_db
class TestHistoryAndIndex:
    def test_history_filters_and_shows_completion_rates(self, make_template, client_for, ops_user):
        template = make_template("Morning", items=1)
        runs_generate(start=DAY, end=DAY + timedelta(days=3), now=NOW - timedelta(days=1))
        runs = list(ChecklistRun.objects.order_by("period_date"))
        ChecklistRun.objects.filter(pk=runs[0].pk).update(status=RunStatus.COMPLETED)
        ChecklistRun.objects.filter(pk=runs[1].pk).update(status=RunStatus.COMPLETED_LATE)
        ChecklistRun.objects.filter(pk__in=[runs[2].pk, runs[3].pk]).update(status=RunStatus.MISSED)
        client = client_for(ops_user)
        body = client.get("/checklists/history/").content.decode()
        assert body.count('data-testid="history-row"') == 4
        assert 'data-testid="completion-rate">50%' in body and 'data-testid="on-time-rate">25%' in body
        body = client.get(
            f"/checklists/history/?template={template.pk}&status=missed&date_from=2026-12-03"
        ).content.decode()
        assert body.count('data-testid="history-row"') == 2
        body = client.get("/checklists/history/?date_from=2026-12-04&date_to=2026-12-01").content.decode()
        assert "The end date is before the start date." in body

    def test_index_lists_templates_and_my_runs(self, run, client_for, ops_user):
        with time_machine.travel(NOW, tick=False):
            body = client_for(ops_user).get("/checklists/").content.decode()
        assert 'data-testid="template-row"' in body and "Daily at 08:00" in body
        assert 'data-testid="today-run"' in body


@pytest.mark.django_db
class TestTodayAcrossTheWeekAndMonth:
    def test_the_weekly_run_shows_on_its_day_and_the_monthly_run_all_its_week(self, procedures, client_for, ops_user):
        runs_generate(start=date(2026, 11, 30), end=date(2026, 12, 10), now=datetime(2026, 11, 1, tzinfo=UTC))
        client = client_for(ops_user)

        def names_on(day: int) -> set[str]:
            with time_machine.travel(datetime(2026, 12, day, 10, 0, tzinfo=UTC), tick=False):
                body = client.get("/").content.decode()
            return {
                name
                for name in ChecklistRun.objects.values_list("name", flat=True).distinct()
                if f">{name}</a>" in body
            }

        assert "Monday - Planning and Strategy" in names_on(7)
        assert "Monday - Planning and Strategy" not in names_on(8)
        assert "Wednesday - Content and Quality Assurance" in names_on(2)
        for day in (1, 4, 7):
            assert "First Week - Strategic Review" in names_on(day)
        assert "First Week - Strategic Review" not in names_on(8)
        assert "Second Week - Technical Maintenance" in names_on(8)
        assert {"Morning Startup", "Midday Review", "Evening Wrap-up"} <= names_on(3)


@pytest.mark.django_db
class TestRaisedLinkBothWays:
    def test_an_item_that_raised_something_links_to_it(self, run, client_for, ops_user):
        from checklists.services import run_item_link_raised

        item = run.items.get(position=1)
        run_item_flag_problem(item=item, by=ops_user, note="Disk full")
        target = run.template  # any model with get_absolute_url stands in for an incident
        run_item_link_raised(item=item, raised=target)
        body = client_for(ops_user).get(f"/checklists/runs/{run.pk}/").content.decode()
        assert f'href="{target.get_absolute_url()}"' in body and "Open the incident" in body


@pytest.mark.django_db
class TestHistoryQueries:
    def test_its_queries_do_not_grow_with_the_number_of_runs(self, make_template, client_for, ops_user):
        client = client_for(ops_user)
        make_template("Morning", items=1)
        runs_generate(start=DAY, end=DAY, now=NOW)
        one = count_queries(client, "/checklists/history/")
        for index in range(10):
            make_template(f"T{index}", items=1)
        runs_generate(start=DAY, end=DAY + timedelta(days=4), now=NOW)
        assert count_queries(client, "/checklists/history/") == one
