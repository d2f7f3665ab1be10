"""One path from a built report to the managers' mailboxes: build_report and the beat sweep alike."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from opsportal.celery import app
from opsportal.models import Notification
from opsportal.roles import Role
from reporting.models import Report, ReportDelivery
from reporting.periods import period_containing
from reporting.services import report_build, report_publish, reports_build_due


@pytest.fixture
def tasks_run_inline() -> Iterator[None]:
    """Run Celery tasks in the test process (as a worker would), so their e-mails reach mail.outbox."""
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def managers(manager_user: Any, make_user: Any) -> list[Any]:
    return [manager_user, make_user("mia.manager", Role.MANAGER)]


def run_command(*args: str, capture: Any) -> None:
    with capture(execute=True):
        call_command("build_report", *args, stdout=open("/dev/null", "w"))  # noqa: SIM115


def mail_per_recipient() -> dict[str, int]:
    counts: dict[str, int] = {}
    for message in mail.outbox:
        for address in message.to:
            counts[address] = counts.get(address, 0) + 1
    return counts


@pytest.mark.django_db
class TestBuildReportEmailsManagers:
    def test_each_manager_gets_one_email_even_when_it_runs_twice(
        self, kpis, managers, ops_user, tasks_run_inline, django_capture_on_commit_callbacks
    ):
        run_command("weekly", "--date", "2026-11-12", capture=django_capture_on_commit_callbacks)
        run_command("weekly", "--date", "2026-11-12", capture=django_capture_on_commit_callbacks)
        report = Report.objects.get()
        assert mail_per_recipient() == {user.email: 1 for user in managers}
        assert all(f"/reports/{report.pk}/" in message.alternatives[0][0] for message in mail.outbox)
        assert sorted(ReportDelivery.objects.values_list("recipient__username", flat=True)) == sorted(
            user.username for user in managers
        )
        assert ReportDelivery.objects.filter(emailed_at=None).count() == 0
        assert Notification.objects.filter(key=f"report-{report.pk}").count() == 2  # in-app, one each

    def test_it_says_how_many_it_sent_to(self, kpis, managers, capsys, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks():
            call_command("build_report", "weekly", "--date", "2026-11-12")
            call_command("build_report", "weekly", "--date", "2026-11-12")
        output = capsys.readouterr().out
        assert "Sent to 2 new recipient(s)." in output
        assert "Already built" in output and "Sent to 0 new recipient(s)." in output

    def test_a_report_built_but_never_delivered_is_delivered_once(
        self, kpis, managers, tasks_run_inline, django_capture_on_commit_callbacks
    ):
        report_build(period=period_containing("weekly", date(2026, 11, 12)))  # an older build without delivery
        run_command("weekly", "--date", "2026-11-12", capture=django_capture_on_commit_callbacks)
        assert mail_per_recipient() == {user.email: 1 for user in managers}

    def test_a_manager_who_joins_later_gets_it_and_the_others_not_again(
        self, kpis, managers, make_user, tasks_run_inline, django_capture_on_commit_callbacks
    ):
        run_command("monthly", "--date", "2026-11-05", capture=django_capture_on_commit_callbacks)
        newcomer = make_user("nina.new", Role.MANAGER)
        run_command("monthly", "--date", "2026-11-05", capture=django_capture_on_commit_callbacks)
        assert mail_per_recipient() == {user.email: 1 for user in [*managers, newcomer]}


@pytest.mark.django_db
class TestCommandAndBeatShareOnePath:
    def test_beat_after_the_command_mails_nobody_twice(
        self, kpis, managers, tasks_run_inline, django_capture_on_commit_callbacks
    ):
        run_command("daily", "--date", "2026-11-30", capture=django_capture_on_commit_callbacks)
        assert len(mail.outbox) == 2
        with (
            time_machine.travel(datetime(2026, 12, 1, 8, tzinfo=UTC)),
            django_capture_on_commit_callbacks(execute=True),
        ):
            built = reports_build_due()
        assert ("daily", date(2026, 11, 30)) not in {(report.kind, report.period_start) for report in built}
        daily = Report.objects.get(kind="daily", period_start=date(2026, 11, 30))
        assert ReportDelivery.objects.filter(report=daily).count() == 2
        # Four reports (daily, weekly, monthly, quarterly), each once to each of two managers.
        assert mail_per_recipient() == {user.email: 4 for user in managers}

    def test_the_command_after_beat_mails_nobody_twice(
        self, kpis, managers, tasks_run_inline, django_capture_on_commit_callbacks
    ):
        with (
            time_machine.travel(datetime(2026, 12, 1, 8, tzinfo=UTC)),
            django_capture_on_commit_callbacks(execute=True),
        ):
            reports_build_due()
        sent = len(mail.outbox)
        run_command("monthly", "--date", "2026-11-05", capture=django_capture_on_commit_callbacks)
        assert len(mail.outbox) == sent == 8

    def test_publishing_uses_the_schedules_recipients(self, kpis, managers, make_user):
        from reporting.models import ReportSchedule

        ReportSchedule.objects.filter(kind="weekly").update(recipients_group=Role.ONCALL.value)
        engineer = make_user("otto.oncall", Role.ONCALL)
        published = report_publish(period=period_containing("weekly", date(2026, 11, 12)))
        assert (published.built, published.delivered) == (True, 1)
        assert list(ReportDelivery.objects.values_list("recipient", flat=True)) == [engineer.pk]
