"""Writes of the on-call app: schedules with their layers, overrides, and the shift log."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from oncall import rules, selectors
from oncall.models import FeedToken, Layer, LayerMember, Override, Schedule, ShiftLog
from opsportal import clock
from opsportal.outbox import insert_once

MAX_SHIFT_DAYS = 366
MAX_MEMBERS = 100
MAX_LAYERS = 20
MAX_OVERRIDE = timedelta(days=366)
# "From now" sent a moment late is still now, not the past.
PAST_GRACE = timedelta(minutes=5)
EARLIEST_START = date(2000, 1, 1)
LATEST_START = date(2100, 1, 1)


@dataclass(frozen=True)
class LayerInput:
    """A layer as a caller describes it: members (users) in order, a shift length in days, a handoff time."""

    members: Sequence[Any]
    shift_days: int
    handoff_time: time
    starts_on: date
    weekdays: Sequence[int] | None = None
    hours: tuple[time, time] | None = None
    role: str = Layer.Role.PRIMARY
    name: str = ""


def _zone_problem(name: str) -> str | None:
    if name not in available_timezones():
        return f"{name!r} is not a time zone name (e.g. Europe/London)."
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"{name!r} is not a time zone name (e.g. Europe/London)."
    return None


def _layer_problems(index: int, layer: LayerInput) -> dict[str, list[str]]:
    """Return the problems of one layer, keyed ``layers[i].field`` as the API names them."""
    prefix = f"layers.{index}."
    problems: dict[str, list[str]] = {}
    if not layer.members:
        problems[prefix + "members"] = ["A layer needs at least one member."]
    elif len(layer.members) > MAX_MEMBERS:
        problems[prefix + "members"] = [f"A layer has at most {MAX_MEMBERS} members."]
    else:
        refused = [str(user) for user in layer.members if not rules.may_hold_shift(user)]
        if refused:
            problems[prefix + "members"] = [
                f"These users have no portal role and cannot be on call: {', '.join(refused)}."
            ]
    if not 1 <= layer.shift_days <= MAX_SHIFT_DAYS:
        problems[prefix + "shift_length"] = [f"A shift lasts 1 to {MAX_SHIFT_DAYS} days."]
    if not EARLIEST_START <= layer.starts_on < LATEST_START:
        problems[prefix + "starts_on"] = ["The rotation must start between 2000 and 2099."]
    if layer.weekdays is not None and (
        not layer.weekdays
        or any(not 0 <= day <= 6 for day in layer.weekdays)
        or len(set(layer.weekdays)) != len(layer.weekdays)
    ):
        problems[prefix + "weekdays"] = ["Weekdays are distinct numbers 0 (Monday) to 6 (Sunday), at least one."]
    if layer.hours is not None and layer.hours[0] == layer.hours[1]:
        problems[prefix + "hours"] = ["The hours must start and end at different times (leave them out for all day)."]
    if layer.role not in Layer.Role.values:
        problems[prefix + "role"] = [f"A layer's role is one of {', '.join(Layer.Role.values)}."]
    return problems


def _check_schedule(*, name: str, time_zone: str, layers: Sequence[LayerInput] | None) -> None:
    problems: dict[str, list[str]] = {}
    if not name.strip():
        problems["name"] = ["A schedule needs a name."]
    zone_problem = _zone_problem(time_zone)
    if zone_problem:
        problems["time_zone"] = [zone_problem]
    if layers is not None:
        if not layers:
            problems["layers"] = ["A schedule needs at least one layer."]
        elif len(layers) > MAX_LAYERS:
            problems["layers"] = [f"A schedule has at most {MAX_LAYERS} layers."]
        for index, layer in enumerate(layers):
            problems.update(_layer_problems(index, layer))
    if problems:
        raise ValidationError(problems)


def _write_layers(schedule: Schedule, layers: Sequence[LayerInput]) -> None:
    Layer.objects.filter(schedule=schedule).delete()
    for position, layer in enumerate(layers):
        row = Layer.objects.create(
            schedule=schedule,
            position=position,
            name=layer.name,
            role=layer.role,
            shift_days=layer.shift_days,
            handoff_time=layer.handoff_time,
            starts_on=layer.starts_on,
            weekdays=sorted(layer.weekdays) if layer.weekdays is not None else None,
            hours_start=layer.hours[0] if layer.hours else None,
            hours_end=layer.hours[1] if layer.hours else None,
        )
        LayerMember.objects.bulk_create(
            LayerMember(layer=row, user=user, position=index) for index, user in enumerate(layer.members)
        )


def _name_taken() -> ValidationError:
    return ValidationError({"name": ["A schedule with this name exists already."]})


def schedule_create(*, by: Any, name: str, time_zone: str, layers: Sequence[LayerInput]) -> Schedule:
    """Create a schedule with its layers; managers and admins only."""
    rules.require(rules.may_edit(by), rules.EDIT_REFUSAL)
    _check_schedule(name=name, time_zone=time_zone, layers=layers)
    try:
        with transaction.atomic():
            schedule = Schedule.objects.create(name=name.strip(), time_zone=time_zone, logged_until=clock.now())
            _write_layers(schedule, layers)
    except IntegrityError:
        raise _name_taken() from None
    return schedule


def schedule_update(
    *,
    schedule: Schedule,
    by: Any,
    name: str | None = None,
    time_zone: str | None = None,
    layers: Sequence[LayerInput] | None = None,
) -> Schedule:
    """Change a schedule's name, zone or layers (replaced as a whole); the past stays as logged.

    1. Log the shifts up to now from the layers as they were, so the edit changes only the future.
    2. Write the new values.
    """
    rules.require(rules.may_edit(by), rules.EDIT_REFUSAL)
    new_name = schedule.name if name is None else name
    new_zone = schedule.time_zone if time_zone is None else time_zone
    _check_schedule(name=new_name, time_zone=new_zone, layers=layers)
    try:
        with transaction.atomic():
            shift_log_append(schedule=schedule)
            # Saved (not a queryset update) so the schedule's history records the change.
            schedule.name, schedule.time_zone = new_name.strip(), new_zone
            schedule.save(update_fields=["name", "time_zone"])
            if layers is not None:
                _write_layers(schedule, layers)
    except IntegrityError:
        raise _name_taken() from None
    return selectors.schedule_get(schedule.pk)


def schedule_delete(*, schedule: Schedule, by: Any) -> None:
    """Delete a schedule with its layers, overrides and shift log; managers and admins only."""
    rules.require(rules.may_edit(by), rules.EDIT_REFUSAL)
    schedule.delete()


def override_create(
    *, schedule: Schedule, by: Any, user: Any, start: datetime, end: datetime, reason: str = ""
) -> Override:
    """Let ``user`` cover ``schedule`` during ``[start, end)``; a swap is two overrides.

    Refused: an end not after the start, a window in the past, a window over a year, and a user
    who is neither a member of the schedule nor holds a portal role.
    """
    rules.require(rules.may_edit(by), rules.EDIT_REFUSAL)
    now = clock.now()
    start, end = clock.to_utc(start), clock.to_utc(end)
    problems: dict[str, list[str]] = {}
    is_member = LayerMember.objects.filter(layer__schedule=schedule, user=user).exists()
    if not (is_member or rules.may_hold_shift(user)):
        problems["user"] = [f"{user} is not a member of this schedule and has no portal role."]
    if start < now - PAST_GRACE:
        problems["start"] = ["An override cannot start in the past."]
    if end <= start:
        problems["end"] = ["The end must be after the start."]
    elif end - start > MAX_OVERRIDE:
        problems["end"] = ["An override lasts at most a year."]
    if problems:
        raise ValidationError(problems)
    # The log already holds the moments up to the last sweep: the override covers from then on.
    start = max(start, now)
    if end <= start:
        raise ValidationError({"end": ["The end must be in the future."]})
    return Override.objects.create(schedule=schedule, user=user, start=start, end=end, reason=reason, created_by=by)


def shift_log_append(*, schedule: Schedule, until: datetime | None = None) -> int:
    """Append the shifts that started up to ``until`` (default now) to the log; return how many.

    1. Lock the schedule, so two sweeps (or a sweep and an edit) do not log the same span twice.
    2. Compute the shifts of ``[logged_until, until)`` from the layers and overrides as they are now.
    3. Insert each once (unique on schedule, role and start). A shift still running at ``until``
       is logged up to ``until``; the next sweep extends that row while the same person carries on.
    4. Move ``logged_until`` to ``until``: from then on that span is read from the log.
    """
    until = clock.to_utc(until or clock.now())
    with transaction.atomic():
        locked = Schedule.objects.select_for_update().get(pk=schedule.pk)
        start = locked.logged_until or locked.created_at
        if start >= until:
            return 0
        written = 0
        for piece in selectors.computed_pieces(locked, start, until):
            user_id = cast(int, piece.user)  # selectors build rules from user ids
            previous = ShiftLog.objects.filter(
                schedule=locked, role=piece.role, end=piece.start, user_id=user_id, source=piece.source
            ).first()
            if previous is not None:
                # The same person carries on: extend the logged shift instead of splitting it.
                ShiftLog.objects.filter(pk=previous.pk).update(end=piece.end)
                continue
            is_override = piece.source == ShiftLog.Source.OVERRIDE
            _row, created = insert_once(
                ShiftLog,
                schedule=locked,
                role=piece.role,
                start=piece.start,
                defaults={
                    "user_id": user_id,
                    "end": piece.end,
                    "source": piece.source,
                    "layer_id": None if is_override else piece.key,
                    "override_id": piece.key if is_override else None,
                },
            )
            written += int(created)
        Schedule.objects.filter(pk=locked.pk).update(logged_until=until)
        schedule.logged_until = until
    return written


def shift_log_sweep() -> int:
    """Append the started shifts of every schedule; return how many rows were written."""
    return sum(shift_log_append(schedule=schedule) for schedule in Schedule.objects.all())


def feed_token_reset(*, user: Any) -> FeedToken:
    """Create or replace the user's on-call feed token (an earlier feed URL stops working)."""
    rules.require(rules.may_view(user), rules.VIEW_REFUSAL)
    token, _created = FeedToken.objects.update_or_create(user=user, defaults={"token": secrets.token_urlsafe(32)})
    return token
