"""Load the procedures document's scheduled checklists into templates.

A section is claimed by its shape, never by its title: every child is a scheduled heading
(a time of day, weekdays or a week of the month) with list entries. Each child becomes one
template, owned by the Ops staff group:

- a week of the month ("First Week - Strategic Review") → monthly in that week;
- weekdays ("Monday - Planning and Strategy") → weekly on those days;
- only a time ("Morning Startup (8:00 AM)") → daily at that time.

Templates are found again by a stable key (frequency and a slug of the name), so a second
import updates them in place; their items are rewritten only when they changed.
"""

from __future__ import annotations

from datetime import time

from django.contrib.auth.models import Group
from django.utils.text import slugify

from checklists.models import ChecklistItem, ChecklistTemplate, Frequency
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
    texts = [entry.text for entry in section.entries]
    for entry in section.entries:
        if len(entry.text) > 500:
            raise ProcedureError(entry.line, "a checklist item is longer than 500 characters.")
    values = _schedule_of(section)
    key = template_key(section.name, str(values["frequency"]))
    description = " ".join(section.paragraphs) or f"From “{parent.name}” in the procedures document."
    template = ChecklistTemplate.objects.filter(key=key).first()
    if template is None:
        template = ChecklistTemplate.objects.create(
            key=key, name=section.name, description=description, owner_group=owner, **values
        )
        ChecklistItem.objects.bulk_create(
            ChecklistItem(template=template, position=index, text=text) for index, text in enumerate(texts, start=1)
        )
        result.created += 1
        result.details.append(f"created {template.name}")
        return
    changed = False
    wanted = {"name": section.name, "description": description, **values}
    for field, value in wanted.items():
        if getattr(template, field) != value:
            setattr(template, field, value)
            changed = True
    if changed:
        template.save()  # a full save, so the edit history records it
    current = list(template.items.order_by("position", "pk"))
    if [item.text for item in current] != texts:
        for index, text in enumerate(texts, start=1):
            if index <= len(current):
                item = current[index - 1]
                if item.text != text or item.position != index:
                    item.text, item.position = text, index
                    item.save(update_fields=["text", "position"])
            else:
                ChecklistItem.objects.create(template=template, position=index, text=text)
        for item in current[len(texts) :]:
            item.delete()
        changed = True
    if changed:
        result.updated += 1
        result.details.append(f"updated {template.name}")
    else:
        result.unchanged += 1


@register_loader("checklists.calendar", claims=claims_scheduled_checklists, order=10)
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
