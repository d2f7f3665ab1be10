"""Procedure loader: the meeting schedules of a procedures document's communication protocols.

A section claims when its title speaks of communication, meetings or protocols and at least two
of its bullets name a meeting cadence (``Daily standup meetings for …``, ``Weekly team
meetings …``, ``Monthly all-hands …``, ``Quarterly business reviews …``). Each such bullet
becomes one meeting schedule of that kind; the bullet's words become its name and purpose.

Re-loading updates names and purposes in place, except where an admin edited them since the
last import (kept, reported as conflicts; see :mod:`opsportal.procedures.provenance`); what
admins tune (time of day, weekday, duration) is set only on creation.
"""

from __future__ import annotations

import re

from coordination.models import DEFAULT_DURATIONS, DEFAULT_TIMES, MeetingKind, MeetingSchedule
from coordination.services import meeting_schedule_reactivate, meeting_schedules_retire
from opsportal.procedures.document import Entry, ProcedureError, Section
from opsportal.procedures.provenance import imported_row_apply
from opsportal.procedures.registry import LoadResult, register_loader

# The words that name each cadence, tried in this order (the first that matches wins).
KIND_WORDS: tuple[tuple[MeetingKind, tuple[str, ...]], ...] = (
    (MeetingKind.STANDUP, ("daily", "standup", "stand-up")),
    (MeetingKind.WEEKLY, ("weekly",)),
    (MeetingKind.MONTHLY, ("monthly", "all-hands", "all hands")),
    (MeetingKind.QUARTERLY, ("quarterly", "business review")),
)
DEFAULT_NAMES = {kind: kind.label for kind in MeetingKind}
_PURPOSE = re.compile(r"\b(?:for|to)\b\s+(.*)$", re.IGNORECASE)
_MEETING_WORDS = ("meeting", "standup", "stand-up", "review", "all-hands", "all hands", "session", "sync")


def kind_of(entry: Entry) -> MeetingKind | None:
    """Return the cadence a bullet names, or None when it names no meeting."""
    text = entry.text.lower()
    if not any(word in text for word in _MEETING_WORDS):
        return None
    for kind, words in KIND_WORDS:
        if any(re.search(rf"\b{re.escape(word)}\b", text) for word in words):
            return kind
    return None


def _is_meetings_section(section: Section) -> bool:
    named = {kind_of(entry) for entry in section.entries if entry.kind in ("bullet", "step", "checkbox")}
    named.discard(None)
    return section.has_title("communication", "meeting", "protocol", "cadence") and len(named) >= 2


def _purpose(text: str) -> str:
    match = _PURPOSE.search(text)
    purpose = (match.group(1) if match else text).strip().rstrip(".")
    return (purpose[:1].upper() + purpose[1:])[:300]


def retire_meeting_schedules(keep: set[str]) -> LoadResult:
    """Deactivate the schedules of cadences the document no longer lists."""
    return meeting_schedules_retire(keep=keep)


@register_loader("coordination.meetings", claims=_is_meetings_section, order=70, retire=retire_meeting_schedules)
def load_meeting_schedules(section: Section) -> LoadResult:
    """Create or update one meeting schedule per bullet that names a cadence."""
    result = LoadResult()
    seen: dict[MeetingKind, int] = {}
    for entry in section.entries:
        kind = kind_of(entry)
        if kind is None:
            result.details.append(f"line {entry.line}: names no meeting cadence; skipped")
            continue
        if kind in seen:
            raise ProcedureError(entry.line, f"a second {kind.label.lower()} (the first is on line {seen[kind]}).")
        seen[kind] = entry.line
        source_key = f"coordination.meeting:{kind}"
        meeting_schedule_reactivate(source_key=source_key)
        imported_row_apply(
            model=MeetingSchedule,
            source_key=source_key,
            values={"name": DEFAULT_NAMES[kind], "purpose": _purpose(entry.text), "kind": kind},
            natural={"key": kind.value},
            create_values={
                "key": kind.value,
                "time_of_day": DEFAULT_TIMES[kind],
                "weekday": 0,
                "duration_minutes": DEFAULT_DURATIONS[kind],
            },
            label=f"meeting schedule {DEFAULT_NAMES[kind]}",
            heading=section.title,
            line=entry.line,
            result=result,
        )
    return result
