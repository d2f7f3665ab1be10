"""The retention rules: batched, idempotent and resumable; a dry run changes nothing; reports keep their figures."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command

from compliance.models import Anonymisation, RetentionLog
from compliance.retention import ANONYMISED_TEXT
from compliance.services import retention_apply
from incidents.models import Incident, TimelineEntry
from tests.compliance.conftest import NOW

OLD = NOW - timedelta(days=800)  # closed more than two years before NOW
RECENT = NOW - timedelta(days=100)


class Killed(Exception):
    """Stands for a worker killed between two batches."""


def _incident_texts(incident: Incident) -> tuple[str, list[str]]:
    incident.refresh_from_db()
    return incident.description, list(incident.timeline.order_by("pk").values_list("text", flat=True))


# On PostgreSQL, where the batches lock their rows (SELECT ... FOR UPDATE SKIP LOCKED). Each batch's
# atomic block is a savepoint inside the test's transaction: released (kept) before the "kill", as a
# committed batch is; a transactional test would prove the same at the cost of flushing the database.
@pytest.mark.postgres
@pytest.mark.django_db
class TestAnonymisationInBatches:
    def test_it_resumes_after_a_kill_and_anonymises_each_record_exactly_once(self, retention_rules, closed_incident):
        old = [closed_incident(OLD - timedelta(hours=index)) for index in range(7)]
        recent = closed_incident(RECENT)
        still_open = closed_incident(OLD, status="investigating")
        batches: list[int] = []

        def kill_after_first_batch(rows: int) -> None:
            batches.append(rows)
            raise Killed

        with pytest.raises(Killed):
            retention_apply(now=NOW, batch_size=3, kinds=["closed_incidents"], after_batch=kill_after_first_batch)
        # The first batch committed and counted itself; the run's log row was never finished.
        assert batches == [3]
        assert Anonymisation.objects.count() == 3
        interrupted = RetentionLog.objects.get()
        assert (interrupted.rows, interrupted.finished_at) == (3, None)

        retention_apply(now=NOW, batch_size=3, kinds=["closed_incidents"])
        retention_apply(now=NOW, batch_size=3, kinds=["closed_incidents"])  # a rerun finds nothing left

        marks = Anonymisation.objects.filter(kind="closed_incidents")
        assert sorted(marks.values_list("object_id", flat=True)) == sorted(incident.pk for incident in old)
        logs = list(RetentionLog.objects.order_by("pk").values_list("rows", "dry_run"))
        assert logs == [(3, False), (4, False), (0, False)]
        assert sum(rows for rows, _ in logs) == len(old)
        for incident in old:
            description, texts = _incident_texts(incident)
            assert description == ANONYMISED_TEXT
            assert texts == ["Declared as P1 High.", ANONYMISED_TEXT, ANONYMISED_TEXT]  # the portal's own words stay
            assert Incident.objects.filter(pk=incident.pk, users_affected=120).exists()  # figures stay
        for untouched in (recent, still_open):
            description, texts = _incident_texts(untouched)
            assert "Jane Roe" in description
            assert ANONYMISED_TEXT not in texts


@pytest.mark.django_db
class TestOverlappingRuns:
    def test_two_runs_at_once_never_anonymise_a_record_twice(self, retention_rules, closed_incident):
        for index in range(6):
            closed_incident(OLD - timedelta(hours=index))
        seen: list[int] = []

        def second_run_in_between(rows: int) -> None:
            # While the first run is between batches, a second run does the rest.
            if not seen:
                seen.append(rows)
                retention_apply(now=NOW, batch_size=2, kinds=["closed_incidents"])

        retention_apply(now=NOW, batch_size=2, kinds=["closed_incidents"], after_batch=second_run_in_between)
        assert Anonymisation.objects.count() == 6
        assert sum(RetentionLog.objects.values_list("rows", flat=True)) == 6


@pytest.mark.django_db
class TestDeletion:
    def test_it_deletes_old_notifications_sessions_and_login_attempts_and_keeps_recent_ones(
        self, retention_rules, ops_user
    ):
        from axes.models import AccessAttempt, AccessLog
        from django.contrib.sessions.models import Session

        from opsportal.models import Notification

        old_note = Notification.objects.create(recipient=ops_user, key="old", subject="Old")
        new_note = Notification.objects.create(recipient=ops_user, key="new", subject="New")
        Notification.objects.filter(pk=old_note.pk).update(created_at=NOW - timedelta(days=91))
        Notification.objects.filter(pk=new_note.pk).update(created_at=NOW - timedelta(days=89))
        Session.objects.create(session_key="old", session_data="", expire_date=NOW - timedelta(days=30))
        Session.objects.create(session_key="live", session_data="", expire_date=NOW + timedelta(days=13))
        for model, extra in ((AccessAttempt, {"failures_since_start": 1}), (AccessLog, {})):
            old = model.objects.create(username="olivia.ops", ip_address="10.0.0.1", user_agent="old", **extra)
            model.objects.create(username="olivia.ops", ip_address="10.0.0.2", user_agent="new", **extra)
            model.objects.filter(pk=old.pk).update(attempt_time=NOW - timedelta(days=31))

        with time_machine.travel(NOW, tick=False):
            results = {result.kind: result.rows for result in retention_apply(now=NOW)}

        assert results["notifications"] == 1
        assert results["sessions"] == 1
        assert results["login_attempts"] == 2
        assert list(Notification.objects.values_list("key", flat=True)) == ["new"]
        assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]
        assert list(AccessAttempt.objects.values_list("user_agent", flat=True)) == ["new"]
        assert list(AccessLog.objects.values_list("user_agent", flat=True)) == ["new"]

    def test_it_deletes_mailed_report_emails_only_once_a_newer_report_of_the_kind_exists(
        self, retention_rules, manager_user
    ):
        from datetime import date

        from reporting.models import Report, ReportDelivery

        older, latest = (
            Report.objects.create(kind="quarterly", period_start=start, period_end=end, built_at=NOW, data={})
            for start, end in ((date(2025, 7, 1), date(2025, 9, 30)), (date(2025, 10, 1), date(2025, 12, 31)))
        )
        for report in (older, latest):
            ReportDelivery.objects.create(report=report, recipient=manager_user, emailed_at=NOW - timedelta(days=100))
        ReportDelivery.objects.update(created_at=NOW - timedelta(days=100))

        retention_apply(now=NOW, kinds=["report_emails"])

        # The latest quarter is still the one the beat sweep re-publishes: its row keeps it from mailing twice.
        assert list(ReportDelivery.objects.values_list("report_id", flat=True)) == [latest.pk]


@pytest.mark.django_db
class TestDryRun:
    def test_it_changes_nothing_and_logs_what_would_go(self, retention_rules, closed_incident, ops_user):
        from opsportal.models import Notification

        incident = closed_incident(OLD)
        note = Notification.objects.create(recipient=ops_user, key="old", subject="Old")
        Notification.objects.filter(pk=note.pk).update(created_at=NOW - timedelta(days=91))
        before = _incident_texts(incident)

        results = {result.kind: result.rows for result in retention_apply(now=NOW, dry_run=True)}

        assert results["closed_incidents"] == 1
        assert results["notifications"] == 1
        assert _incident_texts(incident) == before
        assert Notification.objects.filter(pk=note.pk).exists()
        assert not Anonymisation.objects.exists()
        assert set(RetentionLog.objects.values_list("dry_run", flat=True)) == {True}
        assert RetentionLog.objects.get(kind="closed_incidents").rows == 1


@pytest.mark.django_db
class TestClosedChanges:
    def test_their_notes_are_anonymised_and_the_change_stays(self, retention_rules, make_user):
        from changes.models import ChangeHistory, ChangeRequest
        from opsportal.roles import Role

        requester = make_user("rita.requester", Role.ONCALL)
        change = ChangeRequest.objects.create(
            title="Move the database", requester=requester, status="closed", status_changed_at=OLD,
            completed_at=OLD, close_code="successful", early_start_reason="Jane Roe asked us to start early.",
            description="Move to the new cluster.",
        )  # fmt: skip
        ChangeHistory.objects.create(change=change, kind="approved", actor=requester, at=OLD, message="OK by Jane")
        ChangeHistory.objects.create(change=change, kind="created", actor=requester, at=OLD, message="Raised.")
        open_change = ChangeRequest.objects.create(
            title="Later", requester=requester, status="planning", status_changed_at=OLD, early_start_reason="Jane"
        )

        retention_apply(now=NOW, kinds=["closed_changes"])

        change.refresh_from_db()
        assert change.early_start_reason == ANONYMISED_TEXT
        assert change.description == "Move to the new cluster."
        assert change.close_code == "successful"
        messages = dict(change.history.values_list("kind", "message"))
        assert messages == {"approved": ANONYMISED_TEXT, "created": "Raised."}
        open_change.refresh_from_db()
        assert open_change.early_start_reason == "Jane"


@pytest.mark.django_db
class TestReportsKeepTheirFigures:
    def test_a_report_built_before_retention_shows_the_same_figures_after(self, retention_rules, closed_incident):
        from reporting.models import Report
        from reporting.periods import period_containing
        from reporting.selectors import report_data_compute
        from reporting.services import report_build

        for index in range(3):
            closed_incident(OLD + timedelta(hours=index))
        period = period_containing("monthly", OLD.date())
        report, _ = report_build(period=period, now=OLD + timedelta(days=40))
        snapshot = report.data
        figures = {row["slug"]: row["value"] for row in snapshot["operational"]}
        assert (figures["incidents"], figures["time-to-acknowledge"], figures["time-to-resolve"]) == (3, 20, 240)

        results = {result.kind: result.rows for result in retention_apply(now=NOW)}

        assert results["closed_incidents"] == 3
        assert Report.objects.get(pk=report.pk).data == snapshot
        # And the live figures computed now, from the anonymised records, are still the same.
        assert report_data_compute(period=period) == snapshot


@pytest.mark.django_db
class TestApplyRetentionCommand:
    def test_dry_run_prints_what_would_go_per_kind(self, retention_rules, closed_incident, capsys):
        closed_incident(OLD)
        with time_machine.travel(NOW, tick=False):
            call_command("apply_retention", "--dry-run")
        out = capsys.readouterr().out
        assert "closed_incidents: 1 would be anonymised" in out
        assert "notifications: 0 would be deleted" in out
        assert TimelineEntry.objects.filter(text=ANONYMISED_TEXT).count() == 0

    def test_it_applies_the_rules(self, retention_rules, closed_incident, capsys):
        closed_incident(OLD)
        with time_machine.travel(NOW, tick=False):
            call_command("apply_retention")
        assert "closed_incidents: 1 anonymised" in capsys.readouterr().out
        assert Anonymisation.objects.count() == 1


@pytest.mark.django_db
class TestRetentionTask:
    def test_the_nightly_task_applies_the_rules(self, retention_rules, closed_incident, settings):
        from compliance.tasks import apply_retention

        assert settings.CELERY_BEAT_SCHEDULE["compliance-retention"]["task"] == "compliance.tasks.apply_retention"
        closed_incident(OLD)
        with time_machine.travel(NOW, tick=False):
            assert apply_retention.apply().get() == 1


@pytest.mark.django_db
class TestDefaultRules:
    def test_the_migration_created_a_rule_per_kind(self):
        import importlib

        from django.apps import apps

        from compliance.models import RetentionKind, RetentionRule

        # Run the data migration here: a transactional test that ran earlier in this process
        # flushed the rows the migrations made.
        RetentionRule.objects.all().delete()
        importlib.import_module("compliance.migrations.0002_default_retention_rules").create_defaults(apps, None)
        days = dict(RetentionRule.objects.values_list("kind", "days"))
        assert set(days) == set(RetentionKind.values)
        assert days["notifications"] == 90
        assert days["sessions"] == 30
        assert days["closed_incidents"] == 730
