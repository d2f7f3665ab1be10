"""Writes of the on-call app: schedules with their layers, overrides, and the shift log."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from django.db import transaction

from oncall import selectors
from oncall.models import Schedule, ShiftLog
from opsportal import clock
from opsportal.outbox import insert_once


def shift_log_append(*, schedule: Schedule, until: datetime | None = None) -> int:
    """Append the shifts that started up to ``until`` (default now) to the log; return how many.

    1. Lock the schedule, so two sweeps (or a sweep and an edit) do not log the same span twice.
    2. Compute the shifts of ``[logged_until, until)`` from the layers and overrides as they are now.
    3. Insert each once (unique on schedule, role and start); a shift that runs on past ``until``
       is kept with its computed end, which the next sweep extends if nothing changed.
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
