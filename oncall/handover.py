"""Shift handover: the outgoing person's note, the digest sent once per handoff, the acknowledgement.

Writes (``handover_*`` services) and reads (``handover_for_user``, ``handover_list``,
``upcoming_handoffs``) of the handover, kept out of ``oncall/services.py`` and
``oncall/selectors.py`` (the schedules' own) so each concept has one home.

Exactly once per handoff (the outbox idiom of ``incidents.services._escalate``):

1. The beat sweep lists each schedule's handoffs of the last ``LOOKBACK`` (``handoffs_between``).
2. ``insert_once`` writes the ``Handover`` row of (schedule, handoff instant), or finds the one the
   outgoing person opened for their note, or the one another sweep wrote.
3. A conditional UPDATE claims it (``sent_at`` from NULL to now): exactly one sweep sees one row
   updated; on PostgreSQL a concurrent one waits for the row lock, re-reads, and updates nothing.
4. In the same transaction, ``notification_send`` writes the incoming person's notification (its
   own outbox, unique per recipient and key) and mails it after commit.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.dateparse import parse_datetime

from oncall import rules, selectors
from oncall.models import Handover, Schedule
from opsportal import clock
from opsportal.errors import Conflict
from opsportal.handover_digest import handover_digest
from opsportal.notifications import notification_send
from opsportal.outbox import insert_once

# A handoff older than this when the sweep first sees it is not sent any more (beat was down):
# a digest of a shift long begun would mislead. Beat runs the sweep every minute.
LOOKBACK = timedelta(hours=6)
# How far around a handoff to look for the one before (the outgoing shift's start) and after.
NEIGHBOUR_WINDOW = timedelta(days=35)
# Without a neighbouring handoff, the digest covers a day before and after.
DEFAULT_SPAN = timedelta(days=1)
# How far ahead the outgoing person can open the coming handover to write the note.
NOTE_AHEAD = timedelta(days=14)

_DATETIME_FIELDS = frozenset({"response_due_at", "due_at", "window_start", "window_end"})


def _neighbours(schedule: Schedule, at: datetime) -> tuple[datetime, datetime]:
    """Return (start of the outgoing shift, end of the incoming shift) around the handoff ``at``."""
    before = selectors.handoffs_between(
        schedule, clock.before(at, NEIGHBOUR_WINDOW), clock.before(at, timedelta(seconds=1))
    )
    after = selectors.handoffs_between(schedule, at, clock.after(at, NEIGHBOUR_WINDOW))
    shift_start = before[-1].at if before else clock.before(at, DEFAULT_SPAN)
    next_end = after[0].at if after else clock.after(at, DEFAULT_SPAN)
    return shift_start, next_end


def handover_send(*, schedule: Schedule, handoff: selectors.Handoff, now: datetime | None = None) -> bool:
    """Send the digest of ``handoff`` to its incoming person unless already sent; return True when sent now."""
    now = now or clock.now()
    handover, _created = insert_once(
        Handover,
        schedule=schedule,
        handoff_at=handoff.at,
        defaults={"outgoing": handoff.outgoing, "incoming": handoff.incoming},
    )
    if handover.sent_at is not None:
        return False
    shift_start, next_end = _neighbours(schedule, handoff.at)
    digest = handover_digest(shift_start=shift_start, handoff_at=handoff.at, next_end=next_end)
    snapshot = {key: value for key, value in dataclasses.asdict(digest).items() if key != "handoff_at"}
    with transaction.atomic():
        claimed = Handover.objects.filter(pk=handover.pk, sent_at=None).update(
            sent_at=now, digest=snapshot, outgoing=handoff.outgoing, incoming=handoff.incoming
        )
        if claimed != 1:
            return False  # another sweep sent it first
        handover.refresh_from_db(fields=["note"])
        outgoing = handoff.outgoing.get_username() if handoff.outgoing else "nobody"
        note = handover.note.strip() or "No note."
        body = f"Handover note from {outgoing}:\n{note}\n\n{digest.as_text()}"
        notification_send(
            recipients=[handoff.incoming],
            key=f"oncall-handover-{handover.pk}",
            subject=f"Handover: you are on call for {schedule.name}",
            body=body,
            link=handover.get_absolute_url(),
            schedule=schedule,  # and to the schedule's webhook endpoints
        )
    return True


def handovers_send_due(*, now: datetime | None = None) -> int:
    """Send the digest of every handoff of the last ``LOOKBACK`` not sent yet; return how many were sent."""
    now = clock.to_utc(now or clock.now())
    sent = 0
    for schedule in Schedule.objects.prefetch_related("layers__members"):
        for handoff in selectors.handoffs_between(schedule, clock.before(now, LOOKBACK), now):
            sent += handover_send(schedule=schedule, handoff=handoff, now=now)
    return sent


def handover_prepare(*, schedule: Schedule, by: Any, now: datetime | None = None) -> Handover:
    """Return the handover of ``by``'s next handoff of ``schedule`` (created if needed), to write the note in.

    Refuse (PermissionDenied) when ``by`` hands nothing over on this schedule in the next ``NOTE_AHEAD``.
    """
    now = clock.to_utc(now or clock.now())
    coming = [
        handoff
        for handoff in selectors.handoffs_between(schedule, now, clock.after(now, NOTE_AHEAD))
        if handoff.outgoing is not None and handoff.outgoing.pk == by.pk
    ]
    rules.require(bool(coming), "You hand no shift of this schedule over in the next two weeks.")
    handoff = coming[0]
    handover, _created = insert_once(
        Handover,
        schedule=schedule,
        handoff_at=handoff.at,
        defaults={"outgoing": handoff.outgoing, "incoming": handoff.incoming},
    )
    return handover


def may_write_note(user: Any, handover: Handover) -> bool:
    """Return True when ``user`` is the outgoing person and the digest is not sent yet."""
    return handover.sent_at is None and handover.outgoing_id is not None and handover.outgoing_id == user.pk


def may_acknowledge(user: Any, handover: Handover) -> bool:
    """Return True when ``user`` is the incoming person of a sent, unacknowledged handover."""
    return (
        handover.sent_at is not None
        and handover.acknowledged_at is None
        and handover.incoming_id is not None
        and handover.incoming_id == user.pk
    )


def handover_note_save(*, handover: Handover, by: Any, note: str) -> Handover:
    """Save the outgoing person's note; refuse once the digest is sent (it went out with the old note)."""
    rules.require(handover.outgoing_id == by.pk, "Only the outgoing person writes the handover note.")
    note = note.strip()
    if len(note) > Handover.NOTE_MAX_LENGTH:
        raise ValidationError({"note": f"Keep the note under {Handover.NOTE_MAX_LENGTH} characters."})
    saved = Handover.objects.filter(pk=handover.pk, sent_at=None).update(note=note, note_updated_at=clock.now())
    if saved != 1:
        raise Conflict("The handover was already sent; the note can no longer change.")
    handover.refresh_from_db()
    return handover


