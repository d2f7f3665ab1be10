"""Ticking items: services, the API's item actions, permissions and concurrency."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection

from checklists.models import ChecklistRun, RunItem, RunStatus
from checklists.services import (
    RunClosed,
    run_create_for_subject,
    run_item_flag_problem,
    run_item_tick,
    run_item_untick,
    runs_generate,
)

DAY = date(2026, 12, 1)
BEFORE_DUE = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)  # the portal zone is UTC in tests


@pytest.fixture(autouse=True)
def within_the_runs_window():
    """Work inside the window of the runs these tests generate (1 Dec 2026), whatever today is."""
    with time_machine.travel(BEFORE_DUE, tick=True):
        yield


@pytest.fixture
def run(make_template):
    template = make_template("Morning", items=3, evidence=(3,))
    runs_generate(start=DAY, end=DAY, now=datetime(2026, 11, 30, tzinfo=UTC))
    return ChecklistRun.objects.get(template=template)


def items_of(run):
    return list(run.items.order_by("position"))


@pytest.mark.django_db
class TestRunItemTick:
    def test_it_records_who_and_when_and_moves_the_run_along(self, run, ops_user):
        first, second, third = items_of(run)
        with time_machine.travel(BEFORE_DUE, tick=False):
            item = run_item_tick(item=first, by=ops_user)
        assert (item.done_by, item.done_at) == (ops_user, BEFORE_DUE)
        run.refresh_from_db()
        assert (run.status, run.items_done, run.items_total) == (RunStatus.IN_PROGRESS, 1, 3)
        with time_machine.travel(BEFORE_DUE, tick=False):
            run_item_tick(item=second, by=ops_user)
            run_item_tick(item=third, by=ops_user, note="Checked the dashboard")
        run.refresh_from_db()
        assert (run.status, run.items_done, run.completed_at) == (RunStatus.COMPLETED, 3, BEFORE_DUE)

    def test_completing_after_the_due_time_is_late(self, run, ops_user):
        with time_machine.travel(BEFORE_DUE + timedelta(hours=2), tick=False):
            for item in items_of(run):
                run_item_tick(item=item, by=ops_user, note="done")
        run.refresh_from_db()
        assert run.status == RunStatus.COMPLETED_LATE

    def test_unticking_reopens_a_completed_run(self, run, ops_user):
        for item in items_of(run):
            run_item_tick(item=item, by=ops_user, note="ok")
        run_item_untick(item=items_of(run)[0], by=ops_user)
        run.refresh_from_db()
        assert (run.status, run.items_done, run.completed_at) == (RunStatus.IN_PROGRESS, 2, None)

    def test_ticking_twice_keeps_the_first_tick(self, run, ops_user, manager_user):
        first = items_of(run)[0]
        run_item_tick(item=first, by=ops_user)
        item = run_item_tick(item=first, by=manager_user)
        assert item.done_by == ops_user

    def test_an_evidence_item_without_a_note_is_a_field_error(self, run, ops_user):
        with pytest.raises(ValidationError) as error:
            run_item_tick(item=items_of(run)[2], by=ops_user)
        assert "note" in error.value.message_dict
        assert not RunItem.objects.filter(run=run, done_at__isnull=False).exists()

    def test_a_missed_run_refuses_ticks(self, run, ops_user):
        ChecklistRun.objects.filter(pk=run.pk).update(status=RunStatus.MISSED)
        with pytest.raises(RunClosed, match="missed"):
            run_item_tick(item=items_of(run)[0], by=ops_user)

    def test_a_problem_needs_a_note(self, run, ops_user):
        with pytest.raises(ValidationError) as error:
            run_item_flag_problem(item=items_of(run)[0], by=ops_user, note=" ")
        assert "problem_note" in error.value.message_dict
        item = run_item_flag_problem(item=items_of(run)[0], by=ops_user, note="Backups failed")
        assert (item.problem, item.problem_note, item.problem_by) == (True, "Backups failed", ops_user)


@pytest.mark.django_db
class TestItemActionsApi:
    def url(self, item, action):
        return f"/api/v1/checklists/items/{item.pk}/{action}/"

    def test_an_owner_ticks_and_unticks(self, run, client_for, ops_user):
        client = client_for(ops_user)
        item = items_of(run)[0]
        response = client.post(self.url(item, "tick"), {"note": "All green"}, content_type="application/json")
        assert response.status_code == 200, response.content
        assert (response.json()["done_by"], response.json()["note"]) == (ops_user.username, "All green")
        assert client.get(f"/api/v1/checklists/runs/{run.pk}/").json()["done_count"] == 1
        assert client.post(self.url(item, "untick")).json()["done_at"] is None

    def test_managers_and_admins_may_tick(self, run, client_for, manager_user, admin_user):
        first, second, _ = items_of(run)
        assert client_for(manager_user).post(self.url(first, "tick")).status_code == 200
        assert client_for(admin_user).post(self.url(second, "tick")).status_code == 200

    def test_a_user_outside_the_owning_group_gets_403_with_a_message(self, run, client_for, oncall_user):
        response = client_for(oncall_user).post(self.url(items_of(run)[0], "tick"))
        assert response.status_code == 403
        assert "Ops staff" in response.json()["error"]["message"]
        assert not RunItem.objects.filter(run=run, done_at__isnull=False).exists()

    def test_an_outsider_gets_403(self, run, client_for, outsider):
        assert client_for(outsider).post(self.url(items_of(run)[0], "tick")).status_code == 403

    def test_a_missed_run_gets_a_clear_refusal(self, run, client_for, ops_user):
        ChecklistRun.objects.filter(pk=run.pk).update(status=RunStatus.MISSED)
        response = client_for(ops_user).post(self.url(items_of(run)[0], "tick"))
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "conflict"
        assert "missed" in response.json()["error"]["message"]

    def test_an_evidence_item_without_a_note_names_the_field(self, run, client_for, ops_user):
        response = client_for(ops_user).post(self.url(items_of(run)[2], "tick"))
        assert response.status_code == 400
        assert "note" in response.json()["error"]["fields"]

    def test_an_over_long_note_names_the_field_and_saves_nothing(self, run, client_for, ops_user):
        item = items_of(run)[0]
        response = client_for(ops_user).post(
            self.url(item, "tick"), {"note": "x" * 2001}, content_type="application/json"
        )
        assert response.status_code == 400
        assert "note" in response.json()["error"]["fields"]
        item.refresh_from_db()
        assert (item.done_at, item.note) == (None, "")
        response = client_for(ops_user).post(
            self.url(item, "note"), {"note": "x" * 2001}, content_type="application/json"
        )
        assert "note" in response.json()["error"]["fields"]

    def test_an_unknown_item_is_404_in_the_error_shape(self, run, client_for, ops_user):
        client = client_for(ops_user)
        assert client.post("/api/v1/checklists/items/999999/tick/").json()["error"]["status"] == 404
        assert client.post("/api/v1/checklists/items/abc/tick/").status_code == 404

    def test_note_and_problem_actions(self, run, client_for, ops_user):
        client = client_for(ops_user)
        item = items_of(run)[0]
        assert (
            client.post(self.url(item, "note"), {"note": "Looked fine"}, content_type="application/json").json()["note"]
            == "Looked fine"
        )
        response = client.post(
            self.url(item, "problem"), {"problem_note": "Disk at 95%"}, content_type="application/json"
        )
        assert response.json()["problem"] is True
        assert (
            "problem_note"
            in client.post(self.url(item, "problem"), {}, content_type="application/json").json()["error"]["fields"]
        )


@pytest.mark.django_db
class TestRunsApi:
    def test_it_filters_by_date_status_and_template(self, run, make_template, client_for, ops_user):
        client = client_for(ops_user)
        other = make_template("Evening")
        runs_generate(start=DAY, end=DAY + timedelta(days=1), now=datetime(2026, 11, 30, tzinfo=UTC))
        assert client.get("/api/v1/checklists/runs/?date=2026-12-01").json()["count"] == 2
        assert client.get(f"/api/v1/checklists/runs/?template={other.pk}").json()["count"] == 2
        ChecklistRun.objects.filter(pk=run.pk).update(status=RunStatus.MISSED)
        assert [row["id"] for row in client.get("/api/v1/checklists/runs/?status=missed").json()["results"]] == [run.pk]
        assert client.get("/api/v1/checklists/runs/?status=bogus").status_code == 400

    def test_templates_list_their_items(self, run, client_for, ops_user):
        rows = client_for(ops_user).get("/api/v1/checklists/templates/").json()["results"]
        assert rows[0]["schedule"] == "Daily at 08:00"
        assert [item["text"] for item in rows[0]["items"]] == ["Item 1", "Item 2", "Item 3"]


@pytest.mark.django_db
class TestRunCreateForSubject:
    def test_it_attaches_one_run_per_template_and_subject(self, make_template, ops_user, manager_user):
        template = make_template("Immediate Response", frequency="on_demand", time_of_day=None, items=5)
        opens = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
        run = run_create_for_subject(
            template=template, subject=ops_user, opens_at=opens, due_at=opens + timedelta(minutes=15)
        )
        again = run_create_for_subject(template=template, subject=ops_user, opens_at=opens + timedelta(hours=1))
        other = run_create_for_subject(template=template, subject=manager_user, opens_at=opens)
        assert run.pk == again.pk != other.pk
        assert run.subject == ops_user and run.period_date is None
        assert (run.items.count(), run.due_at) == (5, opens + timedelta(minutes=15))
        assert other.due_at == opens + template.effective_due_after()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestConcurrentTicks:
    def test_two_users_ticking_different_items_at_once_both_count(self, make_template, ops_user, manager_user):
        # Several rounds, each on a fresh run, so a lost update cannot hide behind lucky timing.
        templates = [make_template(f"Morning {round_}", items=2) for round_ in range(5)]
        runs_generate(start=DAY, end=DAY, now=datetime(2026, 11, 30, tzinfo=UTC))
        for template in templates:
            run = ChecklistRun.objects.get(template=template)
            first, second = items_of(run)
            barrier = threading.Barrier(2)
            errors: list[BaseException] = []

            def tick(item, user, barrier=barrier, errors=errors) -> None:
                try:
                    barrier.wait(timeout=10)
                    run_item_tick(item=item, by=user)
                except BaseException as error:
                    errors.append(error)
                finally:
                    connection.close()

            threads = [
                threading.Thread(target=tick, args=(first, ops_user)),
                threading.Thread(target=tick, args=(second, manager_user)),
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            assert not errors
            run.refresh_from_db()
            assert run.items_done == 2
            assert run.status in (RunStatus.COMPLETED, RunStatus.COMPLETED_LATE)
            assert set(run.items.values_list("done_by", flat=True)) == {ops_user.pk, manager_user.pk}
