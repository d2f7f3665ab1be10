"""Load the change process steps and the deployment stages from a procedures document.

Claimed by shape plus loose title words, never by exact title:

- the change process: a section titled with "change" whose numbered steps are
  ``**Step**: description`` pairs naming at least three of the workflow's seven steps;
- the deployment stages: a section titled with "deploy" whose bullets are
  ``**Stage**: description`` pairs (at least three).

Loading updates rows in place (idempotent), except rows edited in admin since the last
import, which are kept and reported as conflicts (:mod:`opsportal.procedures.provenance`); a step name the workflow does not know is
refused with its line number, since the workflow itself lives in code (changes/workflow.py).
"""

from __future__ import annotations

from changes.models import PROCESS_STATUSES, ChangeStatus, DeploymentStage, ProcessStep
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
