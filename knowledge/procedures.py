"""Procedure loader: the "Content Quality Standards" of a procedures document, as the quality checklist.

A section claims when its title speaks of content quality (or documentation or quality
standards) and it has list entries but no sub-headings. Its bullets become the items of one
on-demand checklist template attached to page versions, owned by Ops staff (the reviewers):
every new version of a knowledge page gets a run of it, and the version is published only when
someone other than its author has ticked it. Re-importing updates the template in place
through ``checklists.services.checklist_template_upsert`` (admin edits are kept as conflicts).
"""

from __future__ import annotations

from django.contrib.auth.models import Group

from checklists.models import AttachTo, Frequency
from checklists.services import checklist_template_upsert, checklist_templates_retire
from opsportal.procedures.document import ProcedureError, Section
from opsportal.procedures.registry import LoadResult, register_loader
from opsportal.roles import Role

TEMPLATE_KEY = "knowledge-content-quality"


def claims_content_quality(section: Section) -> bool:
    """Return True for a leaf section of content quality standards with list entries."""
    return not section.children and bool(section.entries) and section.has_title("content quality")


def retire_content_quality(keep: set[str]) -> LoadResult:
    """Deactivate the quality checklist when the document no longer has the section."""
    return checklist_templates_retire(keep=keep)


@register_loader("knowledge.content_quality", claims=claims_content_quality, order=40, retire=retire_content_quality)
def load_content_quality(section: Section) -> LoadResult:
    """Create or update the page-version quality checklist from the section's bullets."""
    for entry in section.entries:
        if len(entry.text) > 500:
            raise ProcedureError(entry.line, "a quality standard is longer than 500 characters.")
    owner, _ = Group.objects.get_or_create(name=Role.OPS.value)
    result = LoadResult()
    checklist_template_upsert(
        key=TEMPLATE_KEY,
        values={
            "name": section.name,
            "description": (
                " ".join(section.paragraphs)
                or "Ticked by a reviewer other than the author before a knowledge page version is published."
            ),
            "frequency": Frequency.ON_DEMAND,
            "time_of_day": None,
            "weekdays": [],
            "week_of_month": None,
            "day_of_month": None,
            "attach_to": AttachTo.PAGE_VERSION,
            "relative_open_minutes": None,
            "relative_due_minutes": None,
            "position": 0,
        },
        create_values={"owner_group": owner},
        items=[(entry.text, entry.line) for entry in section.entries],
        heading=section.title,
        line=section.line,
        result=result,
    )
    return result
