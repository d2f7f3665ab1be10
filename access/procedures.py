"""Procedure loader: the "Security Operations" bullets become scheduled checklists.

A section claims when its title speaks of security and at least two of its bullets name one
of the routines below. Each such bullet becomes one checklist template through the checklists
app's one write path (``checklist_template_upsert``), so re-importing updates in place and
keeps what admins edited. The bullet says *what*; the document gives no cadence, so the
frequency, owner and items are declared here (README, "Security operations routines"):

- security assessments and penetration testing: quarterly, second week, owned by Admin;
- access control reviews and permission audits: quarterly, first week, owned by Manager
  (the week the quarterly access review opens);
- security awareness training: monthly, first week, owned by Manager.

Bullets naming no routine ("Incident response and breach notification procedures": the
incident and breach workflows own that) are reported and skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from django.contrib.auth.models import Group

from checklists.models import Frequency
from checklists.procedures import template_key
from checklists.services import checklist_template_upsert, checklist_templates_retire
from opsportal.procedures.document import Entry, ProcedureError, Section
from opsportal.procedures.registry import LoadResult, register_loader
from opsportal.roles import Role


@dataclass(frozen=True)
class Routine:
    words: tuple[str, ...]  # any of these in the bullet names the routine
    name: str
    frequency: str
    week_of_month: int
    time_of_day: time
    owner: Role
    items: tuple[str, ...]


ROUTINES: tuple[Routine, ...] = (
    Routine(("penetration", "security assessment"), "Security assessment and penetration testing",
            Frequency.QUARTERLY, 2, time(10, 0), Role.ADMIN, (
                "Run the vulnerability scan of every production host and service",
                "Review the penetration test scope and findings (or book this quarter's test)",
                "Raise a change request for each finding to fix, with an owner and a date",
                "Record the assessment's report and its findings' status",
            )),
    Routine(("access control", "permission audit", "access review"), "Access control review and permission audit",
            Frequency.QUARTERLY, 1, time(10, 0), Role.MANAGER, (
                "Open this quarter's access review under Compliance → Access reviews",
                "Decide every line keep or revoke, with a reason (not your own line)",
                "Check dormant accounts (no login for 90 days) were revoked or justified",
                "Download the permission audit CSV and file it with the review",
            )),
    Routine(("awareness training", "security training", "training"), "Security awareness training",
            Frequency.MONTHLY, 1, time(10, 0), Role.MANAGER, (
                "Open the training report and list who is expiring or expired",
                "Book refresher sessions for everyone expiring in the next 30 days",
                "Record each completed training on the training page",
            )),
)  # fmt: skip


def routine_of(entry: Entry) -> Routine | None:
    """Return the routine a bullet names, or None."""
    text = entry.text.lower()
    return next((routine for routine in ROUTINES if any(word in text for word in routine.words)), None)


def is_security_operations(section: Section) -> bool:
    """Claim a security section with at least two bullets that name a routine."""
    named = {routine_of(entry) for entry in section.entries}
    named.discard(None)
    return not section.children and section.has_title("security") and len(named) >= 2


def retire_security_routines(keep: set[str]) -> LoadResult:
    """Deactivate the routines this loader imported before whose bullet is gone."""
    return checklist_templates_retire(keep=keep)


@register_loader("access.security_routines", claims=is_security_operations, order=40, retire=retire_security_routines)
def load_security_routines(section: Section) -> LoadResult:
    """Create or update one scheduled checklist per routine bullet."""
    result = LoadResult()
    seen: dict[str, int] = {}
    for entry in section.entries:
        routine = routine_of(entry)
        if routine is None:
            result.details.append(f"line {entry.line}: names no scheduled security routine; skipped")
            continue
        if routine.name in seen:
            raise ProcedureError(entry.line, f"a second “{routine.name}” (the first is on line {seen[routine.name]}).")
        seen[routine.name] = entry.line
        owner, _ = Group.objects.get_or_create(name=routine.owner.value)
        checklist_template_upsert(
            key=template_key(routine.name, routine.frequency),
            values={
                "name": routine.name,
                "description": f"From “{section.name}”: {entry.text}",
                "frequency": routine.frequency,
                "time_of_day": routine.time_of_day,
                "weekdays": [],
                "week_of_month": routine.week_of_month,
                "day_of_month": None,
            },
            create_values={"owner_group": owner},
            items=[(item, entry.line) for item in routine.items],
            heading=section.title,
            line=entry.line,
            result=result,
        )
    return result
