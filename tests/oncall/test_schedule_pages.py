"""Managers and admins create and edit schedules on the web; /oncall/ shows the escalation dry run."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest
import time_machine

from incidents.models import Severity
from incidents.services import severity_default_policy_create
from oncall.models import Layer, LayerMember, Schedule, ShiftLog

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

NOW = datetime(2026, 3, 25, 12, tzinfo=UTC)  # Carol's week of the London rotation


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def layer_data(index: int = 0, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "name": "",
        "role": "primary",
        "members": "alice, bob, carol",
        "shift_days": "7",
        "handoff_time": "09:00",
        "starts_on": "2026-03-30",
        "hours_start": "",
        "hours_end": "",
    }
    row.update(values)
    return {f"layers-{index}-{key}": value for key, value in row.items()}


def post_data(*layers: dict[str, str], name: str = "Database", time_zone: str = "Europe/London", initial: int = 0):
    data = {
        "name": name,
        "time_zone": time_zone,
        "layers-TOTAL_FORMS": str(len(layers)),
        "layers-INITIAL_FORMS": str(initial),
        "layers-MIN_NUM_FORMS": "0",
        "layers-MAX_NUM_FORMS": "20",
    }
    for layer in layers:
        data.update(layer)
    return data


def field_errors(response: Any, field: str, index: int | None = None) -> list[str]:
    """Return the errors the page shows next to ``field`` (of layer ``index`` when given)."""
    if index is None:
        return list(response.context["form"].errors.get(field, []))
    return list(response.context["layers"].forms[index].errors.get(field, []))


class TestScheduleCreatePage:
    def test_a_manager_creates_a_schedule_with_ordered_members(self, client_for, manager_user, engineers, frozen):
        client = client_for(manager_user)
        assert client.get("/oncall/schedules/new/").status_code == 200
        response = client.post(
            "/oncall/schedules/new/",
            post_data(
                layer_data(0, members="carol, alice, bob", shift_days="1"),
                layer_data(
                    1, role="backup", members="bob", weekdays=["0", "2"], hours_start="18:00", hours_end="08:00"
                ),
            ),
        )
        assert response.status_code == 302
        assert response["Location"] == "/oncall/"
        schedule = Schedule.objects.get(name="Database")
        assert schedule.time_zone == "Europe/London"
        first, second = schedule.layers.order_by("position")
        assert [m.user.username for m in first.members.order_by("position")] == ["carol", "alice", "bob"]
        assert (first.role, first.shift_days, first.handoff_time, first.starts_on) == (
            "primary",
            1,
            time(9),
            date(2026, 3, 30),
        )
        assert (second.role, second.weekdays, second.hours_start, second.hours_end) == (
            "backup",
            [0, 2],
            time(18),
            time(8),
        )

    def test_an_admin_may_create_too(self, client_for, admin_user, engineers, frozen):
        response = client_for(admin_user).post("/oncall/schedules/new/", post_data(layer_data()))
        assert response.status_code == 302
        assert Schedule.objects.filter(name="Database").exists()

    def test_a_blank_extra_layer_is_ignored(self, client_for, manager_user, engineers, frozen):
        blank = layer_data(1, members="", handoff_time="", starts_on="")
        response = client_for(manager_user).post("/oncall/schedules/new/", post_data(layer_data(), blank))
        assert response.status_code == 302
        assert Layer.objects.filter(schedule__name="Database").count() == 1

    @pytest.mark.parametrize("persona", ["ops_user", "oncall_user", "outsider"])
    def test_others_are_refused_and_nothing_is_saved(self, request, client_for, persona, engineers, frozen):
        client = client_for(request.getfixturevalue(persona))
        assert client.get("/oncall/schedules/new/").status_code == 403
        assert client.post("/oncall/schedules/new/", post_data(layer_data())).status_code == 403
        assert not Schedule.objects.exists()


class TestScheduleFormErrors:
    def test_an_unknown_member_is_named_next_to_the_field(self, client_for, manager_user, engineers, frozen):
        response = client_for(manager_user).post(
            "/oncall/schedules/new/", post_data(layer_data(0, members="alice, zed, bob"))
        )
        assert response.status_code == 400
        assert field_errors(response, "members", 0) == ["No such user: zed."]
        assert "No such user: zed." in response.content.decode()
        assert not Schedule.objects.exists()

    def test_a_bad_time_zone_is_an_error_next_to_the_field(self, client_for, manager_user, engineers, frozen):
        response = client_for(manager_user).post(
            "/oncall/schedules/new/", post_data(layer_data(), time_zone="Mars/Olympus")
        )
        assert response.status_code == 400
        assert field_errors(response, "time_zone") == ["'Mars/Olympus' is not a time zone name (e.g. Europe/London)."]
        assert not Schedule.objects.exists()
        assert not Layer.objects.exists()

    def test_a_member_without_a_role_is_refused_by_the_service(self, client_for, manager_user, make_user, frozen):
        make_user("nobody")
        response = client_for(manager_user).post("/oncall/schedules/new/", post_data(layer_data(0, members="nobody")))
        assert response.status_code == 400
        assert field_errors(response, "members", 0) == [
            "These users have no portal role and cannot be on call: nobody."
        ]
        assert not Schedule.objects.exists()

    def test_half_given_hours_and_a_zero_shift_are_errors_next_to_their_fields(
        self, client_for, manager_user, engineers, frozen
    ):
        response = client_for(manager_user).post(
            "/oncall/schedules/new/", post_data(layer_data(0, shift_days="0", hours_start="18:00"))
        )
        assert response.status_code == 400
        assert field_errors(response, "hours_end", 0) == ["Give both ends of the hours, or neither."]
        assert field_errors(response, "shift_days", 0) == ["Ensure this value is greater than or equal to 1."]
        assert not Schedule.objects.exists()

    def test_a_schedule_without_layers_is_refused(self, client_for, manager_user, engineers, frozen):
        response = client_for(manager_user).post("/oncall/schedules/new/", post_data())
        assert response.status_code == 400
        assert "A schedule needs at least one layer." in response.content.decode()
        assert not Schedule.objects.exists()

    def test_a_taken_name_is_an_error_next_to_the_field(self, client_for, manager_user, london_weekly, frozen):
        response = client_for(manager_user).post("/oncall/schedules/new/", post_data(layer_data(), name="Platform"))
        assert response.status_code == 400
        assert field_errors(response, "name") == ["A schedule with this name exists already."]
        assert Schedule.objects.count() == 1


class TestScheduleEditPage:
    def test_the_form_shows_the_schedule_as_it_is(self, client_for, manager_user, london_weekly, frozen):
        response = client_for(manager_user).get(f"/oncall/schedules/{london_weekly.pk}/edit/")
        assert response.status_code == 200
        page = response.content.decode()
        assert 'value="Platform"' in page
        assert 'value="alice, bob, carol"' in page
        assert 'value="2026-01-05"' in page
        assert 'value="09:00"' in page

    def test_an_edit_changes_only_the_future_and_keeps_history(
        self, client_for, manager_user, engineers, london_weekly, frozen
    ):
        before = Schedule.history.filter(id=london_weekly.pk).count()
        response = client_for(manager_user).post(
            f"/oncall/schedules/{london_weekly.pk}/edit/",
            post_data(
                layer_data(0, members="bob, alice", shift_days="14", starts_on="2026-03-30"),
                name="Platform core",
                initial=1,
            ),
        )
        assert response.status_code == 302
        london_weekly.refresh_from_db()
        assert london_weekly.name == "Platform core"
        (layer,) = london_weekly.layers.all()
        assert [m.user.username for m in layer.members.order_by("position")] == ["bob", "alice"]
        assert layer.shift_days == 14
        # The past as it was (Carol on call this week since Monday 23 March 09:00 London) is logged.
        current = ShiftLog.objects.get(schedule=london_weekly, role="primary", end=NOW)
        assert (current.user.username, current.start) == ("carol", datetime(2026, 3, 23, 9, tzinfo=UTC))
        # History: the schedule's rename, and the replaced layer and members, are recorded.
        assert Schedule.history.filter(id=london_weekly.pk).count() == before + 1
        assert Schedule.history.filter(id=london_weekly.pk).order_by("-history_id").first().name == "Platform core"
        assert Layer.history.filter(schedule_id=london_weekly.pk, history_type="-").count() == 1
        assert LayerMember.history.filter(history_type="-").count() == 3

    def test_a_rename_keeps_the_layers_untouched(self, client_for, manager_user, london_weekly, frozen):
        client = client_for(manager_user)
        url = f"/oncall/schedules/{london_weekly.pk}/edit/"
        # The layer exactly as the form shows it: the form sees no change in it.
        unchanged = layer_data(0, starts_on="2026-01-05")
        assert client.get(url).context["layers"].forms[0].initial["members"] == "alice, bob, carol"
        response = client.post(url, post_data(unchanged, name="Platform core", initial=1))
        assert response.status_code == 302
        (layer,) = london_weekly.layers.all()
        assert [m.user.username for m in layer.members.order_by("position")] == ["alice", "bob", "carol"]
        assert (layer.shift_days, layer.starts_on) == (7, date(2026, 1, 5))

    def test_removing_a_layer_with_delete(self, client_for, manager_user, engineers, london_weekly, frozen):
        data = post_data(
            layer_data(0, **{"DELETE": "on"}),
            layer_data(1, members="alice", role="primary"),
            name="Platform",
            initial=1,
        )
        response = client_for(manager_user).post(f"/oncall/schedules/{london_weekly.pk}/edit/", data)
        assert response.status_code == 302
        (layer,) = london_weekly.layers.all()
        assert [m.user.username for m in layer.members.all()] == ["alice"]

    def test_an_error_leaves_the_schedule_as_it_was(self, client_for, manager_user, london_weekly, frozen):
        response = client_for(manager_user).post(
            f"/oncall/schedules/{london_weekly.pk}/edit/",
            post_data(layer_data(0, members="alice, ghost"), name="Renamed", initial=1),
        )
        assert response.status_code == 400
        assert field_errors(response, "members", 0) == ["No such user: ghost."]
        london_weekly.refresh_from_db()
        assert london_weekly.name == "Platform"
        assert [m.user.username for m in london_weekly.layers.get().members.order_by("position")] == [
            "alice",
            "bob",
            "carol",
        ]
        assert not ShiftLog.objects.exists()

    @pytest.mark.parametrize("persona", ["ops_user", "oncall_user"])
    def test_others_are_refused_and_nothing_changes(self, request, client_for, persona, london_weekly, frozen):
        client = client_for(request.getfixturevalue(persona))
        url = f"/oncall/schedules/{london_weekly.pk}/edit/"
        assert client.get(url).status_code == 403
        assert client.post(url, post_data(layer_data(0, members="alice"), name="Mine", initial=1)).status_code == 403
        london_weekly.refresh_from_db()
        assert london_weekly.name == "Platform"

    def test_an_unknown_or_non_numeric_schedule_is_404(self, client_for, manager_user, london_weekly):
        client = client_for(manager_user)
        assert client.get("/oncall/schedules/999999/edit/").status_code == 404
        assert client.get("/oncall/schedules/abc/edit/").status_code == 404


class TestOncallPageScheduleLinks:
    def test_managers_see_new_and_edit_links(self, client_for, manager_user, london_weekly, frozen):
        page = client_for(manager_user).get("/oncall/").content.decode()
        assert 'href="/oncall/schedules/new/"' in page
        assert f'href="/oncall/schedules/{london_weekly.pk}/edit/"' in page

    def test_engineers_do_not(self, client_for, engineers, london_weekly, frozen):
        page = client_for(engineers[0]).get("/oncall/").content.decode()
        assert "/oncall/schedules/" not in page


@pytest.fixture
def p1(db):
    severity, _ = Severity.objects.get_or_create(
        code="P1", defaults={"name": "High - Major Impact", "response_minutes": 60, "position": 2}
    )
    severity_default_policy_create(severity=severity)
    return severity


def dry_run_table(html: str) -> str:
    table = html[html.index('data-testid="escalation-dry-run"') :]
    return table[: table.index("</table>")]


class TestOncallDryRun:
    def test_the_oncall_page_shows_the_same_plan_as_the_preview(
        self, client_for, engineers, manager_user, london_weekly, p1
    ):
        client = client_for(engineers[0])
        query = "?severity=P1&at=2026-11-25T10:00"
        oncall = client.get("/oncall/" + query)
        preview = client.get("/incidents/escalation-preview/" + query)
        assert oncall.status_code == preview.status_code == 200
        assert oncall.context["pages"] == preview.context["pages"]
        assert oncall.context["pages"]  # the default P1 policy pages someone
        assert dry_run_table(oncall.content.decode()) == dry_run_table(preview.content.decode())
        table = dry_run_table(oncall.content.decode())
        # The schedule's primary (Bob that week) first, its secondary (Carol), then the managers.
        assert "<td>Wed 25 Nov 11:00 UTC</td><td>1</td><td>bob</td>" in table
        assert "<td>carol</td>" in table
        assert "<td>maria.manager</td>" in table

    def test_without_a_severity_only_the_form_is_shown(self, client_for, engineers, london_weekly, p1):
        page = client_for(engineers[0]).get("/oncall/").content.decode()
        assert 'data-testid="oncall-dry-run-form"' in page
        assert 'data-testid="escalation-dry-run"' not in page

    def test_a_bad_moment_is_an_error_next_to_the_field(self, client_for, engineers, p1):
        response = client_for(engineers[0]).get("/oncall/?severity=P1&at=yesterday")
        assert response.status_code == 400
        assert "Enter a valid date/time." in response.content.decode()
