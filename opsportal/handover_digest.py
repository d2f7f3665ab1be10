"""The shift-handover digest: what the incoming on-call person must know at a handoff.

Read-only and cross-app (like ``reporting/operational.py``): a fixed number of queries, one
per section, whatever the amount of data (each section is capped at ``SECTION_LIMIT`` rows).

Sections (what a reviewer should check against the issue):

- **Open incidents** (declared, acknowledged or investigating) with their response deadline,
  the breached ones first, then by deadline.
- **Runs missed or overdue in the last shift**: calendar checklist runs marked missed during
  [last shift start, handoff), and runs still open whose due time passed in that shift.
- **Changes in flight or scheduled in the next shift**: changes being implemented or verified,
  and changes not yet finished whose window overlaps [handoff, next shift end).
- **KPIs off target**: business KPIs with a target whose latest value misses it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, OuterRef, Q, Subquery

from opsportal.templatetags.portal_time import when_text

SECTION_LIMIT = 50

# A change in one of these states is being carried out right now.
IN_FLIGHT = ("implementation", "verification")
# A change in one of these states will not be carried out any more.
FINISHED = ("documentation", "closed", "rejected", "cancelled", "failed")


@dataclass(frozen=True)
class HandoverDigest:
    """The content of one handover, as plain rows (ready for a page, an e-mail or JSON)."""

    handoff_at: datetime
    incidents: list[dict[str, Any]] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    kpis: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.incidents or self.runs or self.changes or self.kpis)

    def as_text(self) -> str:
        """Return the digest as plain text, one section after another (the e-mail body)."""
        lines: list[str] = []

        def section(title: str, rows: list[str]) -> None:
            lines.append(f"{title} ({len(rows)})")
            lines.extend(f"- {row}" for row in rows or ["none"])
            lines.append("")

        section(
            "Open incidents",
            [
                f"#{row['id']} {row['severity']} {row['title']} ({row['status']}), "
                f"response due {when_text(row['response_due_at'])}" + (", BREACHED" if row["breached"] else "")
                for row in self.incidents
            ],
        )
        section(
            "Checklist runs missed or overdue in the last shift",
            [f"{row['name']}: {row['state']}" for row in self.runs],
        )
        section(
            "Changes in flight or scheduled in the next shift",
            [f"#{row['id']} {row['title']} ({row['status']})" for row in self.changes],
        )
        section(
            "KPIs off target",
            [
                f"{row['name']}: {_figure(row['value'])} {row['unit']} (target {_figure(row['target'])})".strip()
                for row in self.kpis
            ],
        )
        return "\n".join(lines).rstrip() + "\n"


def _figure(value: Any) -> str:
    """Return a stored decimal as people write it, the same on every database: 99.5, not 99.5000."""
    return format(Decimal(value).normalize(), "f") if value is not None else ""


def _open_incidents(handoff_at: datetime) -> list[dict[str, Any]]:
    from incidents.models import OPEN_STATUSES, Incident

    rows = (
        Incident.objects.filter(status__in=OPEN_STATUSES)
        .order_by("response_due_at", "pk")
        .values("pk", "title", "status", "severity__code", "response_due_at", "acknowledged_at", "assignee__username")[
            :SECTION_LIMIT
        ]
    )
    incidents = [
        {
            "id": row["pk"],
            "title": row["title"],
            "status": row["status"],
            "severity": row["severity__code"],
            "response_due_at": row["response_due_at"],
            "assignee": row["assignee__username"] or "",
            # Unacknowledged past its deadline at the handoff: the incoming person's first job.
            "breached": row["acknowledged_at"] is None and row["response_due_at"] <= handoff_at,
        }
        for row in rows
    ]
    return sorted(incidents, key=lambda row: not row["breached"])  # stable: deadlines stay in order


def _missed_or_overdue_runs(shift_start: datetime, handoff_at: datetime) -> list[dict[str, Any]]:
    from checklists.models import ACTIVE_STATUSES, ChecklistRun, RunStatus

    missed = Q(status=RunStatus.MISSED, missed_at__gte=shift_start, missed_at__lt=handoff_at)
    overdue = Q(status__in=ACTIVE_STATUSES, due_at__gte=shift_start, due_at__lt=handoff_at)
    rows = (
        ChecklistRun.objects.filter(missed | overdue, period_date__isnull=False)
        .order_by("due_at", "pk")
        .values("pk", "name", "status", "due_at", "missed_at")[:SECTION_LIMIT]
    )
    return [
        {
            "id": row["pk"],
            "name": row["name"],
            "due_at": row["due_at"],
            "state": "missed" if row["status"] == RunStatus.MISSED else "overdue",
        }
        for row in rows
    ]


def _changes(handoff_at: datetime, next_end: datetime) -> list[dict[str, Any]]:
    from changes.models import ChangeRequest

    scheduled = Q(window_start__lt=next_end, window_end__gt=handoff_at) & ~Q(status__in=FINISHED)
    rows = (
        ChangeRequest.objects.filter(Q(status__in=IN_FLIGHT) | scheduled)
        .order_by("window_start", "pk")
        .values("pk", "title", "status", "change_type", "window_start", "window_end")[:SECTION_LIMIT]
    )
    return [
        {
            "id": row["pk"],
            "title": row["title"],
            "status": row["status"],
            "change_type": row["change_type"],
            "window_start": row["window_start"],
            "window_end": row["window_end"],
            "in_flight": row["status"] in IN_FLIGHT,
        }
        for row in rows
    ]


def _kpis_off_target(handoff_at: datetime) -> list[dict[str, Any]]:
    from opsportal.clock import local_date
    from reporting.models import KpiDefinition, KpiMeasurement

    latest = KpiMeasurement.objects.filter(kpi=OuterRef("pk"), date__lte=local_date(handoff_at)).order_by("-date")
    rows = (
        KpiDefinition.objects.filter(target__isnull=False)
        .annotate(latest_value=Subquery(latest.values("value")[:1], output_field=DecimalField()))
        .filter(latest_value__isnull=False)
        .order_by("name")
        .values("slug", "name", "unit", "target", "direction", "latest_value")
    )
    off: list[dict[str, Any]] = []
    for row in rows:
        value: Decimal = row["latest_value"]
        target = row["target"]
        if target is None:  # excluded by the query; says so to the type checker
            continue
        on_target = value >= target if row["direction"] == "higher" else value <= target
        if not on_target:
            off.append(
                {"slug": row["slug"], "name": row["name"], "unit": row["unit"], "value": value, "target": target}
            )
    return off[:SECTION_LIMIT]


def handover_digest(*, shift_start: datetime, handoff_at: datetime, next_end: datetime) -> HandoverDigest:
    """Return the digest for a handoff at ``handoff_at``; four queries, one per section.

    ``shift_start`` is when the outgoing shift began, ``next_end`` when the incoming one ends.
    """
    return HandoverDigest(
        handoff_at=handoff_at,
        incidents=_open_incidents(handoff_at),
        runs=_missed_or_overdue_runs(shift_start, handoff_at),
        changes=_changes(handoff_at, next_end),
        kpis=_kpis_off_target(handoff_at),
    )
