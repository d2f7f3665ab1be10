"""Load the change process steps and the deployment stages from a procedures document.

Claimed by shape plus loose title words, never by exact title:

- the change process: a section titled with "change" whose numbered steps are
  ``**Step**: description`` pairs naming at least three of the workflow's seven steps;
- the deployment stages: a section titled with "deploy" whose bullets are
  ``**Stage**: description`` pairs (at least three);
- the standard-change catalogue, when a document names one: a section titled with "standard
  change" whose sub-sections are the pre-approved templates, each with ``**Implementation
  plan**`` and ``**Rollback plan**`` (and optionally ``**Description**``, ``**Services**``,
  ``**Likelihood**``, ``**Impact**``: low, medium or high). The reference document names
  none, so its import creates none; ``seed_demo`` adds a demo catalogue.

Loading updates rows in place (idempotent), except rows edited in admin since the last
import, which are kept and reported as conflicts (:mod:`opsportal.procedures.provenance`); a step name the workflow does not know is
refused with its line number, since the workflow itself lives in code (changes/workflow.py).
"""

from __future__ import annotations

from changes.models import PROCESS_STATUSES, ChangeStatus, DeploymentStage, Level, ProcessStep, StandardChangeTemplate
from opsportal.procedures.document import ProcedureError, Section
from opsportal.procedures.provenance import imported_row_apply
from opsportal.procedures.registry import LoadResult, register_loader

STEP_NAMES = {ChangeStatus(status).label.lower(): status for status in PROCESS_STATUSES}


def _keyed(section: Section, kind: str) -> list:
    return [entry for entry in section.entries_of(kind) if entry.key]


def is_change_process(section: Section) -> bool:
    """Return True for a section of numbered **Step**: description entries about changes."""
    steps = _keyed(section, "step")
    known = [entry for entry in steps if entry.key.lower() in STEP_NAMES]
    return section.has_title("change") and len(steps) >= 3 and len(known) >= 3


def is_deployment_stages(section: Section) -> bool:
    """Return True for a section of **Stage**: description bullets about deployment."""
    return section.has_title("deploy") and len(_keyed(section, "bullet")) >= 3 and not section.entries_of("step")


@register_loader("changes.process", claims=is_change_process, order=30)
def load_change_process(section: Section) -> LoadResult:
    """Store each step's description per workflow status."""
    result = LoadResult()
    for order, entry in enumerate(_keyed(section, "step"), start=1):
        status = STEP_NAMES.get(entry.key.lower())
        if status is None:
            raise ProcedureError(
                entry.line,
                f"{entry.key!r} is not a step of the change process (steps: {', '.join(name.title() for name in STEP_NAMES)}).",
            )
        imported_row_apply(
            model=ProcessStep,
            source_key=f"changes.process_step:{status}",
            values={"order": order, "name": entry.key, "description": entry.value},
            natural={"status": status},
            label=f"change step {entry.key}",
            heading=section.title,
            line=entry.line,
            result=result,
        )
    return result


@register_loader("changes.deployment_stages", claims=is_deployment_stages, order=30)
def load_deployment_stages(section: Section) -> LoadResult:
    """Store the deployment stages in document order."""
    result = LoadResult()
    seen: set[str] = set()
    for order, entry in enumerate(_keyed(section, "bullet"), start=1):
        if entry.key.lower() in seen:
            raise ProcedureError(entry.line, f"the deployment stage {entry.key!r} is listed twice.")
        seen.add(entry.key.lower())
        imported_row_apply(
            model=DeploymentStage,
            source_key=f"changes.deployment_stage:{entry.key.lower()}",
            values={"order": order, "name": entry.key, "description": entry.value},
            natural={"name__iexact": entry.key},
            label=f"deployment stage {entry.key}",
            heading=section.title,
            line=entry.line,
            result=result,
        )
    return result


TEMPLATE_FIELDS = {
    "description": "description",
    "services": "affected_services",
    "implementation plan": "implementation_plan",
    "rollback plan": "rollback_plan",
    "likelihood": "likelihood",
    "impact": "impact",
}


def _template_fields(section: Section) -> dict[str, str]:
    return {key.lower(): value for key, value in section.fields.items()}


def is_standard_change_catalogue(section: Section) -> bool:
    """Return True for a "standard change" section whose sub-sections each give both plans."""
    templates = section.children
    return (
        section.has_title("standard change")
        and bool(templates)
        and all({"implementation plan", "rollback plan"} <= set(_template_fields(child)) for child in templates)
    )


@register_loader("changes.standard_templates", claims=is_standard_change_catalogue, order=5)
def load_standard_templates(section: Section) -> LoadResult:
    """Store each pre-approved standard-change template by name; refuse a high-risk, high-impact one."""
    from django.core.exceptions import ValidationError

    result = LoadResult()
    for child in section.children:
        given = _template_fields(child)
        wanted = {field: given.get(key, "").strip() for key, field in TEMPLATE_FIELDS.items() if key in given}
        for name in ("likelihood", "impact"):
            wanted[name] = wanted.get(name, Level.LOW).lower() or Level.LOW
        template = StandardChangeTemplate.objects.filter(name__iexact=child.name).first() or StandardChangeTemplate(
            name=child.name
        )
        before = {name: getattr(template, name) for name in (*wanted, "risk")}
        for name, value in wanted.items():
            setattr(template, name, value)
        try:
            template.full_clean(validate_unique=False)
        except ValidationError as error:
            message = "; ".join(f"{field}: {' '.join(texts)}" for field, texts in error.message_dict.items())
            raise ProcedureError(
                child.line, f"the standard change {child.name!r} cannot be imported: {message}"
            ) from error
        if template.pk is None:
            template.save()
            result.created += 1
        elif any(getattr(template, name) != value for name, value in before.items()):
            template.save()
            result.updated += 1
        else:
            result.unchanged += 1
    return result
