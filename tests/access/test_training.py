"""Training records: reminders before expiry to the person and the managers, exactly once per record."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from access.models import TrainingRecord
from access.selectors import training_report
from access.services import training_record, training_remind_expiring
from opsportal import clock
from opsportal.models import Notification

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _record(person, expires_on, topic="Security awareness", completed_on=date(2025, 12, 1)):
    return TrainingRecord.objects.create(person=person, topic=topic, completed_on=completed_on,
                                         expires_on=expires_on, recorded_at=clock.now())  # fmt: skip


@pytest.mark.django_db
class TestRecordTraining:
    def test_only_managers_and_admins_record(self, ops_user, oncall_user):
        with pytest.raises(PermissionDenied):
            training_record(person=ops_user, topic="x", completed_on=date(2026, 1, 1), expires_on=date(2027, 1, 1),
                            by=oncall_user)  # fmt: skip

    def test_it_refuses_an_empty_topic(self, manager_user, ops_user):
        with pytest.raises(ValidationError) as caught:
            training_record(person=ops_user, topic="  ", completed_on=date(2026, 1, 1), expires_on=date(2027, 1, 1),
                            by=manager_user)  # fmt: skip
        assert set(caught.value.message_dict) == {"topic"}


@pytest.mark.django_db
class TestTrainingReminders:
    def test_the_person_and_managers_are_reminded_once_within_30_days(self, ops_user, manager_user):
        soon = _record(ops_user, date(2026, 12, 20))
        _record(ops_user, date(2027, 6, 1), topic="Phishing")  # not yet
        assert training_remind_expiring(now=NOW) == 1
        assert training_remind_expiring(now=NOW) == 0
        reminded = Notification.objects.filter(key=f"access.training.{soon.pk}.expiry")
        assert sorted(reminded.values_list("recipient_id", flat=True)) == sorted([ops_user.pk, manager_user.pk])

    def test_a_renewed_or_expired_record_is_not_reminded(self, ops_user, manager_user):
        _record(ops_user, date(2026, 12, 20))
        _record(ops_user, date(2027, 12, 20), completed_on=date(2026, 11, 20))  # renewed
        _record(ops_user, date(2026, 11, 1), topic="Phishing")  # already expired: the report shows it
        assert training_remind_expiring(now=NOW) == 0

    def test_the_report_shows_the_latest_record_of_each_topic(self, ops_user):
        _record(ops_user, date(2026, 12, 20))
        _record(ops_user, date(2027, 12, 20), completed_on=date(2026, 11, 20))
        _record(ops_user, date(2026, 11, 1), topic="Phishing")
        rows = training_report(today=date(2026, 11, 30))
        assert [(row.record.topic, row.status) for row in rows] == [("Phishing", "expired"),
                                                                    ("Security awareness", "current")]  # fmt: skip
