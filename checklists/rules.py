"""Who may do what with checklists: the one module of predicates for the checklists app.

Views, the API, templates (through their context) and, above all, the services call these
functions; nothing else decides. Each predicate answers for one user and one object and
never raises; :func:`require` turns a refusal into ``PermissionDenied`` with a message that
names who may.

- Anyone with a portal role may view the area, its templates and its runs.
- Ticking, unticking, notes and "problem found" flags belong to the members of the group
  that owns the run's template (Ops staff for the calendar checklists, On-call engineer for
  incident response phases), and to managers and admins, who oversee every group.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from checklists.models import ChecklistRun, RunItem
from opsportal.roles import AREA_ROLES, Role, has_role, require_role

AREA = "checklists"
WRITE_DENIED = "Only members of the group that owns this checklist ({group}), managers and admins may change it."


def may_view_area(user: Any) -> bool:
    """Return True when ``user`` may open the Checklists area (pages and API)."""
    return has_role(user, AREA_ROLES[AREA])


def may_view_run(user: Any, run: ChecklistRun) -> bool:
    """Return True when ``user`` may read ``run`` and its items."""
    return may_view_area(user)


def _owner_group_ids(user: Any) -> set[int]:
    cache = getattr(user, "_checklist_group_ids", None)
    if cache is None:
        cache = user._checklist_group_ids = set(user.groups.values_list("pk", flat=True))
    return cache


def may_write_run(user: Any, run: ChecklistRun) -> bool:
    """Return True when ``user`` may change the items of ``run``: owning-group member, manager or admin."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if has_role(user, (Role.MANAGER, Role.ADMIN)):
        return True
    return may_view_area(user) and run.template.owner_group_id in _owner_group_ids(user)


def may_tick(user: Any, item: RunItem) -> bool:
    """Return True when ``user`` may tick ``item`` (or clear its tick)."""
    return may_write_run(user, item.run)


def may_untick(user: Any, item: RunItem) -> bool:
    """Return True when ``user`` may clear the tick of ``item``."""
    return may_write_run(user, item.run)


def may_note(user: Any, item: RunItem) -> bool:
    """Return True when ``user`` may write or clear the note of ``item``."""
    return may_write_run(user, item.run)


def may_flag_problem(user: Any, item: RunItem) -> bool:
    """Return True when ``user`` may mark ``item`` "problem found", or clear that flag."""
    return may_write_run(user, item.run)


def denied_message(run: ChecklistRun) -> str:
    """Return the refusal shown to a user who may not change ``run``."""
    return WRITE_DENIED.format(group=run.template.owner_group.name)


def require_view(user: Any) -> None:
    """Raise ``PermissionDenied`` naming the roles that may, unless ``user`` may view the area."""
    require_role(user, AREA_ROLES[AREA])


def require(allowed: bool, run: ChecklistRun) -> None:
    """Raise ``PermissionDenied`` naming who may change ``run`` unless ``allowed``."""
    if not allowed:
        raise PermissionDenied(denied_message(run))
