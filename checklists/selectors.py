"""Reads and access checks of the checklists app, shared by the HTML pages and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from checklists import rules
from checklists.models import ChecklistRun, ChecklistTemplate, RunItem, RunStatus
from opsportal import clock
from opsportal.roles import Role, has_role

AREA = "checklists"
TICK_DENIED = rules.WRITE_DENIED


def user_may_tick(user: Any, run: ChecklistRun) -> bool:
    """Return True when ``user`` may change the items of ``run`` (see :mod:`checklists.rules`)."""
    return rules.may_write_run(user, run)


def templates_visible(user: Any) -> QuerySet[ChecklistTemplate]:
    """Return every template, with its group, for a user who may see the area."""
    rules.require_view(user)
    return ChecklistTemplate.objects.select_related("owner_group").order_by(
        "frequency", "week_of_month", "time_of_day", "name"
    )


def runs_visible(user: Any) -> QuerySet[ChecklistRun]:
    """Return all runs (with template and group) for a user who may see the area."""
    rules.require_view(user)
    return ChecklistRun.objects.select_related("template__owner_group")


def run_for_user(user: Any, pk: int) -> ChecklistRun:
    """Return the run ``pk`` or raise Http404/PermissionDenied."""
    try:
        return runs_visible(user).get(pk=pk)
    except ChecklistRun.DoesNotExist:
        raise Http404("No such checklist run.") from None


def run_items(run: ChecklistRun) -> list[RunItem]:
    """Return the run's items in order, with the people who ticked and flagged them."""
    return list(
        RunItem.objects.filter(run=run)
        .select_related("done_by", "note_by", "problem_by")
        .prefetch_related("raised")  # one query per kind of raised object, not one per item
        .order_by("position", "pk")
    )


def run_item_for_user(user: Any, pk: int, *, write: bool = False) -> RunItem:
    """Return the run item ``pk`` (with run and template); with ``write``, check the user may tick it."""
    rules.require_view(user)
    try:
        item = RunItem.objects.select_related("run__template__owner_group").get(pk=pk)
    except RunItem.DoesNotExist:
        raise Http404("No such checklist item.") from None
    if write:
        rules.require(rules.may_write_run(user, item.run), item.run)
    return item


def runs_for_today(user: Any, *, now: datetime | None = None) -> list[ChecklistRun]:
    """Return the calendar runs of the user's groups whose window covers today (portal zone).

    Daily runs, the weekly run on its day and the month's week-N run during its week, in the
    order they open. One query: the user's groups are a subquery. Managers and admins oversee
    every group's runs, so theirs is the whole day's list.
    """
    now = now or timezone.now()
    start, end = clock.local_day_bounds(clock.local_date(now))
    runs = ChecklistRun.objects.all()
    if not has_role(user, [Role.MANAGER, Role.ADMIN]):
        runs = runs.filter(template__owner_group__in=user.groups.all())
    return list(
        runs.filter(
            period_date__isnull=False,
            opens_at__lt=end,
            missed_at__gt=start,
        )
        .select_related("template")
        .order_by("opens_at", "name")
    )


def split_open_and_upcoming(
    runs: list[ChecklistRun], *, now: datetime
) -> tuple[list[ChecklistRun], list[ChecklistRun]]:
    """Return (runs open by ``now``, runs that open later), keeping their order.

    A run that has not opened takes no tick yet, so Today lists it as upcoming, not open.
    """
    return [run for run in runs if run.opens_at <= now], [run for run in runs if run.opens_at > now]


@dataclass
class HistoryFilters:
    template: int | None = None
    status: str = ""
    date_from: date | None = None
    date_to: date | None = None


def runs_history(user: Any, filters: HistoryFilters) -> QuerySet[ChecklistRun]:
    """Return past and present calendar runs matching ``filters``, newest first."""
    runs = runs_visible(user).filter(period_date__isnull=False)
    if filters.template:
        runs = runs.filter(template_id=filters.template)
    if filters.status:
        runs = runs.filter(status=filters.status)
    if filters.date_from:
        runs = runs.filter(period_date__gte=filters.date_from)
    if filters.date_to:
        runs = runs.filter(period_date__lte=filters.date_to)
    return runs.order_by("-opens_at", "name")


def completion_rates(runs: QuerySet[ChecklistRun]) -> dict[str, Any]:
    """Return completion and on-time rates over the closed runs in ``runs``, overall and per template.

    A run counts once it is completed, completed late or missed; open runs are left out.
    """
    closed = Q(status__in=[RunStatus.COMPLETED, RunStatus.COMPLETED_LATE, RunStatus.MISSED])
    aggregates = {
        "closed": Count("pk", filter=closed),
        "completed": Count("pk", filter=Q(status__in=[RunStatus.COMPLETED, RunStatus.COMPLETED_LATE])),
        "on_time": Count("pk", filter=Q(status=RunStatus.COMPLETED)),
        "late": Count("pk", filter=Q(status=RunStatus.COMPLETED_LATE)),
        "missed": Count("pk", filter=Q(status=RunStatus.MISSED)),
    }

    def rates(row: dict[str, Any]) -> dict[str, Any]:
        closed_count = row["closed"] or 0
        row["completion_rate"] = round(100 * row["completed"] / closed_count) if closed_count else None
        row["on_time_rate"] = round(100 * row["on_time"] / closed_count) if closed_count else None
        return row

    overall = rates(runs.order_by().aggregate(**aggregates))
    per_template = [
        rates(cast(dict[str, Any], row))  # the row also holds the aggregates, which its inferred type lacks
        for row in runs.order_by()
        .values("template_id", "template__name")
        .annotate(**aggregates)
        .order_by("template__name")
    ]
    return {"overall": overall, "per_template": per_template}


def run_items_version(run: ChecklistRun) -> str:
    """Return a version of the run's items (ticks, notes, problems) in one query.

    A run holds a handful of items, so their changing columns are read and hashed here: the
    same on PostgreSQL and on the embedded SQLite default.
    """
    import hashlib

    rows = list(
        RunItem.objects.filter(run=run)
        .order_by("id")
        .values_list(
            "id", "done_at", "done_by_id", "note", "note_by_id", "problem", "problem_note", "problem_by_id",
            "raised_object_id",
        )
    )  # fmt: skip
    digest = hashlib.md5(repr(rows).encode(), usedforsecurity=False).hexdigest()
    return f"{len(rows)}:{digest}"
