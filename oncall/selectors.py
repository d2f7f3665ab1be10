"""Reads of the on-call app: who is on call, the shifts and the handoffs of a schedule.

The interface other apps call (escalation, handover, reports): ``oncall_at``, ``shifts_between``
and ``handoffs_between``. Before ``schedule.logged_until`` the answer is the shift log (the past
is kept as it was); from then on it is computed from the layers and overrides (``rotation``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from oncall import rotation
from oncall.models import Layer, Override, Schedule, ShiftLog
from opsportal import clock

# How far ahead ``oncall_at`` looks for the next change; beyond it ``until`` is the horizon.
NEXT_CHANGE_HORIZON = timedelta(days=400)


@dataclass(frozen=True)
class OnCall:
    """Who is on call at an instant, and until when nothing changes (UTC)."""

    primary: Any | None
    secondary: Any | None
    until: datetime


@dataclass(frozen=True)
class Shift:
    """A person holding a role of a schedule during ``[start, end)`` (UTC)."""

    user: Any
    start: datetime
    end: datetime
    source: str  # "layer" or "override"
    role: str  # "primary" or "secondary"


@dataclass(frozen=True)
class Handoff:
    """The primary changes hands at ``at`` (UTC)."""

    at: datetime
    outgoing: Any | None
    incoming: Any


def schedules() -> QuerySet[Schedule]:
    """Return every schedule with its layers and members."""
    return Schedule.objects.prefetch_related("layers__members__user")


def schedule_get(pk: int) -> Schedule:
    """Return the schedule ``pk`` (raise ``Schedule.DoesNotExist``)."""
    return schedules().get(pk=pk)


def layer_rules(schedule: Schedule) -> list[rotation.LayerRule]:
    """Return the schedule's layers as pure rotation rules, in their order (the last wins)."""
    rules: list[rotation.LayerRule] = []
    for layer in sorted(schedule.layers.all(), key=lambda item: (item.position, item.pk)):
        members = tuple(member.user_id for member in sorted(layer.members.all(), key=lambda m: (m.position, m.pk)))
        hours = (layer.hours_start, layer.hours_end) if layer.hours_start and layer.hours_end else None
        rules.append(
            rotation.LayerRule(
                members=members,
                shift_days=layer.shift_days,
                handoff_time=layer.handoff_time,
                starts_on=layer.starts_on,
                weekdays=frozenset(layer.weekdays) if layer.weekdays is not None else None,
                hours=hours,
                backup=layer.role == Layer.Role.BACKUP,
                key=layer.pk,
            )
        )
    return rules


def override_rules(schedule: Schedule, start: datetime, end: datetime) -> list[rotation.OverrideRule]:
    """Return the overrides meeting ``[start, end)``, the one created last last (it wins)."""
    overrides = Override.objects.filter(schedule=schedule, start__lt=end, end__gt=start).order_by("created_at", "pk")
    return [rotation.OverrideRule(o.user_id, o.start, o.end, o.pk) for o in overrides]


def computed_pieces(schedule: Schedule, start: datetime, end: datetime) -> list[rotation.Piece]:
    """Return the pieces computed from layers and overrides, ignoring the log."""
    zone = ZoneInfo(schedule.time_zone)
    return rotation.compose(layer_rules(schedule), override_rules(schedule, start, end), zone, start, end)


def _pieces(schedule: Schedule, start: datetime, end: datetime) -> list[rotation.Piece]:
    """Return the pieces of ``[start, end)``: logged before ``logged_until``, computed after."""
    start, end = clock.to_utc(start), clock.to_utc(end)
    cutoff = schedule.logged_until
    pieces: list[rotation.Piece] = []
    if cutoff is not None and start < cutoff:
        log_end = min(end, cutoff)
        for row in ShiftLog.objects.filter(schedule=schedule, start__lt=log_end, end__gt=start).order_by("start"):
            pieces.append(
                rotation.Piece(
                    row.user_id,
                    max(row.start, start),
                    min(row.end, log_end),
                    row.role,
                    row.source,
                    row.override_id if row.source == ShiftLog.Source.OVERRIDE else row.layer_id,
                )
            )
        start = log_end
    if start < end:
        pieces += computed_pieces(schedule, start, end)
    return rotation.merge(pieces)


def _users(pieces: list[rotation.Piece]) -> dict[Any, Any]:
    ids = {piece.user for piece in pieces}
    return get_user_model().objects.in_bulk(list(ids))


