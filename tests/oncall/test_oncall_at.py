"""Who is on call, read from the database: DST handoffs, overrides and the kept shift log."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from oncall import selectors, services
from oncall.models import Layer, Override, ShiftLog

LONDON = ZoneInfo("Europe/London")

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

# Mondays 09:00 London on each side of the 2026 changes (29 March, 25 October), as UTC instants.
# Week k of the rotation (from Monday 5 January) is held by engineer k mod 3.
HANDOFFS = [
    (datetime(2026, 3, 23, 9, 0, tzinfo=UTC), "bob", "carol"),  # GMT
    (datetime(2026, 3, 30, 8, 0, tzinfo=UTC), "carol", "alice"),  # BST: 09:00 local is 08:00 UTC
    (datetime(2026, 10, 19, 8, 0, tzinfo=UTC), "bob", "carol"),  # BST
    (datetime(2026, 10, 26, 9, 0, tzinfo=UTC), "carol", "alice"),  # GMT again
]


class TestWeeklyHandoffOnMondayNineLondon:
    @pytest.mark.parametrize(("handoff", "outgoing", "incoming"), HANDOFFS)
    def test_it_gives_the_right_person_at_the_handoff_minute(self, london_weekly, handoff, outgoing, incoming):
        before = selectors.oncall_at(london_weekly, handoff - timedelta(minutes=1))
        at = selectors.oncall_at(london_weekly, handoff)
        assert before.primary.username == outgoing
        assert before.until == handoff
        assert at.primary.username == incoming
        next_local = at.until.astimezone(LONDON)
        assert (next_local.date(), next_local.time()) == (
            handoff.astimezone(LONDON).date() + timedelta(days=7),
            time(9),
        )
        assert selectors.oncall_at(london_weekly, handoff + timedelta(minutes=1)).primary.username == incoming

    def test_the_secondary_is_the_next_person_in_the_rotation(self, london_weekly):
        now = selectors.oncall_at(london_weekly, datetime(2026, 3, 31, 12, tzinfo=UTC))
        assert (now.primary.username, now.secondary.username) == ("alice", "bob")

    def test_it_lists_the_handoffs_at_nine_local(self, london_weekly):
        handoffs = selectors.handoffs_between(
            london_weekly, datetime(2026, 3, 20, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
        )
        assert [(h.at, h.outgoing.username, h.incoming.username) for h in handoffs] == [
            (HANDOFFS[0][0], "bob", "carol"),
            (HANDOFFS[1][0], "carol", "alice"),
        ]


class TestOverrideWinsInItsWindow:
    def test_the_override_holds_its_window_and_the_layer_resumes(self, london_weekly, make_user):
        dave = make_user("dave")
        start, end = datetime(2026, 3, 29, 22, tzinfo=UTC), datetime(2026, 3, 30, 10, tzinfo=UTC)
        Override.objects.create(schedule=london_weekly, user=dave, start=start, end=end, reason="swap")
        assert selectors.oncall_at(london_weekly, start - timedelta(minutes=1)).primary.username == "carol"
        inside = selectors.oncall_at(london_weekly, start)
        assert (inside.primary.username, inside.until) == ("dave", datetime(2026, 3, 30, 8, tzinfo=UTC))
        assert selectors.oncall_at(london_weekly, datetime(2026, 3, 30, 9, tzinfo=UTC)).primary.username == "dave"
        assert selectors.oncall_at(london_weekly, end).primary.username == "alice"
        shifts = selectors.shifts_between(london_weekly, start - timedelta(hours=1), end + timedelta(hours=1))
        primaries = [(s.user.username, s.source) for s in shifts if s.role == "primary"]
        assert primaries == [("carol", "layer"), ("dave", "override"), ("alice", "layer")]


class TestShiftLogKeepsThePast:
    def test_an_edit_changes_only_the_future(self, london_weekly, engineers):
        with time_machine.travel(datetime(2026, 3, 31, 12, tzinfo=UTC), tick=False):
            services.shift_log_append(schedule=london_weekly)
            assert ShiftLog.objects.filter(schedule=london_weekly, role="primary").exists()
            # Reorder the rotation: the past must not change.
            layer = Layer.objects.get(schedule=london_weekly)
            layer.members.filter(user=engineers[0]).update(position=10)
            london_weekly.refresh_from_db()
            past = selectors.oncall_at(london_weekly, datetime(2026, 3, 24, 12, tzinfo=UTC))
            assert past.primary.username == "carol"
            future = selectors.oncall_at(london_weekly, datetime(2026, 4, 7, 12, tzinfo=UTC))
            assert future.primary is not None

    def test_appending_twice_writes_nothing_twice(self, london_weekly):
        with time_machine.travel(datetime(2026, 1, 20, 12, tzinfo=UTC), tick=False):
            first = services.shift_log_append(schedule=london_weekly)
            second = services.shift_log_append(schedule=london_weekly)
        assert first > 0
        assert second == 0


class TestShiftLogTask:
    def test_the_beat_task_logs_every_schedule_up_to_now(self, london_weekly):
        from oncall import tasks

        with time_machine.travel(datetime(2026, 1, 20, 12, tzinfo=UTC), tick=False):
            tasks.append_shift_log()
            london_weekly.refresh_from_db()
            assert london_weekly.logged_until == datetime(2026, 1, 20, 12, tzinfo=UTC)
        primaries = ShiftLog.objects.filter(schedule=london_weekly, role="primary").order_by("start")
        assert [(row.user.username, row.source) for row in primaries] == [
            ("alice", "layer"),
            ("bob", "layer"),
            ("carol", "layer"),
        ]
        # The shift running at the sweep is logged up to the sweep; the next sweep extends it.
        assert primaries.last().end == datetime(2026, 1, 20, 12, tzinfo=UTC)
        with time_machine.travel(datetime(2026, 1, 21, 12, tzinfo=UTC), tick=False):
            tasks.append_shift_log()
        assert ShiftLog.objects.filter(schedule=london_weekly, role="primary").count() == 3
        assert primaries.last().end == datetime(2026, 1, 21, 12, tzinfo=UTC)
