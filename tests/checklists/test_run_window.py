"""Finished runs stay finished: writes only inside a run's window, and Today's upcoming runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from checklists.models import ChecklistRun, RunItem, RunStatus
from checklists.services import (
    RunClosed,
    run_item_clear_problem,
    run_item_flag_problem,
    run_item_note,
    run_item_tick,
    run_item_untick,
    runs_generate,
)

LAST_WEEK = date(2026, 11, 23)  # a Monday; the run opens at 08:00 and closes at midnight
DURING_LAST_WEEK = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
TODAY = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}


def items_of(run):
    return list(run.items.order_by("position"))


@pytest.fixture
def completed_last_week(make_template, ops_user):
    template = make_template("Morning", items=2)
    runs_generate(start=LAST_WEEK, end=LAST_WEEK, now=DURING_LAST_WEEK - timedelta(days=1))
    run = ChecklistRun.objects.get(template=template)
    with time_machine.travel(DURING_LAST_WEEK, tick=False):
        for item in items_of(run):
            run_item_tick(item=item, by=ops_user)
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED
    return run


@pytest.fixture
def tomorrows_run(make_template):
    template = make_template("Evening", items=2)
    runs_generate(start=date(2026, 12, 1), end=date(2026, 12, 1), now=TODAY)
    return ChecklistRun.objects.get(template=template)


@pytest.mark.django_db
class TestARunWhoseWindowEnded:
    def test_a_completed_run_of_last_week_can_no_longer_be_unticked_or_reticked(self, completed_last_week, ops_user):
        first, _ = items_of(completed_last_week)
        with time_machine.travel(TODAY, tick=False):
            with pytest.raises(RunClosed, match="window closed at 00:00 on 24 Nov 2026"):
                run_item_untick(item=first, by=ops_user)
            with pytest.raises(RunClosed):
                run_item_tick(item=first, by=ops_user)
        completed_last_week.refresh_from_db()
        assert (completed_last_week.status, completed_last_week.items_done) == (RunStatus.COMPLETED, 2)
        first.refresh_from_db()
        assert first.done_at == DURING_LAST_WEEK

    def test_notes_and_problem_flags_are_refused_too(self, completed_last_week, ops_user):
        first, _ = items_of(completed_last_week)
        with time_machine.travel(TODAY, tick=False):
            for write in (
                lambda: run_item_note(item=first, by=ops_user, note="afterthought"),
                lambda: run_item_flag_problem(item=first, by=ops_user, note="broken"),
                lambda: run_item_clear_problem(item=first, by=ops_user),
            ):
                with pytest.raises(RunClosed):
                    write()
        first.refresh_from_db()
        assert (first.note, first.problem) == ("", False)

    def test_the_api_answers_409_in_the_error_shape_for_every_write(self, completed_last_week, client_for, ops_user):
        client = client_for(ops_user)
        first, _ = items_of(completed_last_week)
        with time_machine.travel(TODAY, tick=False):
            for action, body in (
                ("untick", {}),
                ("tick", {}),
                ("note", {"note": "x"}),
                ("problem", {"problem_note": "x"}),
            ):
                response = client.post(
                    f"/api/v1/checklists/items/{first.pk}/{action}/", body, content_type="application/json"
                )
                assert response.status_code == 409, (action, response.content)
                error = response.json()["error"]
                assert (error["status"], error["code"]) == (409, "conflict")
                assert "can no longer be changed" in error["message"]
        assert RunItem.objects.filter(run=completed_last_week, done_at=DURING_LAST_WEEK).count() == 2

    def test_the_page_shows_the_message_and_no_buttons(self, completed_last_week, client_for, ops_user):
        client = client_for(ops_user)
        first, _ = items_of(completed_last_week)
        with time_machine.travel(TODAY, tick=False):
            response = client.post(f"/checklists/items/{first.pk}/untick/", **HTMX)
            assert response.status_code == 409
            assert "can no longer be changed" in response.content.decode()
            body = client.get(f"/checklists/runs/{completed_last_week.pk}/").content.decode()
        assert 'data-testid="run-refusal"' in body
        assert 'data-testid="untick"' not in body and 'data-testid="tick"' not in body


@pytest.mark.django_db
class TestARunThatHasNotOpened:
    def test_a_tick_is_refused_with_the_opening_time(self, tomorrows_run, ops_user):
        with time_machine.travel(TODAY, tick=False), pytest.raises(RunClosed) as refusal:
            run_item_tick(item=items_of(tomorrows_run)[0], by=ops_user)
        assert "opens at 08:00 on 01 Dec 2026" in refusal.value.message
        assert not RunItem.objects.filter(run=tomorrows_run, done_at__isnull=False).exists()

    def test_the_api_answers_409_saying_when_it_opens(self, tomorrows_run, client_for, ops_user):
        item = items_of(tomorrows_run)[0]
        with time_machine.travel(TODAY, tick=False):
            response = client_for(ops_user).post(f"/api/v1/checklists/items/{item.pk}/tick/")
        assert response.status_code == 409
        assert "opens at 08:00 on 01 Dec 2026" in response.json()["error"]["message"]

    def test_the_page_says_when_it_opens(self, tomorrows_run, client_for, ops_user):
        item = items_of(tomorrows_run)[0]
        with time_machine.travel(TODAY, tick=False):
            response = client_for(ops_user).post(f"/checklists/items/{item.pk}/tick/", **HTMX)
        assert response.status_code == 409
        assert "opens at 08:00 on 01 Dec 2026" in response.content.decode()

    def test_once_open_it_takes_ticks(self, tomorrows_run, ops_user):
        with time_machine.travel(datetime(2026, 12, 1, 8, 0, tzinfo=UTC), tick=False):
            item = run_item_tick(item=items_of(tomorrows_run)[0], by=ops_user)
        assert item.done_by == ops_user


@pytest.mark.django_db
class TestTodayListsUnopenedRunsAsUpcoming:
    def test_before_its_time_a_run_is_upcoming_not_open(self, make_template, client_for, ops_user):
        make_template("Morning", items=2)
        runs_generate(start=date(2026, 12, 1), end=date(2026, 12, 1), now=TODAY)
        client = client_for(ops_user)
        with time_machine.travel(datetime(2026, 12, 1, 7, 0, tzinfo=UTC), tick=False):
            body = client.get("/").content.decode()
        assert 'data-testid="today-run"' not in body
        assert body.count('data-testid="upcoming-run"') == 1
        assert (
            'opens <time datetime="2026-12-01T08:00:00Z" title="Tue 1 Dec 08:00 UTC" class="when">in 1 h</time>' in body
        )
        with time_machine.travel(datetime(2026, 12, 1, 8, 0, tzinfo=UTC), tick=False):
            body = client.get("/").content.decode()
        assert body.count('data-testid="today-run"') == 1 and 'data-testid="upcoming-run"' not in body
