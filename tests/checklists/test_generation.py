"""Generating runs: the command, the beat task, idempotency and concurrency."""

from __future__ import annotations

import io
import threading
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from checklists.models import ChecklistItem, ChecklistRun, RunStatus
from checklists.services import runs_generate, runs_generate_due

EXPECTED_DEC_1 = {
    "Morning Startup": 6,
    "Midday Review": 5,
    "Evening Wrap-up": 5,
    "First Week - Strategic Review": 4,
    "Security awareness training": 3,  # monthly in the first week (access/procedures.py)
}


def generate(*args: str) -> str:
    out = io.StringIO()
    call_command("generate_checklists", *args, stdout=out)
    return out.getvalue()


def runs_on(client, day: str) -> dict[str, int]:
    response = client.get(f"/api/v1/checklists/runs/?date={day}")
    assert response.status_code == 200
    result = {}
    for row in response.json()["results"]:
        detail = client.get(f"/api/v1/checklists/runs/{row['id']}/").json()
        result[row["name"]] = len(detail["items"])
    return result


@pytest.mark.django_db
class TestGenerateChecklistsCommand:
    def test_it_creates_exactly_the_runs_that_open_on_the_date(self, procedures, client_for, ops_user):
        output = generate("--date", "2026-12-01")
        assert "5 created" in output
        assert runs_on(client_for(ops_user), "2026-12-01") == EXPECTED_DEC_1

    def test_running_it_again_changes_nothing(self, procedures, client_for, ops_user):
        generate("--date", "2026-12-01")
        before = list(ChecklistRun.objects.values_list("pk", "status", "items_total").order_by("pk"))
        output = generate("--date", "2026-12-01")
        assert "0 created" in output and "5 existed" in output
        assert list(ChecklistRun.objects.values_list("pk", "status", "items_total").order_by("pk")) == before
        assert runs_on(client_for(ops_user), "2026-12-01") == EXPECTED_DEC_1

    def test_the_monday_adds_the_weekly_run_and_no_monthly_run(self, procedures, client_for, ops_user):
        generate("--date", "2026-12-07")
        names = runs_on(client_for(ops_user), "2026-12-07")
        assert names == {
            "Morning Startup": 6,
            "Midday Review": 5,
            "Evening Wrap-up": 5,
            "Monday - Planning and Strategy": 4,
        }

    def test_the_22nd_adds_the_fourth_week_run(self, procedures, client_for, ops_user):
        generate("--date", "2026-12-22")
        names = runs_on(client_for(ops_user), "2026-12-22")
        assert "Fourth Week - Planning and Preparation" in names
        assert not any("Week -" in name and "Fourth" not in name for name in names)

    def test_a_template_edit_leaves_existing_runs_as_they_were(self, procedures):
        generate("--date", "2026-12-01")
        run = ChecklistRun.objects.get(name="Morning Startup")
        before = list(run.items.values_list("text", flat=True))
        item = ChecklistItem.objects.get(template=run.template, position=1)
        item.text = "Something else entirely"
        item.save()
        ChecklistItem.objects.create(template=run.template, position=7, text="A new item")
        assert list(run.items.values_list("text", flat=True)) == before
        generate("--date", "2026-12-02")
        newer = ChecklistRun.objects.get(name="Morning Startup", period_date=date(2026, 12, 2))
        assert newer.items.count() == 7
        assert newer.items.first().text == "Something else entirely"

    def test_it_shows_a_progress_bar_over_long_ranges(self, procedures):
        output = generate("--date", "2026-12-01", "--until", "2026-12-31")
        assert "31/31 days" in output and "[####" in output
        assert ChecklistRun.objects.filter(name="Morning Startup").count() == 31

    def test_it_rejects_a_bad_date(self, procedures):
        with pytest.raises(CommandError, match="not a date"):
            generate("--date", "2026-13-01")
        with pytest.raises(CommandError, match="before"):
            generate("--date", "2026-12-02", "--until", "2026-12-01")


