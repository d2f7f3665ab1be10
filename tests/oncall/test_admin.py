"""Django admin of on-call: schedules with layer inlines, layers with members, overrides; the log read-only."""

from __future__ import annotations

import pytest

from oncall.models import ShiftLog

pytestmark = pytest.mark.django_db


class TestOncallAdmin:
    def test_the_pages_open_for_an_admin(self, client_for, make_user, london_weekly):
        admin = make_user("root", is_staff=True, is_superuser=True)
        client = client_for(admin)
        layer = london_weekly.layers.get()
        for url in (
            "/admin/oncall/schedule/",
            f"/admin/oncall/schedule/{london_weekly.pk}/change/",
            f"/admin/oncall/schedule/{london_weekly.pk}/history/",
            f"/admin/oncall/layer/{layer.pk}/change/",
            "/admin/oncall/override/add/",
            "/admin/oncall/shiftlog/",
        ):
            assert client.get(url).status_code == 200, url

    def test_the_shift_log_cannot_be_edited(self, client_for, make_user):
        admin = make_user("root", is_staff=True, is_superuser=True)
        assert client_for(admin).get("/admin/oncall/shiftlog/add/").status_code == 403
        assert not ShiftLog.objects.exists()


class TestOncallAdminRefusesBadConfiguration:
    def test_a_bad_zone_and_bad_weekdays_are_shown_next_to_their_fields(self, london_weekly):
        from django.core.exceptions import ValidationError

        london_weekly.time_zone = "Mars/Olympus"
        with pytest.raises(ValidationError) as zone_error:
            london_weekly.full_clean()
        assert "time_zone" in zone_error.value.message_dict
        layer = london_weekly.layers.get()
        layer.weekdays = [7]
        with pytest.raises(ValidationError) as weekday_error:
            layer.full_clean()
        assert "weekdays" in weekday_error.value.message_dict