def shifts_between(schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
    """Return the primary and secondary shifts meeting ``[start, end)``, clipped to it, by start."""
    pieces = _pieces(schedule, start, end)
    users = _users(pieces)
    shifts = [Shift(users[p.user], p.start, p.end, p.source, p.role) for p in pieces]
    return sorted(shifts, key=lambda shift: (shift.start, shift.role != rotation.PRIMARY))


def _holders(
    pieces: list[rotation.Piece], at: datetime, window_end: datetime
) -> tuple[rotation.Piece | None, rotation.Piece | None, datetime] | None:
    """Return the primary and secondary pieces at ``at`` and the next change, if it lies before ``window_end``."""
    primary = rotation.holder_at(pieces, rotation.PRIMARY, at)
    secondary = rotation.holder_at(pieces, rotation.SECONDARY, at)
    changes = [p.end for p in (primary, secondary) if p is not None]
    changes += [p.start for p in pieces if p.start > at]
    until = min(changes, default=window_end)
    return (primary, secondary, until) if until < window_end else None


def oncall_at(schedule: Schedule, at: datetime) -> OnCall:
    """Return the primary and secondary at ``at`` and the instant of the next change of either.

    With nothing changing within ``NEXT_CHANGE_HORIZON`` (one person, no backup), ``until`` is that horizon.
    """
    at = clock.to_utc(at)
    horizon = at + NEXT_CHANGE_HORIZON
    # Look a little way ahead first (two shifts of the longest layer and a day); widen only if needed.
    longest = max((layer.shift_days for layer in schedule.layers.all()), default=1)
    found = None
    for span in (timedelta(days=2 * longest + 2), NEXT_CHANGE_HORIZON):
        window_end = min(at + span, horizon)
        pieces = _pieces(schedule, at, window_end)
        found = _holders(pieces, at, window_end)
        if found is not None:
            break
    if found is None:
        found = (
            rotation.holder_at(pieces, rotation.PRIMARY, at),
            rotation.holder_at(pieces, rotation.SECONDARY, at),
            horizon,
        )
    primary, secondary, until = found
    users = _users([p for p in (primary, secondary) if p is not None])
    return OnCall(
        primary=users.get(primary.user) if primary else None,
        secondary=users.get(secondary.user) if secondary else None,
        until=until.astimezone(UTC),
    )


def handoffs_between(schedule: Schedule, start: datetime, end: datetime) -> list[Handoff]:
    """Return each change of the primary at an instant in ``(start, end]``, in order.

    ``outgoing`` is None where nobody was primary just before (a gap in coverage).
    """
    start, end = clock.to_utc(start), clock.to_utc(end)
    pieces = [p for p in _pieces(schedule, start - timedelta(seconds=1), end + timedelta(seconds=1))]
    primaries = [p for p in pieces if p.role == rotation.PRIMARY]
    users = _users(primaries)
    handoffs: list[Handoff] = []
    previous: rotation.Piece | None = None
    for piece in primaries:
        outgoing = previous.user if previous is not None and previous.end == piece.start else None
        if start < piece.start <= end and outgoing != piece.user:
            handoffs.append(Handoff(piece.start, users.get(outgoing) if outgoing else None, users[piece.user]))
        previous = piece
    return handoffs


def user_shifts(user: Any, start: datetime, end: datetime) -> list[tuple[Schedule, Shift]]:
    """Return the user's shifts in every schedule during ``[start, end)``, by start."""
    mine: list[tuple[Schedule, Shift]] = []
    for schedule in schedules():
        mine += [(schedule, s) for s in shifts_between(schedule, start, end) if s.user.pk == user.pk]
    return sorted(mine, key=lambda item: item[1].start)


@dataclass(frozen=True)
class ScheduleNow:
    """A schedule's on-call now and next, and its primary shifts over the coming days."""

    schedule: Schedule
    now: OnCall
    next: OnCall
    shifts: list[Shift]


def board(at: datetime, *, days: int) -> list[ScheduleNow]:
    """Return every schedule's now, next and shifts during the ``days`` days after ``at``.

    Queries do not grow with the schedules: the schedules with layers and members (3), the
    overrides of the window (1) and the users on call (1). A schedule where nothing changes
    within the window (one person, no backup) costs the few of ``oncall_at``.
    """
    at = clock.to_utc(at)
    end = at + timedelta(days=days)
    every = list(schedules())
    overrides: dict[int, list[rotation.OverrideRule]] = {schedule.pk: [] for schedule in every}
    in_window = Override.objects.filter(start__lt=end, end__gt=at).order_by("created_at", "pk")
    for override in in_window:
        overrides.setdefault(override.schedule_id, []).append(
            rotation.OverrideRule(override.user_id, override.start, override.end, override.pk)
        )
    computed: dict[int, list[rotation.Piece]] = {}
    for schedule in every:
        if schedule.logged_until is not None and schedule.logged_until > at:
            computed[schedule.pk] = _pieces(schedule, at, end)  # a moment already logged
        else:
            zone = ZoneInfo(schedule.time_zone)
            computed[schedule.pk] = rotation.compose(layer_rules(schedule), overrides[schedule.pk], zone, at, end)
    users = _users([piece for pieces in computed.values() for piece in pieces])

    def on_call(found: tuple[rotation.Piece | None, rotation.Piece | None, datetime]) -> OnCall:
        primary, secondary, until = found
        return OnCall(
            primary=users[primary.user] if primary else None,
            secondary=users[secondary.user] if secondary else None,
            until=until,
        )

    rows: list[ScheduleNow] = []
    for schedule in every:
        pieces = computed[schedule.pk]
        found = _holders(pieces, at, end)
        now = on_call(found) if found is not None else oncall_at(schedule, at)
        found_next = _holders(pieces, now.until, end) if now.until < end else None
        upcoming = on_call(found_next) if found_next is not None else oncall_at(schedule, now.until)
        shifts = [Shift(users[p.user], p.start, p.end, p.source, p.role) for p in pieces]
        shifts.sort(key=lambda shift: (shift.start, shift.role != rotation.PRIMARY))
        rows.append(ScheduleNow(schedule, now, upcoming, shifts))
    return rows


def feed_holder(token: str) -> Any | None:
    """Return the user whose on-call feed token is ``token``, or None."""
    from oncall.models import FeedToken

    holder = FeedToken.objects.select_related("user").filter(token=token).first()
    return holder.user if holder is not None else None
