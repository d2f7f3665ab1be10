"""seed_demo refuses a DEMO_PASSWORD that Django's password validators reject."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command


@pytest.mark.django_db
class TestSeedDemoPassword:
    @pytest.mark.parametrize(
        ("password", "reason"),
        [
            ("abc", "at least 12 characters"),
            ("password1234", "too common"),
            ("918273645501", "entirely numeric"),
        ],
    )
    def test_it_refuses_a_weak_password_and_changes_nothing(self, monkeypatch, password, reason):
        monkeypatch.setenv("DEMO_PASSWORD", password)
        with pytest.raises(CommandError, match="DEMO_PASSWORD is too weak") as refusal:
            call_command("seed_demo", "--users-only")
        assert reason in str(refusal.value)
        assert not get_user_model().objects.exists()

    def test_it_refuses_a_password_like_a_demo_username(self, monkeypatch):
        monkeypatch.setenv("DEMO_PASSWORD", "manager-demo")
        with pytest.raises(CommandError, match="too similar"):
            call_command("seed_demo", "--users-only")

    def test_it_accepts_a_strong_password(self, monkeypatch):
        monkeypatch.setenv("DEMO_PASSWORD", "violet-harbour-kettle-93")
        call_command("seed_demo", "--users-only")
        users = get_user_model().objects.all()
        assert users.count() == 4
        assert all(user.check_password("violet-harbour-kettle-93") for user in users)
