"""The demo change history."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from changes.models import ChangeRequest, StageResult


@pytest.mark.django_db
class TestDemoSeeder:
    def test_it_seeds_a_realistic_history_once(self, settings):
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        call_command("seed_demo", verbosity=0)
        count = ChangeRequest.objects.count()
        assert 25 <= count <= 40
        assert set(ChangeRequest.objects.values_list("change_type", flat=True)) == {"standard", "normal", "emergency"}
        assert ChangeRequest.objects.filter(status="failed").exists()
        assert StageResult.objects.filter(outcome="rolled_back").exists()
        assert ChangeRequest.objects.filter(status="closed").exists()
        call_command("seed_demo", verbosity=0)
        assert ChangeRequest.objects.count() == count
