"""Who is on call when: rotations of ordered members, layered, with overrides. Pure: no database.

Two kinds of time meet here and are kept apart (see ``opsportal/clock.py``):

- A handoff is a **wall-clock time** in the schedule's zone ("Monday 09:00 Europe/London").
  Each handoff is computed from a local date and time, turned into an aware datetime with
  ``zoneinfo`` and then into UTC. A shift is never ``local start + timedelta``: across a
  daylight-saving change that would move the handoff by an hour.
- Everything returned is in **UTC**; comparisons and boundaries are UTC instants.

The algorithm (``compose``):

1. Each layer yields its rotation shifts: shift ``k`` starts at local ``starts_on + k * days``
   at ``handoff_time``; member ``k mod n`` holds it, member ``k + 1 mod n`` is next.
2. A layer limited to weekdays and/or hours keeps only the parts of each shift inside its daily
   windows (a window starts on an allowed weekday; an end at or before its start crosses midnight).
3. Primary layers are stacked: on every elementary interval the layer listed last that covers it
   wins. Backup layers are stacked the same way and give the secondary; where no backup layer
   covers, the secondary is the next person in the winning primary layer's rotation.
4. Overrides win over every layer during their window (the one created last wins among overrides).
5. Adjacent pieces with the same person, role and source are merged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

PRIMARY = "primary"
SECONDARY = "secondary"
SOURCE_LAYER = "layer"
SOURCE_OVERRIDE = "override"


@dataclass(frozen=True)
class LayerRule:
    """One layer: members in order, a shift of ``shift_days`` days handed off at ``handoff_time``."""

    members: tuple[Hashable, ...]
    shift_days: int
    handoff_time: time
    starts_on: date
    weekdays: frozenset[int] | None = None  # Monday 0; None: every day
    hours: tuple[time, time] | None = None  # local [start, end); None: the whole day
    backup: bool = False  # a backup layer names the secondary
    key: Hashable = None  # the layer's identity (its id), reported with its pieces


@dataclass(frozen=True)
class OverrideRule:
    """One person covering ``[start, end)`` (UTC)."""

    user: Hashable
    start: datetime
    end: datetime
    key: Hashable = None


@dataclass(frozen=True)
class Piece:
    """Who holds a role during ``[start, end)`` (UTC) and where that came from."""

    user: Hashable
    start: datetime
    end: datetime
    role: str
    source: str
    key: Hashable = None


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Return the UTC instant of wall-clock ``at`` on ``day`` in ``zone``.

    A time skipped by a spring-forward change is read with the offset before it (``fold=0``),
    i.e. an hour later on the new wall clock; a repeated time is its first occurrence.
    """
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def _local_day(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


def _rotation(layer: LayerRule, zone: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, datetime, int]]:
    """Return ``(start, end, k)`` for each rotation shift ``k`` that meets ``[start, end)``."""
    if not layer.members or layer.shift_days < 1:
        return []
    days = layer.shift_days
    first_day = _local_day(start, zone) - timedelta(days=1)
    k = max(0, (first_day - layer.starts_on).days // days - 1)
    shifts: list[tuple[datetime, datetime, int]] = []
    while True:
        shift_start = local_instant(layer.starts_on + timedelta(days=k * days), layer.handoff_time, zone)
        if shift_start >= end:
            return shifts
        shift_end = local_instant(layer.starts_on + timedelta(days=(k + 1) * days), layer.handoff_time, zone)
        if shift_end > start and shift_end > shift_start:
            shifts.append((shift_start, shift_end, k))
        k += 1


def _windows(layer: LayerRule, zone: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Return the UTC windows in which a restricted layer is active, covering ``[start, end)``."""
    windows: list[tuple[datetime, datetime]] = []
    day = _local_day(start, zone) - timedelta(days=1)
    last = _local_day(end, zone) + timedelta(days=1)
    while day <= last:
        if layer.weekdays is None or day.weekday() in layer.weekdays:
            if layer.hours is None:
                window = (local_instant(day, time(0), zone), local_instant(day + timedelta(days=1), time(0), zone))
            else:
                opens, closes = layer.hours
                close_day = day if closes > opens else day + timedelta(days=1)
                window = (local_instant(day, opens, zone), local_instant(close_day, closes, zone))
            if window[1] > start and window[0] < end:
                windows.append(window)
        day += timedelta(days=1)
    return windows


def layer_pieces(
    layer: LayerRule, zone: ZoneInfo, start: datetime, end: datetime
) -> list[tuple[datetime, datetime, int]]:
    """Return the layer's active ``(start, end, k)`` pieces clipped to ``[start, end)``."""
    shifts = _rotation(layer, zone, start, end)
    restricted = layer.weekdays is not None or layer.hours is not None
    windows = _windows(layer, zone, start, end) if restricted else [(start, end)]
    pieces: list[tuple[datetime, datetime, int]] = []
    for shift_start, shift_end, k in shifts:
        for window_start, window_end in windows:
            piece_start = max(shift_start, window_start, start)
            piece_end = min(shift_end, window_end, end)
            if piece_start < piece_end:
                pieces.append((piece_start, piece_end, k))
    return pieces


def merge(pieces: Iterable[Piece]) -> list[Piece]:
    """Return ``pieces`` with adjacent ones of the same person, role and source joined."""
    merged: list[Piece] = []
    for piece in sorted(pieces, key=lambda p: (p.role != PRIMARY, p.start)):
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.role == piece.role
            and last.user == piece.user
            and last.source == piece.source
            and last.key == piece.key
            and last.end == piece.start
        ):
            merged[-1] = Piece(last.user, last.start, piece.end, last.role, last.source, last.key)
        else:
            merged.append(piece)
    return merged


def compose(
    layers: Sequence[LayerRule],
    overrides: Sequence[OverrideRule],
    zone: ZoneInfo,
    start: datetime,
    end: datetime,
) -> list[Piece]:
    """Return who is primary and who is secondary during ``[start, end)``: primaries first, by start."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if start >= end:
        return []
    # 1-2. Each layer's active pieces, tagged with the layer's rank (later in the list wins).
    covered: list[tuple[datetime, datetime, int, int]] = []  # start, end, layer rank, k
    for rank, layer in enumerate(layers):
        covered += [(s, e, rank, k) for s, e, k in layer_pieces(layer, zone, start, end)]
    active_overrides = [
        (max(o.start, start), min(o.end, end), rank, o)
        for rank, o in enumerate(overrides)
        if o.start < end and o.end > start and o.start < o.end
    ]
    points = sorted(
        {start, end}
        | {p for s, e, _r, _k in covered for p in (s, e)}
        | {p for s, e, _r, _o in active_overrides for p in (s, e)}
    )
    # A sweep over the boundaries: at each one, drop the pieces that end there and add those that
    # start there, so each elementary interval looks only at what covers it (a few layers).
    layer_starts: dict[datetime, list[int]] = defaultdict(list)
    layer_ends: dict[datetime, list[int]] = defaultdict(list)
    for index, (s, e, _rank, _k) in enumerate(covered):
        layer_starts[s].append(index)
        layer_ends[e].append(index)
    override_starts: dict[datetime, list[int]] = defaultdict(list)
    override_ends: dict[datetime, list[int]] = defaultdict(list)
    for index, (s, e, _rank, _o) in enumerate(active_overrides):
        override_starts[s].append(index)
        override_ends[e].append(index)
    covering: set[int] = set()
    overriding: set[int] = set()
    pieces: list[Piece] = []
    for left, right in pairwise(points):
        covering.difference_update(layer_ends.get(left, ()))
        covering.update(layer_starts.get(left, ()))
        overriding.difference_update(override_ends.get(left, ()))
        overriding.update(override_starts.get(left, ()))
        # 3. The winning primary layer and the winning backup layer on this interval.
        primary: tuple[int, int] | None = None
        backup: tuple[int, int] | None = None
        for index in covering:
            _s, _e, rank, k = covered[index]
            if layers[rank].backup:
                if backup is None or rank > backup[0]:
                    backup = (rank, k)
            elif primary is None or rank > primary[0]:
                primary = (rank, k)
        secondary_user: Hashable = None
        if backup is not None:
            backup_layer = layers[backup[0]]
            secondary_user = backup_layer.members[backup[1] % len(backup_layer.members)]
        primary_user: Hashable = None
        primary_key: Hashable = None
        if primary is not None:
            layer = layers[primary[0]]
            n = len(layer.members)
            primary_user, primary_key = layer.members[primary[1] % n], layer.key
            if secondary_user is None and n > 1:
                secondary_user = layer.members[(primary[1] + 1) % n]
        # 4. An override replaces the primary; the secondary stays as the layers say, unless it is
        # the covering person, then the person they cover for is second.
        winner = active_overrides[max(overriding)][3] if overriding else None
        if winner is not None:
            pieces.append(Piece(winner.user, left, right, PRIMARY, SOURCE_OVERRIDE, winner.key))
            if secondary_user == winner.user:
                secondary_user = primary_user
        elif primary is not None:
            pieces.append(Piece(primary_user, left, right, PRIMARY, SOURCE_LAYER, primary_key))
        if secondary_user is not None:
            secondary_key = layers[backup[0]].key if backup is not None else primary_key
            pieces.append(Piece(secondary_user, left, right, SECONDARY, SOURCE_LAYER, secondary_key))
    # 5.
    return merge(pieces)


def holder_at(pieces: Sequence[Piece], role: str, at: datetime) -> Piece | None:
    """Return the piece of ``role`` that holds ``at``, if any."""
    for piece in pieces:
        if piece.role == role and piece.start <= at < piece.end:
            return piece
    return None
