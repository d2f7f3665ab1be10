"""Procedure loader: the privacy impact assessment (PIA) checklist attached to flagged changes.

A section is claimed when it has list entries and either its title names a privacy impact
assessment ("Privacy Impact Assessment", "PIA"), or its title speaks of privacy and one of its
bullets names an impact assessment (the reference document's "Data Privacy Compliance":
"Privacy impact assessments for new features"). Its bullets become the items of one on-demand
template attached to changes (``attach_to=change``), owned by the On-call engineer group (who
raise changes); a change flagged "new feature" or "processes personal data" gets a run of it
and cannot be approved until its required items are ticked (``changes.services``).

Re-importing updates the template through ``checklists.services.checklist_template_upsert``:
admin edits are kept and reported as conflicts; a heading gone from the document deactivates it.
"""

from __future__ import annotations

from django.contrib.auth.models import Group

from checklists.models import AttachTo, Frequency
from checklists.services import checklist_template_upsert, checklist_templates_retire
from opsportal.procedures.document import ProcedureError, Section
from opsportal.procedures.registry import LoadResult, register_loader
from opsportal.roles import Role

TEMPLATE_KEY = "on-demand-privacy-impact-assessment"
TEMPLATE_NAME = "Privacy impact assessment"


def _names_assessment(section: Section) -> bool:
    return any("impact assessment" in entry.text.lower() for entry in section.entries)


def claims_privacy_assessment(section: Section) -> bool:
    """Return True for a privacy section whose bullets name an impact assessment, or a PIA section."""
    if not section.entries or section.children:
        return False
    if section.has_title("privacy impact", "(pia)") or section.title.strip().lower() == "pia":
        return True
    return section.has_title("privacy") and _names_assessment(section)


def retire_privacy_assessment(keep: set[str]) -> LoadResult:
    """Deactivate the PIA template when its heading left the document."""
    return checklist_templates_retire(keep=keep)


@register_loader(
    "breaches.privacy_assessment", claims=claims_privacy_assessment, order=60, retire=retire_privacy_assessment
)
def load_privacy_assessment(section: Section) -> LoadResult:
    """Create or update the PIA template from the section's bullets."""
    owner, _ = Group.objects.get_or_create(name=Role.ONCALL.value)
    result = LoadResult()
    for entry in section.entries:
        if len(entry.text) > 500:
            raise ProcedureError(entry.line, "a checklist item is longer than 500 characters.")
    checklist_template_upsert(
        key=TEMPLATE_KEY,
        values={
            "name": TEMPLATE_NAME,
            "description": " ".join(section.paragraphs)
            or f"Attached to every change flagged “new feature” or “processes personal data”; from “{section.name}”. "
            "The change cannot be approved until it is complete.",
            "frequency": Frequency.ON_DEMAND,
            "time_of_day": None,
            "weekdays": [],
            "week_of_month": None,
            "day_of_month": None,
            "attach_to": AttachTo.CHANGE,
        },
        create_values={"owner_group": owner},
        items=[(entry.text, entry.line) for entry in section.entries],
        heading=section.title,
        line=section.line,
        result=result,
    )
    return result
