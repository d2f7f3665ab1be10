"""The demo on-call schedules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command

from oncall import selectors
from oncall.models import Layer, Schedule, ShiftLog
from opsportal import clock


@pytest.mark.django_db
class TestDemoSeeder:
    def test_it_seeds_two_schedules_with_a_week_of_history_once(self):
        call_command("seed_demo", verbosity=0)
        assert set(Schedule.objects.values_list("name", flat=True)) == {"Platform", "Database"}
        for schedule in Schedule.objects.all():
            assert set(schedule.layers.values_list("role", flat=True)) == {Layer.Role.PRIMARY, Layer.Role.BACKUP}
            first = ShiftLog.objects.filter(schedule=schedule).order_by("start").first()
            assert first is not None
            assert first.start <= clock.now() - timedelta(days=6)
            now = selectors.oncall_at(schedule, clock.now())
            assert now.primary is not None and now.secondary is not None
        assert ShiftLog.objects.filter(source="override").exists()
        logged = ShiftLog.objects.count()
        call_command("seed_demo", verbosity=0)
        assert Schedule.objects.count() == 2
        assert ShiftLog.objects.count() >= logged
