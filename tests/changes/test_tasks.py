"""changes.tasks.send_reminders on a real Celery worker, and its beat entry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from changes.models import ChangeReminder
from changes.tasks import send_reminders
from opsportal.models import Notification
from tests.conftest import wait_for


class TestBeatSchedule:
    def test_it_sweeps_every_five_minutes(self):
        entry = settings.CELERY_BEAT_SCHEDULE["changes-reminders"]
        assert entry == {"task": "changes.tasks.send_reminders", "schedule": timedelta(minutes=5)}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
class TestSendReminders:
    def test_a_worker_sends_the_approval_reminder_once(self, celery_worker, manager_user, make_change):
        change = make_change(status="approval", status_changed_at=timezone.now() - timedelta(days=2))
        send_reminders.delay()
        send_reminders.delay()
        wait_for(lambda: Notification.objects.filter(recipient=manager_user).exists(), timeout=60)
        assert ChangeReminder.objects.filter(change=change).count() == 1
        assert (
            Notification.objects.filter(recipient=manager_user, key=f"change-{change.pk}-approval-waiting").count() == 1
        )