def handover_acknowledge(*, handover: Handover, by: Any) -> Handover:
    """Record that the incoming person read the handover (once; a second acknowledgement is a conflict)."""
    rules.require(handover.incoming_id == by.pk, "Only the incoming person acknowledges the handover.")
    done = Handover.objects.filter(
        pk=handover.pk, sent_at__isnull=False, acknowledged_at=None, incoming_id=by.pk
    ).update(acknowledged_at=clock.now(), acknowledged_by=by)
    if done != 1:
        raise Conflict("This handover is not waiting for your acknowledgement (not sent yet, or acknowledged).")
    handover.refresh_from_db()
    return handover


# Reads -----------------------------------------------------------------------------------------


def handover_for_user(user: Any, pk: int) -> Handover:
    """Return the handover ``pk`` for a user who may see on-call schedules (else 403; 404 when missing)."""
    if not rules.may_view(user):
        raise PermissionDenied(rules.VIEW_REFUSAL)
    handover = (
        Handover.objects.select_related("schedule", "outgoing", "incoming", "acknowledged_by").filter(pk=pk).first()
    )
    if handover is None:
        raise Http404("No such handover.")
    return handover


def handover_list() -> QuerySet[Handover]:
    """Return handovers, newest handoff first, with their schedule and people."""
    return Handover.objects.select_related("schedule", "outgoing", "incoming")


def upcoming_handoffs(user: Any, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Return the user's coming handoffs (as the outgoing person) of every schedule in ``NOTE_AHEAD``."""
    now = clock.to_utc(now or clock.now())
    rows: list[dict[str, Any]] = []
    for schedule in selectors.schedules():
        for handoff in selectors.handoffs_between(schedule, now, clock.after(now, NOTE_AHEAD)):
            if handoff.outgoing is not None and handoff.outgoing.pk == user.pk:
                rows.append({"schedule": schedule, "at": handoff.at, "incoming": handoff.incoming})
                break
    return sorted(rows, key=lambda row: row["at"])


def digest_for_display(handover: Handover) -> dict[str, list[dict[str, Any]]]:
    """Return the sent digest with its instants as datetimes again (JSON keeps them as text)."""
    sections: dict[str, list[dict[str, Any]]] = {}
    for section, rows in (handover.digest or {}).items():
        sections[section] = [
            {
                key: parse_datetime(value) if key in _DATETIME_FIELDS and isinstance(value, str) else value
                for key, value in row.items()
            }
            for row in rows
        ]
    return sections
