"""The compliance demo seeder: one retention dry run, logged once."""

from __future__ import annotations

import pytest
from django.utils import timezone

from compliance.demo import seed
from compliance.models import RetentionLog
from opsportal.demo import DemoContext, seeders


@pytest.mark.django_db
class TestDemoSeeder:
    def test_it_logs_one_dry_run_once(self, retention_rules):
        assert "compliance" in dict(seeders())
        context = DemoContext(users={}, now=timezone.now())
        assert "would go" in seed(context)
        logged = RetentionLog.objects.count()
        assert logged == 7 and set(RetentionLog.objects.values_list("dry_run", flat=True)) == {True}
        assert seed(context) == "retention log already present"
        assert RetentionLog.objects.count() == logged