@pytest.mark.django_db
class TestGenerateDueRuns:
    def test_runs_whose_window_passed_while_workers_were_down_are_created_as_missed(self, make_template):
        with time_machine.travel(datetime(2026, 11, 20, 7, 0, tzinfo=UTC), tick=False):
            make_template("Morning")
        with time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=UTC), tick=False):
            result = runs_generate_due()
        runs = {run.period_date: run.status for run in ChecklistRun.objects.all()}
        assert runs == {
            date(2026, 12, 1): RunStatus.MISSED,
            date(2026, 12, 2): RunStatus.MISSED,
            date(2026, 12, 3): RunStatus.OPEN,
        }
        assert result.created == 3 and result.created_missed == 2

    def test_a_double_tick_creates_nothing_twice(self, make_template):
        with time_machine.travel(datetime(2026, 12, 3, 6, 0, tzinfo=UTC), tick=False):
            make_template("Morning")
            first = runs_generate_due()
            second = runs_generate_due()
        assert first.created == 1 and second.created == 0
        assert ChecklistRun.objects.count() == 1

    def test_a_new_template_brings_no_missed_backlog(self, make_template):
        with time_machine.travel(datetime(2026, 12, 3, 6, 0, tzinfo=UTC), tick=False):
            make_template("Morning")
            runs_generate_due()
        assert list(ChecklistRun.objects.values_list("period_date", flat=True)) == [date(2026, 12, 3)]


@pytest.mark.django_db
class TestBulkGeneration:
    def test_a_year_takes_a_few_queries_not_a_few_per_run(self, make_template, django_assert_max_num_queries):
        make_template("Morning", items=3)
        make_template("Evening", items=2)
        now = datetime(2027, 1, 1, tzinfo=UTC)
        # 1. templates, 2. their items, 3. the runs that exist; then in a savepoint: 4-5. the
        # runs (1,000 a batch), 6. re-read by their key, 7-8. the items (2,000 a batch), release.
        with django_assert_max_num_queries(12):
            result = runs_generate(start=date(2026, 1, 1), end=date(2026, 12, 31), now=now)
        assert result.created == 730 and result.created_missed == 730
        assert ChecklistRun.objects.count() == 730
        assert set(ChecklistRun.objects.values_list("items_total", flat=True)) == {2, 3}
        for run in ChecklistRun.objects.filter(period_date__in=[date(2026, 1, 1), date(2026, 12, 31)]):
            assert list(run.items.values_list("position", "text")) == [
                (index, f"Item {index}") for index in range(1, run.items_total + 1)
            ]

    def test_it_fills_the_gaps_between_runs_that_exist(self, make_template):
        make_template("Morning", items=2)
        now = datetime(2026, 11, 1, tzinfo=UTC)
        runs_generate(start=date(2026, 12, 3), end=date(2026, 12, 4), now=now)
        before = dict(ChecklistRun.objects.values_list("period_date", "pk"))
        result = runs_generate(start=date(2026, 12, 1), end=date(2026, 12, 7), now=now)
        assert (result.created, result.existing, result.created_missed) == (5, 2, 0)
        runs = ChecklistRun.objects.all()
        assert runs.count() == 7
        assert {day: pk for day, pk in runs.values_list("period_date", "pk") if day in before} == before
        for run in runs:
            assert run.items.count() == run.items_total == 2
            assert run.status == RunStatus.OPEN

    def test_a_run_another_generator_made_meanwhile_is_neither_counted_nor_given_items_again(self, make_template):
        make_template("Morning", items=2)
        now = datetime(2026, 11, 1, tzinfo=UTC)
        others: list = []

        def another_generator_meanwhile(done: int, total: int) -> None:
            # After this call read what exists, before it inserts: another generator makes Dec 2.
            if done == total:
                others.append(runs_generate(start=date(2026, 12, 2), end=date(2026, 12, 2), now=now))

        result = runs_generate(
            start=date(2026, 12, 1), end=date(2026, 12, 3), now=now, progress=another_generator_meanwhile
        )
        assert others[0].created == 1
        assert (result.created, result.existing) == (2, 1)
        assert ChecklistRun.objects.count() == 3
        for run in ChecklistRun.objects.all():
            assert run.items.count() == run.items_total == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestConcurrentGeneration:
    def test_two_generators_at_once_create_each_run_once(self, procedures):
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []
        results = []

        def worker() -> None:
            try:
                barrier.wait(timeout=10)
                results.append(runs_generate(start=date(2026, 12, 1), end=date(2026, 12, 7)))
            except BaseException as error:  # report to the main thread
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors
        assert sum(result.created for result in results) == ChecklistRun.objects.count()
        # 7 days x 3 daily + Monday + Wednesday + Friday + the first week's two monthly runs (the strategic review and
        # the security awareness training of access/procedures.py).
        assert ChecklistRun.objects.count() == 7 * 3 + 3 + 2
        assert ChecklistRun.objects.filter(period_date=date(2026, 12, 1)).count() == 5
        for run in ChecklistRun.objects.all():
            assert run.items.count() == run.items_total
