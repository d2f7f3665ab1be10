"""The role audit trail: every role granted or revoked is recorded with who did it, wherever it happened."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import Group

from access.audit import acting_as
from access.models import RoleChange
from opsportal.roles import Role


def _trail(user):
    return list(RoleChange.objects.filter(user=user).order_by("pk").values_list("role", "action", "by_id", "via"))


@pytest.mark.django_db
class TestRoleChangeHook:
    def test_it_records_a_grant_from_either_side_of_the_relation(self, make_user, manager_user):
        zoe = make_user("zoe")
        manager = Group.objects.get_or_create(name=Role.MANAGER.value)[0]
        ops = Group.objects.get_or_create(name=Role.OPS.value)[0]
        with acting_as(manager_user, "test"):
            zoe.groups.add(ops)
            manager.user_set.add(zoe)
        assert _trail(zoe) == [
            (Role.OPS.value, "granted", manager_user.pk, "test"),
            (Role.MANAGER.value, "granted", manager_user.pk, "test"),
        ]

    def test_it_records_only_role_groups_and_only_real_changes(self, make_user):
        zoe = make_user("zoe", Role.OPS)
        other = Group.objects.create(name="Book club")
        ops = Group.objects.get_or_create(name=Role.OPS.value)[0]
        zoe.groups.add(other, ops)  # already holds Ops: nothing new
        zoe.groups.remove(Group.objects.get_or_create(name=Role.ADMIN.value)[0])  # never held
        assert _trail(zoe) == [(Role.OPS.value, "granted", None, "")]

    def test_it_records_revocations_on_remove_set_and_clear(self, make_user):
        zoe = make_user("zoe", Role.OPS, Role.ONCALL, Role.MANAGER)
        zoe.groups.remove(Group.objects.get_or_create(name=Role.OPS.value)[0])
        zoe.groups.set([Group.objects.get_or_create(name=Role.MANAGER.value)[0]])
        zoe.groups.clear()
        revoked = [role for role, action, *_ in _trail(zoe) if action == "revoked"]
        assert revoked == [Role.OPS.value, Role.ONCALL.value, Role.MANAGER.value]


@pytest.mark.django_db
class TestAdminEditsAreAttributed:
    def test_a_superuser_editing_a_user_in_admin_is_recorded_as_the_actor(self, client, make_user):
        boss = make_user("boss", is_staff=True, is_superuser=True)
        zoe = make_user("zoe", Role.OPS)
        client.force_login(boss)
        page = client.get(f"/admin/auth/user/{zoe.pk}/change/")
        assert page.status_code == 200
        form = page.context["adminform"].form
        data = {key: value for key, value in form.initial.items() if value is not None and key != "password"}
        data.update(
            {
                "username": "zoe",
                "groups": [Group.objects.get_or_create(name=Role.MANAGER.value)[0].pk],
                "date_joined_0": zoe.date_joined.strftime("%Y-%m-%d"),
                "date_joined_1": zoe.date_joined.strftime("%H:%M:%S"),
                "is_active": "on",
            }
        )
        data.pop("user_permissions", None)
        data.pop("last_login", None)
        data.pop("date_joined", None)
        response = client.post(f"/admin/auth/user/{zoe.pk}/change/", data)
        assert response.status_code == 302, response.content.decode()[:2000]
        changes = {(role, action, by, via) for role, action, by, via in _trail(zoe)[1:]}
        assert changes == {
            (Role.OPS.value, "revoked", boss.pk, f"Django admin: /admin/auth/user/{zoe.pk}/change/"),
            (Role.MANAGER.value, "granted", boss.pk, f"Django admin: /admin/auth/user/{zoe.pk}/change/"),
        }


@pytest.mark.django_db
class TestPermissionAuditCsv:
    URL = "/compliance/access/audit.csv"

    def test_it_lists_each_role_held_with_when_and_by_whom(self, client_for, manager_user, make_user):
        zoe = make_user("zoe")
        with acting_as(manager_user, "test"):
            zoe.groups.add(Group.objects.get_or_create(name=Role.ONCALL.value)[0])
        response = client_for(manager_user).get(self.URL)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0] == ["user", "role", "granted_at", "granted_by", "via"]
        zoe_row = next(row for row in rows if row[0] == "zoe")
        assert zoe_row[1] == Role.ONCALL.value
        assert zoe_row[2]
        assert zoe_row[3] == manager_user.username

    def test_the_trail_lists_revocations_too(self, client_for, manager_user, make_user):
        zoe = make_user("zoe", Role.OPS)
        zoe.groups.clear()
        rows = list(csv.reader(io.StringIO(client_for(manager_user).get(self.URL, {"trail": "1"}).content.decode())))
        assert rows[0] == ["user", "role", "action", "at", "by", "via"]
        assert [row[:3] for row in rows[1:] if row[0] == "zoe"] == [["zoe", Role.OPS.value, "revoked"],
                                                                    ["zoe", Role.OPS.value, "granted"]]  # fmt: skip

    @pytest.mark.parametrize("persona", ["ops_user", "oncall_user", "outsider"])
    def test_it_is_for_managers_and_admins_only(self, client_for, request, persona):
        assert client_for(request.getfixturevalue(persona)).get(self.URL).status_code == 403


@pytest.mark.django_db
class TestPersonalDataExport:
    def test_it_carries_role_changes_review_lines_and_training(self, make_user, manager_user):
        from datetime import date

        from access.models import TrainingRecord
        from access.services import access_review_open
        from compliance.selectors import personal_data_for
        from opsportal import clock

        zoe = make_user("zoe", Role.OPS)
        access_review_open()
        TrainingRecord.objects.create(person=zoe, topic="Phishing", completed_on=date(2026, 1, 1),
                                      expires_on=date(2027, 1, 1), recorded_at=clock.now())  # fmt: skip
        data = personal_data_for(zoe)
        assert [row["action"] for row in data["role_changes"]] == ["granted"]
        assert [row["roles"] for row in data["access_review_lines"]] == [[Role.OPS.value]]
        assert [row["topic"] for row in data["training_records"]] == ["Phishing"]
