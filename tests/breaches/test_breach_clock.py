"""The breach clock: 72 real hours from awareness, flags, the notification record and the reminders."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from breaches.models import Breach, BreachReminder
from breaches.selectors import deadline_state
from breaches.services import breach_record_notification, breach_reminders_send, incident_flags_set
from incidents.services import incident_declare
from opsportal.errors import Conflict
from opsportal.models import Notification
from tests.conftest import wait_for

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def declare_breach(severities, by, *, at=NOW, title="Customer list e-mailed to the wrong list"):
    return incident_declare(by=by, title=title, severity=severities["P2"], personal_data_breach=True, now=at)


@pytest.mark.django_db
class TestDeadline:
    def test_it_is_exactly_72_real_hours_across_a_dst_change(self, severities, team, settings):
        settings.TIME_ZONE = "Europe/London"
        # Aware on Friday 23 Oct 2026, 12:00 BST (11:00 UTC); clocks go back on Sunday 25 Oct.
        aware = datetime(2026, 10, 23, 11, 0, tzinfo=UTC)
        with time_machine.travel(aware + timedelta(minutes=5), tick=False):
            incident = declare_breach(severities, team["oncall"], at=aware)
        breach = Breach.objects.get(incident=incident)
        assert breach.aware_at == aware
        assert breach.deadline_at - breach.aware_at == timedelta(hours=72)
        assert breach.deadline_at == datetime(2026, 10, 26, 11, 0, tzinfo=UTC)  # 11:00 GMT: the wall clock moved

    def test_declaring_a_breach_flags_security_and_starts_the_clock_now(self, severities, team):
        incident = declare_breach(severities, team["ops"])
        assert incident.security and incident.personal_data_breach
        assert incident.breach.aware_at == NOW
        assert incident.timeline.filter(text__contains="notify the regulator by").exists()

    def test_an_incident_without_the_flag_has_no_breach(self, severities, team):
        incident = incident_declare(by=team["ops"], title="Disk full", severity=severities["P2"], now=NOW)
        assert not Breach.objects.filter(incident=incident).exists()


@pytest.mark.django_db
class TestFlags:
    def test_flagging_later_opens_the_breach_with_its_awareness(self, severities, team):
        incident = incident_declare(by=team["ops"], title="Odd logins", severity=severities["P2"])
        aware = incident.declared_at - timedelta(hours=2)
        flagged = incident_flags_set(
            incident=incident, by=team["oncall"], security=True, personal_data_breach=True, aware_at=aware,
            categories="e-mail addresses", people_affected=120,
        )  # fmt: skip
        assert flagged.personal_data_breach and flagged.security
        assert flagged.breach.deadline_at == aware + timedelta(hours=72)
        assert flagged.breach.people_affected == 120

    def test_a_future_awareness_is_refused_naming_the_field(self, severities, team):
        incident = incident_declare(by=team["ops"], title="Odd logins", severity=severities["P2"])
        with pytest.raises(ValidationError) as caught:
            incident_flags_set(
                incident=incident, by=team["oncall"], security=True, personal_data_breach=True,
                aware_at=incident.declared_at + timedelta(days=1),
            )  # fmt: skip
        assert list(caught.value.message_dict) == ["aware_at"]

    def test_the_breach_flag_stays_once_recorded(self, severities, team):
        incident = declare_breach(severities, team["ops"])
        with pytest.raises(ValidationError) as caught:
            incident_flags_set(incident=incident, by=team["oncall"], security=True, personal_data_breach=False)
        assert list(caught.value.message_dict) == ["personal_data_breach"]

    def test_ops_staff_may_not_flag(self, severities, team):
        incident = incident_declare(by=team["ops"], title="Odd logins", severity=severities["P2"])
        with pytest.raises(PermissionDenied):
            incident_flags_set(incident=incident, by=team["ops"], security=True, personal_data_breach=False)


@pytest.mark.django_db
class TestRecordNotification:
    def test_it_records_the_notification_within_the_deadline(self, severities, team):
        breach = declare_breach(severities, team["ops"]).breach
        at = NOW + timedelta(hours=30)
        breach = breach_record_notification(
            breach=breach, by=team["manager"], notified_at=at, reference="ICO-1", now=at
        )
        assert breach.notified_at == at and breach.notified_by == team["manager"]
        assert breach.deadline_met is True
        assert deadline_state(breach).words.startswith("Yes")

    def test_a_future_time_is_refused_naming_notified_at(self, severities, team):
        breach = declare_breach(severities, team["ops"]).breach
        with pytest.raises(ValidationError) as caught:
            breach_record_notification(
                breach=breach, by=team["manager"], notified_at=NOW + timedelta(hours=2), reference="ICO-1",
                now=NOW + timedelta(hours=1),
            )  # fmt: skip
        assert list(caught.value.message_dict) == ["notified_at"]
        assert "future" in caught.value.message_dict["notified_at"][0]

    def test_a_time_before_awareness_is_refused_naming_notified_at(self, severities, team):
        breach = declare_breach(severities, team["ops"]).breach
        with pytest.raises(ValidationError) as caught:
            breach_record_notification(
                breach=breach, by=team["manager"], notified_at=NOW - timedelta(minutes=1), reference="ICO-1",
                now=NOW + timedelta(hours=1),
            )  # fmt: skip
        assert "before the team became aware" in caught.value.message_dict["notified_at"][0]

    def test_an_empty_reference_is_refused_naming_reference(self, severities, team):
        breach = declare_breach(severities, team["ops"]).breach
        with pytest.raises(ValidationError) as caught:
            breach_record_notification(breach=breach, by=team["manager"], notified_at=NOW, reference=" ", now=NOW)
        assert list(caught.value.message_dict) == ["reference"]

    def test_a_second_record_is_a_conflict(self, severities, team):
        breach = declare_breach(severities, team["ops"]).breach
        breach_record_notification(breach=breach, by=team["manager"], notified_at=NOW, reference="A", now=NOW)
        with pytest.raises(Conflict, match="already recorded"):
            breach_record_notification(breach=breach, by=team["manager"], notified_at=NOW, reference="B", now=NOW)

    def test_a_late_notification_misses_the_deadline(self, severities, team):
        breach = declare_breach(severities, team["ops"]).breach
        at = NOW + timedelta(hours=73)
        breach = breach_record_notification(breach=breach, by=team["manager"], notified_at=at, reference="X", now=at)
        assert breach.deadline_met is False

    def test_on_call_engineers_may_not_record_it(self, severities, team):
        breach = declare_breach(severities, team["ops"]).breach
        with pytest.raises(PermissionDenied):
            breach_record_notification(breach=breach, by=team["oncall"], notified_at=NOW, reference="X", now=NOW)


@pytest.mark.django_db
class TestReminders:
    def test_nothing_before_24_hours(self, severities, team):
        declare_breach(severities, team["ops"])
        assert breach_reminders_send(now=NOW + timedelta(hours=23, minutes=59)).sent == 0

    def test_each_reminder_once_at_24_48_and_66_hours(self, severities, team):
        breach = declare_breach(severities, team["ops"]).breach
        for hours in (24, 48, 66):
            assert breach_reminders_send(now=NOW + timedelta(hours=hours)).sent == 1
            assert breach_reminders_send(now=NOW + timedelta(hours=hours, minutes=1)).sent == 0
            assert Notification.objects.filter(key=f"breach-{breach.pk}-reminder-{hours}h").count() == 1
        assert breach_reminders_send(now=NOW + timedelta(hours=80)).sent == 0
        assert list(BreachReminder.objects.values_list("hours", flat=True)) == [24, 48, 66]
        # The manager is reminded; the ops declarer (no compliance role, not the assignee) is not.
        assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"boss"}

    def test_no_reminder_once_notified(self, severities, team):
        breach = declare_breach(severities, team["ops"]).breach
        breach_record_notification(breach=breach, by=team["manager"], notified_at=NOW, reference="X", now=NOW)
        assert breach_reminders_send(now=NOW + timedelta(hours=50)).sent == 0
        assert not BreachReminder.objects.exists()

    def test_a_late_sweep_sends_only_the_latest_reminder(self, severities, team):
        breach = declare_breach(severities, team["ops"]).breach
        result = breach_reminders_send(now=NOW + timedelta(hours=50))
        assert (result.sent, result.skipped) == (1, 1)
        assert result.notified == [f"breach-{breach.pk}-reminder-48h"]
        assert breach_reminders_send(now=NOW + timedelta(hours=51)).sent == 0

    def test_the_query_count_does_not_grow_when_nothing_is_due(self, severities, team, django_assert_num_queries):
        for _ in range(3):
            declare_breach(severities, team["ops"])
        # The sweep's transaction (a savepoint inside the test's, and its release) around one query:
        # the claim of breaches aware 24 hours ago and not notified (none here).
        with django_assert_num_queries(3):
            breach_reminders_send(now=NOW + timedelta(hours=1))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestConcurrentSweeps:
    def test_two_sweeps_at_once_send_each_reminder_once(self, severities, team):
        breaches = [declare_breach(severities, team["ops"]).breach for _ in range(6)]
        barrier = threading.Barrier(2)
        results, errors = [], []

        def sweep():
            try:
                barrier.wait(timeout=10)
                results.append(breach_reminders_send(now=NOW + timedelta(hours=24)))
            except Exception as error:
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not errors
        assert sum(result.sent for result in results) == len(breaches)
        assert BreachReminder.objects.count() == len(breaches)
        assert Notification.objects.filter(key__startswith="breach-").count() == len(breaches)

    def test_two_sweeps_racing_on_one_row_insert_it_once(self, severities, team):
        """Even without the row lock (a sweep that claimed before the other committed), the outbox row decides."""
        from breaches import services

        breach = declare_breach(severities, team["ops"]).breach
        barrier = threading.Barrier(2)
        outcomes, errors = [], []

        def remind():
            try:
                fresh = Breach.objects.select_related("incident", "incident__assignee").get(pk=breach.pk)
                result = services.SweepResult()
                barrier.wait(timeout=10)
                from django.db import transaction

                with transaction.atomic():
                    services._remind(fresh, NOW + timedelta(hours=24), result)
                outcomes.append(result.sent)
            except Exception as error:
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=remind) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not errors
        assert sorted(outcomes) == [0, 1]
        assert Notification.objects.filter(key=f"breach-{breach.pk}-reminder-24h").count() == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
class TestRemindersOnARealWorker:
    def test_the_beat_task_sends_the_reminder_email_once(self, celery_worker, severities, team):
        from breaches.tasks import send_reminders

        now = datetime.now(UTC)
        incident = incident_declare(by=team["ops"], title="Worker breach", severity=severities["P2"])
        incident_flags_set(
            incident=incident, by=team["oncall"], security=True, personal_data_breach=True,
            aware_at=now - timedelta(hours=25),
        )  # fmt: skip
        key = f"breach-{incident.breach.pk}-reminder-24h"
        send_reminders.delay()
        send_reminders.delay()
        sent = wait_for(lambda: list(Notification.objects.filter(key=key, emailed_at__isnull=False)), timeout=60)
        assert [row.recipient.username for row in sent] == ["boss"]
        assert BreachReminder.objects.filter(breach=incident.breach).count() == 1
