"""The schedules API of the public contract: /api/v1/schedules/ and its oncall/, shifts/, overrides/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from oncall.models import Override, Schedule

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

NOW = datetime(2026, 3, 25, 12, tzinfo=UTC)


def schedule_body(**extra):
    body = {
        "name": "Platform",
        "time_zone": "Europe/London",
        "layers": [
            {
                "members": ["alice", "bob", "carol"],
                "shift_length": "weekly",
                "handoff_time": "09:00",
                "starts_on": "2026-01-05",
            },
            {
                "members": ["dave"],
                "shift_length": 1,
                "handoff_time": "00:00",
                "starts_on": "2026-01-01",
                "weekdays": [5, 6],
                "hours": ["18:00", "08:00"],
                "role": "primary",
            },
        ],
    }
    body.update(extra)
    return body


@pytest.fixture
def dave(make_user):
    from opsportal.roles import Role

    return make_user("dave", Role.ONCALL)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


class TestScheduleCreate:
    def test_a_manager_creates_a_schedule_and_reads_it_back(self, client_for, manager_user, engineers, dave, frozen):
        response = client_for(manager_user).post("/api/v1/schedules/", schedule_body(), content_type="application/json")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["name"] == "Platform"
        assert body["layers"][0]["members"] == ["alice", "bob", "carol"]
        assert body["layers"][0]["shift_length"] == "weekly"
        assert body["layers"][0]["handoff_time"] == "09:00"
        assert body["layers"][1]["hours"] == ["18:00", "08:00"]
        assert body["layers"][1]["weekdays"] == [5, 6]
        assert body["layers"][1]["shift_length"] == "daily"
        read = client_for(engineers[0]).get(f"/api/v1/schedules/{body['id']}/")
        assert read.status_code == 200
        assert read.json() == body

    def test_an_engineer_may_read_but_not_write(self, client_for, oncall_user, engineers, dave):
        response = client_for(oncall_user).post("/api/v1/schedules/", schedule_body(), content_type="application/json")
        assert response.status_code == 403
        assert response.json()["error"]["status"] == 403
        assert client_for(oncall_user).get("/api/v1/schedules/").status_code == 200

    def test_an_outsider_sees_nothing(self, client_for, outsider):
        assert client_for(outsider).get("/api/v1/schedules/").status_code == 403

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"time_zone": "Mars/Olympus"}, "time_zone"),
            ({"layers": []}, "layers"),
        ],
    )
    def test_it_names_the_bad_field(self, client_for, manager_user, engineers, dave, change, field):
        response = client_for(manager_user).post(
            "/api/v1/schedules/", schedule_body(**change), content_type="application/json"
        )
        assert response.status_code == 400
        assert field in response.json()["error"]["fields"]

    @pytest.mark.parametrize(
        ("layer_change", "field"),
        [
            ({"members": ["nobody"]}, "layers.0.members"),
            ({"shift_length": "monthly"}, "layers.0.shift_length"),
            ({"shift_length": 0}, "layers.0.shift_length"),
            ({"handoff_time": "25:00"}, "layers.0.handoff_time"),
            ({"weekdays": [7]}, "layers.0.weekdays.0"),
            ({"hours": ["09:00"]}, "layers.0.hours"),
            ({"hours": ["09:00", "09:00"]}, "layers.0.hours"),
        ],
    )
    def test_it_names_the_bad_layer_field(self, client_for, manager_user, engineers, dave, layer_change, field):
        body = schedule_body()
        body["layers"][0].update(layer_change)
        response = client_for(manager_user).post("/api/v1/schedules/", body, content_type="application/json")
        assert response.status_code == 400, response.json()
        assert field in response.json()["error"]["fields"], response.json()

    def test_a_member_without_a_role_is_refused(self, client_for, manager_user, engineers, make_user):
        make_user("dave")
        response = client_for(manager_user).post("/api/v1/schedules/", schedule_body(), content_type="application/json")
        assert response.status_code == 400
        assert "layers.1.members" in response.json()["error"]["fields"]

    def test_a_duplicate_name_is_refused_by_name(self, client_for, manager_user, engineers, dave):
        client = client_for(manager_user)
        assert client.post("/api/v1/schedules/", schedule_body(), content_type="application/json").status_code == 201
        response = client.post("/api/v1/schedules/", schedule_body(), content_type="application/json")
        assert response.status_code == 400
        assert "name" in response.json()["error"]["fields"]


class TestScheduleUpdateAndDelete:
    def test_patch_replaces_the_layers_and_keeps_the_past(self, client_for, manager_user, engineers, dave):
        client = client_for(manager_user)
        with time_machine.travel(NOW - timedelta(days=14), tick=False):
            created = client.post("/api/v1/schedules/", schedule_body(), content_type="application/json").json()
        with time_machine.travel(NOW, tick=False):
            before = client.get(f"/api/v1/schedules/{created['id']}/oncall/?at=2026-03-18T12:00:00Z").json()
            layers = schedule_body()["layers"][:1]
            layers[0]["members"] = ["dave"]
            response = client.patch(
                f"/api/v1/schedules/{created['id']}/", {"layers": layers}, content_type="application/json"
            )
            assert response.status_code == 200, response.json()
            assert response.json()["layers"][0]["members"] == ["dave"]
            assert response.json()["name"] == "Platform"
            after = client.get(f"/api/v1/schedules/{created['id']}/oncall/?at=2026-03-18T12:00:00Z").json()
            future = client.get(f"/api/v1/schedules/{created['id']}/oncall/?at=2026-04-18T12:00:00Z").json()
        assert after["primary"] == before["primary"] == "bob"
        assert future["primary"] == "dave"

    def test_delete_removes_the_schedule(self, client_for, manager_user, engineers, dave):
        client = client_for(manager_user)
        created = client.post("/api/v1/schedules/", schedule_body(), content_type="application/json").json()
        assert client.delete(f"/api/v1/schedules/{created['id']}/").status_code == 204
        assert not Schedule.objects.exists()

    def test_a_non_numeric_id_is_a_404(self, client_for, manager_user):
        response = client_for(manager_user).get("/api/v1/schedules/abc/")
        assert response.status_code == 404
        assert response.json()["error"]["status"] == 404


class TestOncallEndpoint:
    def test_it_answers_primary_secondary_and_until(self, client_for, oncall_user, london_weekly):
        response = client_for(oncall_user).get(f"/api/v1/schedules/{london_weekly.pk}/oncall/?at=2026-03-30T07:59:00Z")
        assert response.json() == {"primary": "carol", "secondary": "alice", "until": "2026-03-30T08:00:00Z"}
        response = client_for(oncall_user).get(
            f"/api/v1/schedules/{london_weekly.pk}/oncall/?at=2026-03-30T09:00:00%2B01:00"
        )
        assert response.json()["primary"] == "alice"

    def test_without_at_it_answers_for_now(self, client_for, oncall_user, london_weekly, frozen):
        response = client_for(oncall_user).get(f"/api/v1/schedules/{london_weekly.pk}/oncall/")
        assert response.json()["primary"] == "carol"  # week of Monday 23 March

    @pytest.mark.parametrize("at", ["yesterday", "2026-03-30T09:00:00", "0001-01-01T00:00:00Z"])
    def test_a_bad_at_is_a_400_naming_it(self, client_for, oncall_user, london_weekly, at):
        response = client_for(oncall_user).get(f"/api/v1/schedules/{london_weekly.pk}/oncall/", {"at": at})
        assert response.status_code == 400
        assert "at" in response.json()["error"]["fields"]


class TestShiftsEndpoint:
    def test_it_lists_the_shifts_with_their_source(self, client_for, oncall_user, london_weekly):
        response = client_for(oncall_user).get(
            f"/api/v1/schedules/{london_weekly.pk}/shifts/",
            {"from": "2026-03-23T00:00:00Z", "to": "2026-04-06T00:00:00Z"},
        )
        assert response.status_code == 200
        primaries = [(s["user"], s["start"], s["source"]) for s in response.json() if s["role"] == "primary"]
        assert primaries == [
            ("bob", "2026-03-23T00:00:00Z", "layer"),
            ("carol", "2026-03-23T09:00:00Z", "layer"),
            ("alice", "2026-03-30T08:00:00Z", "layer"),
        ]

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"from": "2026-01-01T00:00:00Z", "to": "2026-06-01T00:00:00Z"}, "to"),
            ({"from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "to"),
            ({"to": "2026-01-01T00:00:00Z"}, "from"),
        ],
    )
    def test_a_bad_range_is_a_400_naming_the_field(self, client_for, oncall_user, london_weekly, params, field):
        response = client_for(oncall_user).get(f"/api/v1/schedules/{london_weekly.pk}/shifts/", params)
        assert response.status_code == 400
        assert field in response.json()["error"]["fields"]


class TestOverridesEndpoint:
    def test_a_manager_adds_an_override_that_wins_in_its_window(
        self, client_for, manager_user, london_weekly, dave, frozen
    ):
        client = client_for(manager_user)
        body = {"user": "dave", "start": "2026-03-26T10:00:00Z", "end": "2026-03-26T18:00:00Z", "reason": "swap"}
        response = client.post(
            f"/api/v1/schedules/{london_weekly.pk}/overrides/", body, content_type="application/json"
        )
        assert response.status_code == 201, response.json()
        assert response.json()["user"] == "dave"
        inside = client.get(f"/api/v1/schedules/{london_weekly.pk}/oncall/?at=2026-03-26T12:00:00Z").json()
        assert inside["primary"] == "dave"
        assert inside["until"] == "2026-03-26T18:00:00Z"

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"user": "dave", "start": "2026-03-26T10:00:00Z", "end": "2026-03-26T09:00:00Z"}, "end"),
            ({"user": "dave", "start": "2026-03-20T10:00:00Z", "end": "2026-03-26T09:00:00Z"}, "start"),
            ({"user": "nobody", "start": "2026-03-26T10:00:00Z", "end": "2026-03-26T12:00:00Z"}, "user"),
            ({"user": "dave", "start": "not a time", "end": "2026-03-26T12:00:00Z"}, "start"),
        ],
    )
    def test_a_bad_override_is_a_400_naming_the_field(
        self, client_for, manager_user, london_weekly, dave, frozen, body, field
    ):
        response = client_for(manager_user).post(
            f"/api/v1/schedules/{london_weekly.pk}/overrides/", body, content_type="application/json"
        )
        assert response.status_code == 400
        assert field in response.json()["error"]["fields"]
        assert not Override.objects.exists()

    def test_a_user_without_a_role_may_not_cover(self, client_for, manager_user, london_weekly, make_user, frozen):
        make_user("eve")
        body = {"user": "eve", "start": "2026-03-26T10:00:00Z", "end": "2026-03-26T12:00:00Z"}
        response = client_for(manager_user).post(
            f"/api/v1/schedules/{london_weekly.pk}/overrides/", body, content_type="application/json"
        )
        assert response.status_code == 400
        assert "user" in response.json()["error"]["fields"]

    def test_an_engineer_may_not_add_overrides(self, client_for, oncall_user, london_weekly, dave, frozen):
        body = {"user": "dave", "start": "2026-03-26T10:00:00Z", "end": "2026-03-26T12:00:00Z"}
        response = client_for(oncall_user).post(
            f"/api/v1/schedules/{london_weekly.pk}/overrides/", body, content_type="application/json"
        )
        assert response.status_code == 403
