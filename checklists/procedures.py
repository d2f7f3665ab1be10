"""Load the procedures document's scheduled checklists into templates.

A section is claimed by its shape, never by its title: every child is a scheduled heading
(a time of day, weekdays or a week of the month) with list entries. Each child becomes one
template, owned by the Ops staff group:

- a week of the month ("First Week - Strategic Review") → monthly in that week;
- weekdays ("Monday - Planning and Strategy") → weekly on those days;
- only a time ("Morning Startup (8:00 AM)") → daily at that time.

Templates are found again by a stable key (frequency and a slug of the name), so a second
import updates them in place, through ``checklists.services.checklist_template_upsert``:
only what nobody edited in admin since the last import takes the document's values; the
rest is reported as a conflict. Templates whose heading left the document are deactivated.
"""

from __future__ import annotations

from datetime import time

from django.contrib.auth.models import Group
from django.utils.text import slugify

from checklists.models import Frequency
from checklists.services import checklist_template_upsert, checklist_templates_retire
from opsportal.procedures.document import ProcedureError, Section
from opsportal.procedures.registry import LoadResult, register_loader
from opsportal.roles import Role

DEFAULT_TIME = time(9, 0)  # weekly and monthly headings rarely say when


def _is_scheduled(section: Section) -> bool:
    return bool(section.entries) and bool(section.time_of_day or section.weekdays or section.week_of_month)


def claims_scheduled_checklists(section: Section) -> bool:
    """Return True for a section whose children are all scheduled headings with entries."""
    return bool(section.children) and all(_is_scheduled(child) for child in section.children)


def template_key(name: str, frequency: str) -> str:
    """Return the stable import key of a template: "daily-morning-startup"."""
    return slugify(f"{frequency} {name}")[:120]


def _schedule_of(section: Section) -> dict[str, object]:
    if section.week_of_month:
        frequency = Frequency.MONTHLY
    elif section.weekdays:
        frequency = Frequency.WEEKLY
    else:
        frequency = Frequency.DAILY
    return {
        "frequency": frequency,
        "time_of_day": section.time_of_day or DEFAULT_TIME,
        "weekdays": list(section.weekdays) if frequency == Frequency.WEEKLY else [],
        "week_of_month": section.week_of_month if frequency == Frequency.MONTHLY else None,
        "day_of_month": None,
    }


def _load_template(section: Section, parent: Section, owner: Group, result: LoadResult) -> None:
    for entry in section.entries:
        if len(entry.text) > 500:
            raise ProcedureError(entry.line, "a checklist item is longer than 500 characters.")
    values = _schedule_of(section)
    key = template_key(section.name, str(values["frequency"]))
    description = " ".join(section.paragraphs) or f"From “{parent.name}” in the procedures document."
    checklist_template_upsert(
        key=key,
        values={"name": section.name, "description": description, **values},
        create_values={"owner_group": owner},
        items=[(entry.text, entry.line) for entry in section.entries],
        heading=section.title,
        line=section.line,
        result=result,
    )


def retire_scheduled_checklists(keep: set[str]) -> LoadResult:
    """Deactivate the calendar templates this loader imported before whose heading is gone."""
    return checklist_templates_retire(keep=keep)


@register_loader(
    "checklists.calendar", claims=claims_scheduled_checklists, order=10, retire=retire_scheduled_checklists
)
def load_scheduled_checklists(section: Section) -> LoadResult:
    """Create or update one template per scheduled child of ``section``."""
    owner, _ = Group.objects.get_or_create(name=Role.OPS.value)
    result = LoadResult()
    seen: set[str] = set()
    for child in section.children:
        key = template_key(child.name, str(_schedule_of(child)["frequency"]))
        if key in seen:
            raise ProcedureError(child.line, f"“{child.name}” appears twice in “{section.name}”.")
        seen.add(key)
        _load_template(child, section, owner, result)
    return result
