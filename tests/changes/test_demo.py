"""The demo change history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from changes.models import ChangeRequest, StageResult
from changes.selectors import change_failure_rate


@pytest.mark.django_db
class TestDemoSeeder:
    def test_it_seeds_a_realistic_history_once(self):
        call_command("seed_demo", verbosity=0)
        count = ChangeRequest.objects.count()
        assert 25 <= count <= 40
        assert set(ChangeRequest.objects.values_list("change_type", flat=True)) == {"standard", "normal", "emergency"}
        assert ChangeRequest.objects.filter(status="failed").exists()
        assert StageResult.objects.filter(outcome="rolled_back").exists()
        assert ChangeRequest.objects.filter(status="closed").exists()
        completed = ChangeRequest.objects.exclude(completed_at=None)
        assert len(set(completed.values_list("completed_at__date", flat=True))) > 10  # spread over the 90 days
        now = timezone.now()
        rate = change_failure_rate(start=now - timedelta(days=91), end=now)
        assert rate.failed >= 3 and rate.completed >= 15
        call_command("seed_demo", verbosity=0)
        assert ChangeRequest.objects.count() == count
