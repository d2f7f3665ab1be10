"""The pure rotation: handoffs at local wall-clock times across DST, layers, restrictions, overrides."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from oncall.rotation import (
    PRIMARY,
    SECONDARY,
    SOURCE_OVERRIDE,
    LayerRule,
    OverrideRule,
    compose,
    holder_at,
    layer_pieces,
)

LONDON = ZoneInfo("Europe/London")
ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]


def weekly(members, *, handoff=time(9), starts_on=date(2026, 1, 5), **extra):
    return LayerRule(members=tuple(members), shift_days=7, handoff_time=handoff, starts_on=starts_on, **extra)


class TestWeeklyRotationAcrossDaylightSaving:
    def test_it_hands_off_at_nine_local_on_the_mondays_around_both_changes(self):
        layer = weekly(["a", "b", "c"])
        start, end = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 11, 20, tzinfo=UTC)
        pieces = [p for p in compose([layer], [], LONDON, start, end) if p.role == PRIMARY]
        for piece in pieces[1:]:
            local = piece.start.astimezone(LONDON)
            assert (local.weekday(), local.time()) == (0, time(9))

    def test_it_names_the_next_member_as_secondary(self):
        layer = weekly(["a", "b", "c"])
        at = datetime(2026, 1, 6, 12, tzinfo=UTC)
        pieces = compose([layer], [], LONDON, at, at + timedelta(hours=1))
        assert holder_at(pieces, PRIMARY, at).user == "a"
        assert holder_at(pieces, SECONDARY, at).user == "b"


class TestLayers:
    def test_the_layer_listed_last_wins_in_its_hours(self):
        daily = LayerRule(members=("day",), shift_days=1, handoff_time=time(0), starts_on=date(2026, 1, 1))
        nights = LayerRule(
            members=("night",),
            shift_days=1,
            handoff_time=time(0),
            starts_on=date(2026, 1, 1),
            hours=(time(18), time(8)),
        )
        start = datetime(2026, 2, 2, tzinfo=UTC)
        pieces = compose([daily, nights], [], LONDON, start, start + timedelta(days=2))
        assert holder_at(pieces, PRIMARY, datetime(2026, 2, 2, 12, tzinfo=UTC)).user == "day"
        assert holder_at(pieces, PRIMARY, datetime(2026, 2, 2, 20, tzinfo=UTC)).user == "night"
        assert holder_at(pieces, PRIMARY, datetime(2026, 2, 3, 7, 59, tzinfo=UTC)).user == "night"
        assert holder_at(pieces, PRIMARY, datetime(2026, 2, 3, 8, tzinfo=UTC)).user == "day"

    def test_a_weekday_layer_is_off_at_the_weekend(self):
        business = weekly(["x"], weekdays=frozenset(range(5)), hours=(time(9), time(17)))
        start = datetime(2026, 2, 2, tzinfo=UTC)  # a Monday
        pieces = compose([business], [], LONDON, start, start + timedelta(days=7))
        assert holder_at(pieces, PRIMARY, datetime(2026, 2, 2, 10, tzinfo=UTC)).user == "x"
        assert holder_at(pieces, PRIMARY, datetime(2026, 2, 7, 10, tzinfo=UTC)) is None
        assert holder_at(pieces, PRIMARY, datetime(2026, 2, 2, 18, tzinfo=UTC)) is None

    def test_a_backup_layer_names_the_secondary(self):
        main = weekly(["a", "b"])
        backup = weekly(["boss"], backup=True)
        at = datetime(2026, 2, 3, tzinfo=UTC)
        pieces = compose([main, backup], [], LONDON, at, at + timedelta(hours=1))
        assert holder_at(pieces, PRIMARY, at).user in {"a", "b"}
        assert holder_at(pieces, SECONDARY, at).user == "boss"


class TestOverrides:
    def test_an_override_wins_in_its_window_only(self):
        layer = weekly(["a", "b"])
        cover = OverrideRule("z", datetime(2026, 2, 3, 10, tzinfo=UTC), datetime(2026, 2, 3, 14, tzinfo=UTC))
        start = datetime(2026, 2, 3, tzinfo=UTC)
        pieces = compose([layer], [cover], LONDON, start, start + timedelta(days=1))
        inside = holder_at(pieces, PRIMARY, datetime(2026, 2, 3, 12, tzinfo=UTC))
        assert (inside.user, inside.source) == ("z", SOURCE_OVERRIDE)
        assert holder_at(pieces, PRIMARY, datetime(2026, 2, 3, 14, tzinfo=UTC)).user != "z"
        assert holder_at(pieces, PRIMARY, datetime(2026, 2, 3, 9, 59, tzinfo=UTC)).user != "z"


def _layers():
    return st.builds(
        LayerRule,
        members=st.lists(st.sampled_from("abcdef"), min_size=1, max_size=4).map(tuple),
        shift_days=st.integers(min_value=1, max_value=14),
        handoff_time=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
        starts_on=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 1, 1)),
        weekdays=st.none() | st.frozensets(st.integers(0, 6), min_size=1),
        hours=st.none()
        | st.tuples(st.times(), st.times())
        .map(lambda h: (h[0].replace(second=0, microsecond=0), h[1].replace(second=0, microsecond=0)))
        .filter(lambda h: h[0] != h[1]),
        backup=st.booleans(),
    )


class TestComposeProperties:
    @settings(max_examples=80, deadline=None)
    @given(
        layers=st.lists(_layers(), min_size=1, max_size=3),
        zone_name=st.sampled_from(ZONES),
        start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)),
        hours=st.integers(min_value=1, max_value=24 * 30),
    )
    def test_pieces_are_inside_the_range_and_one_person_holds_a_role_at_a_time(self, layers, zone_name, start, hours):
        start = start.replace(tzinfo=UTC)
        end = start + timedelta(hours=hours)
        pieces = compose(layers, [], ZoneInfo(zone_name), start, end)
        for role in (PRIMARY, SECONDARY):
            mine = sorted((p for p in pieces if p.role == role), key=lambda p: p.start)
            for piece in mine:
                assert start <= piece.start < piece.end <= end
            for before, after in pairwise(mine):
                assert before.end <= after.start

    @settings(max_examples=80, deadline=None)
    @given(
        members=st.lists(st.sampled_from("abcdef"), min_size=1, max_size=5, unique=True),
        shift_days=st.integers(min_value=1, max_value=14),
        handoff=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
        zone_name=st.sampled_from(ZONES),
        start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)),
    )
    def test_an_unrestricted_layer_covers_everything_and_hands_off_at_the_local_time(
        self, members, shift_days, handoff, zone_name, start
    ):
        zone = ZoneInfo(zone_name)
        layer = LayerRule(tuple(members), shift_days, handoff, date(2025, 12, 1))
        start = start.replace(tzinfo=UTC)
        end = start + timedelta(days=3 * shift_days)
        primaries = [p for p in compose([layer], [], zone, start, end) if p.role == PRIMARY]
        assert primaries[0].start == start
        assert primaries[-1].end == end
        for before, after in pairwise(primaries):
            assert before.end == after.start
            local = after.start.astimezone(zone)
            # The wall clock shows the handoff time, or (in a spring-forward gap) an hour after it.
            shown = datetime.combine(local.date(), local.time())
            wanted = datetime.combine(local.date(), handoff)
            assert shown - wanted in (timedelta(0), timedelta(hours=1), timedelta(minutes=30))
            assert (local.date() - layer.starts_on).days % shift_days == 0 or len(members) == 1

    @settings(max_examples=60, deadline=None)
    @given(
        cover_start=st.integers(min_value=0, max_value=200),
        cover_hours=st.integers(min_value=1, max_value=100),
    )
    def test_an_override_holds_every_instant_of_its_window(self, cover_start, cover_hours):
        layer = weekly(["a", "b", "c"])
        base = datetime(2026, 3, 20, tzinfo=UTC)
        cover = OverrideRule(
            "z", base + timedelta(hours=cover_start), base + timedelta(hours=cover_start + cover_hours)
        )
        pieces = compose([layer], [cover], LONDON, base, base + timedelta(days=20))
        probe = cover.start
        while probe < cover.end:
            assert holder_at(pieces, PRIMARY, probe).user == "z"
            probe += timedelta(minutes=37)
        assert holder_at(pieces, PRIMARY, cover.end).user != "z"


class TestComposeAgreesWithEachLayerAlone:
    @settings(max_examples=60, deadline=None)
    @given(
        layers=st.lists(_layers(), min_size=1, max_size=4),
        zone_name=st.sampled_from(ZONES),
        start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)),
        probes=st.lists(st.integers(min_value=0, max_value=14 * 24 * 60 - 1), min_size=1, max_size=10),
    )
    def test_the_primary_at_any_minute_is_the_last_primary_layer_active_then(self, layers, zone_name, start, probes):
        zone = ZoneInfo(zone_name)
        start = start.replace(tzinfo=UTC, second=0, microsecond=0)
        end = start + timedelta(days=14)
        pieces = compose(layers, [], zone, start, end)
        for minutes in probes:
            at = start + timedelta(minutes=minutes)
            expected = None
            for layer in layers:
                if layer.backup:
                    continue
                for s, e, k in layer_pieces(layer, zone, start, end):
                    if s <= at < e:
                        expected = layer.members[k % len(layer.members)]
            holder = holder_at(pieces, PRIMARY, at)
            assert (holder.user if holder else None) == expected
