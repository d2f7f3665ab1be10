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
