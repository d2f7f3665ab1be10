"""The /oncall/ page, the override form and the personal iCalendar feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from oncall.models import FeedToken, Override

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

NOW = datetime(2026, 3, 25, 12, tzinfo=UTC)  # Carol's week (from Monday 23 March 09:00)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


class TestOncallPage:
    def test_it_shows_now_next_the_calendar_and_my_shifts(self, client_for, engineers, london_weekly, frozen):
        response = client_for(engineers[0]).get("/oncall/")
        assert response.status_code == 200
        page = response.content.decode()
        assert 'data-testid="primary-now">carol<' in page
        assert 'data-testid="secondary-now">alice<' in page
        assert 'data-testid="primary-next">alice<' in page
        assert 'data-testid="oncall-calendar"' in page
        assert "Platform</strong> · primary" in page  # Alice's own shift from 30 March
        assert 'href="/oncall/">On-call</a>' in page

    @pytest.mark.parametrize("persona", ["ops_user", "oncall_user", "manager_user", "admin_user"])
    def test_every_role_may_read_it(self, request, client_for, persona, london_weekly):
        assert client_for(request.getfixturevalue(persona)).get("/oncall/").status_code == 200

    def test_an_outsider_may_not(self, client_for, outsider):
        assert client_for(outsider).get("/oncall/").status_code == 403


class TestOverrideForm:
    def test_a_manager_adds_an_override(self, client_for, manager_user, london_weekly, engineers, frozen):
        response = client_for(manager_user).post(
            "/oncall/overrides/",
            {
                "schedule": london_weekly.pk,
                "user": engineers[1].pk,
                "start": "2026-03-26T10:00",
                "end": "2026-03-26T12:00",
                "reason": "dentist",
            },
        )
        assert response.status_code == 302
        assert Override.objects.get().user == engineers[1]

    def test_an_end_before_the_start_is_shown_next_to_the_field(
        self, client_for, manager_user, london_weekly, engineers, frozen
    ):
        response = client_for(manager_user).post(
            "/oncall/overrides/",
            {
                "schedule": london_weekly.pk,
                "user": engineers[1].pk,
                "start": "2026-03-26T10:00",
                "end": "2026-03-26T09:00",
            },
        )
        assert response.status_code == 400
        assert "The end must be after the start." in response.content.decode()
        assert not Override.objects.exists()

    def test_an_engineer_may_not(self, client_for, oncall_user):
        assert client_for(oncall_user).get("/oncall/overrides/").status_code == 403


class TestFeed:
    def test_the_feed_holds_my_shifts_only(self, client, client_for, engineers, london_weekly, frozen):
        client_for(engineers[0]).post("/oncall/calendar/token/")
        token = FeedToken.objects.get(user=engineers[0]).token
        client.logout()
        response = client.get("/oncall/calendar.ics", {"token": token})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/calendar")
        body = response.content.decode()
        assert "BEGIN:VCALENDAR" in body
        assert "SUMMARY:On call (primary): Platform" in body
        assert "DTSTART:20260330T080000Z" in body  # Monday 30 March 09:00 London (BST)

    def test_an_unknown_token_is_a_404(self, client, db):
        assert client.get("/oncall/calendar.ics", {"token": "nope"}).status_code == 404


class TestOncallPageQueryBudget:
    def test_the_queries_do_not_grow_with_the_schedules(self, client_for, engineers, london_weekly, frozen):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from oncall.models import Layer, LayerMember, Schedule

        client = client_for(engineers[0])
        client.get("/oncall/")  # warm the session
        with CaptureQueriesContext(connection) as one:
            assert client.get("/oncall/").status_code == 200
        for name in ("Database", "Network"):
            schedule = Schedule.objects.create(name=name, time_zone="America/New_York")
            layer = Layer.objects.create(
                schedule=schedule, shift_days=1, handoff_time=london_weekly.layers.get().handoff_time,
                starts_on=london_weekly.layers.get().starts_on,
            )  # fmt: skip
            for position, user in enumerate(reversed(engineers)):
                LayerMember.objects.create(layer=layer, user=user, position=position)
        Override.objects.create(
            schedule=london_weekly, user=engineers[1], start=NOW, end=NOW + timedelta(hours=3), reason="swap"
        )
        with CaptureQueriesContext(connection) as three:
            assert client.get("/oncall/").status_code == 200
        # session, user, groups (roles), schedules, layers, members, their users, overrides,
        # users on call, the feed token: the same for one schedule as for three.
        assert len(three.captured_queries) == len(one.captured_queries), [q["sql"] for q in three.captured_queries]
