"""Django admin: templates with ordered items inline, schedule validation, edit history."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from checklists.models import ChecklistTemplate
from opsportal.roles import Role


@pytest.fixture
def superuser(make_user):
    return make_user("sue.super", Role.ADMIN, is_staff=True, is_superuser=True)


def form_data(**overrides):
    data = {
        "name": "Backup check",
        "key": "weekly-backup-check",
        "description": "",
        "owner_group": Group.objects.get_or_create(name=Role.OPS.value)[0].pk,
        "is_active": "on",
        "frequency": "weekly",
        "time_of_day": "07:30",
        "weekdays": ["0", "3"],
        "week_of_month": "",
        "day_of_month": "",
        "due_after": "",
        "window_days": "",
        "attach_to": "none",
        "relative_anchor": "start",
        "relative_open_minutes": "",
        "relative_due_minutes": "",
        "position": "0",
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "items-0-position": "2",
        "items-0-text": "Second step",
        "items-0-required": "on",
        "items-1-position": "1",
        "items-1-text": "First step",
        "items-1-required": "on",
        "items-1-evidence_required": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
class TestChecklistTemplateAdmin:
    def test_an_admin_creates_a_template_with_ordered_items(self, client_for, superuser):
        client = client_for(superuser)
        assert client.get("/admin/checklists/checklisttemplate/add/").status_code == 200
        response = client.post("/admin/checklists/checklisttemplate/add/", form_data())
        assert response.status_code == 302, response.content.decode()[:3000]
        template = ChecklistTemplate.objects.get(key="weekly-backup-check")
        assert template.weekdays == [0, 3]
        assert template.schedule_text() == "Weekly on Monday, Thursday at 07:30"
        assert list(template.items.values_list("text", "evidence_required")) == [
            ("First step", True),
            ("Second step", False),
        ]
        assert client.get(f"/admin/checklists/checklisttemplate/{template.pk}/history/").status_code == 200
        assert template.history.count() == 1

    def test_a_weekly_template_without_weekdays_is_refused_next_to_the_field(self, client_for, superuser):
        response = client_for(superuser).post("/admin/checklists/checklisttemplate/add/", form_data(weekdays=[]))
        assert response.status_code == 200
        assert "A weekly checklist needs at least one weekday." in response.content.decode()
        assert not ChecklistTemplate.objects.exists()

    def test_a_monthly_template_needs_a_week_or_a_day(self, client_for, superuser):
        response = client_for(superuser).post(
            "/admin/checklists/checklisttemplate/add/", form_data(frequency="monthly", weekdays=[])
        )
        assert "Give either a week of the month or a day of the month" in response.content.decode()

    def test_runs_are_read_only(self, client_for, superuser):
        client = client_for(superuser)
        assert client.get("/admin/checklists/checklistrun/").status_code == 200
        assert client.get("/admin/checklists/checklistrun/add/").status_code == 403
