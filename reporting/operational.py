"""Operational KPIs computed from the checklists, incidents and changes apps — NOT WIRED YET.

Written against the models on ``main`` at c32bd25 (checklists, incidents and changes merged),
while this branch still holds empty skeletons of those apps: so nothing imports this module
and nothing is registered. To wire it, call :func:`register_operational_kpis` from
``ReportingConfig.ready()`` after merging; the report builder then includes every KPI below.
``tests/reporting/test_operational.py`` checks them on a small hand-counted month (skipped
on this branch; it passed on a scratch merge of this branch with main).

Each function takes the aware datetimes [period_start, period_end) and returns
``{"value": number or None, "breakdown": [row, ...]}``. Each runs one query; durations are
read as the period's rows (bounded by the period, not by the history) so that a median can
be taken, and mean and median are computed from the same rows.

Definitions (what a reviewer should check against the issue):

- A checklist run belongs to the period in which it opened (``opens_at``). It is *judged*
  once completed (on time or late) or missed; runs still open are left out of the rates.
  Completion rate = completed / judged; on-time rate = completed on time / judged.
- An incident belongs to the period in which it was detected (``detected_at``); time to
  acknowledge and time to resolve run from ``detected_at`` (the SLA clock starts there too).
- SLA response compliance: acknowledged at or before ``response_due_at``; an incident still
  unacknowledged after its deadline (before the period's end) is a breach; one whose deadline
  is still ahead is left out.
- A post-incident review belongs to the period its ``due_at`` falls in; on time when
  completed by then; late when completed after it, or still open after it.
- A change is counted by type in the period it was created. Success and failure rates are
  over changes that ended in the period (``completed_at``) as closed or failed: a failure is
  a failed change, an "unsuccessful" close code, or any deployment stage rolled back.
- Change lead time: created (Initiation) to the first passed "Production" stage result, for
  changes that reached Production in the period.

Not covered yet: business-time variants of MTTA and MTTR (``incidents.business_hours`` has
``business_time_between``; it needs the severity's calendar per incident), and "linked as
the cause of an incident" in the change failure rate (no such link on main yet).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db.models import Count, Min, Q

from reporting.kpis import register_operational_kpi


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 2) if whole else None


def _mean_median(rows: list[float]) -> tuple[float | None, float | None]:
    """Return (mean, median) of a list of durations, or (None, None) when it is empty."""
    if not rows:
        return None, None
    return round(statistics.fmean(rows), 2), round(statistics.median(rows), 2)


# Checklists ------------------------------------------------------------------------------------


def _run_counts(period_start: datetime, period_end: datetime) -> list[dict[str, Any]]:
    from checklists.models import DONE_STATUSES, ChecklistRun, RunStatus

    return list(
        ChecklistRun.objects.filter(opens_at__gte=period_start, opens_at__lt=period_end)
        .values("template__name", "template__owner_group__name")
        .annotate(
            runs=Count("id"),
            completed=Count("id", filter=Q(status__in=DONE_STATUSES)),
            on_time=Count("id", filter=Q(status=RunStatus.COMPLETED)),
            missed=Count("id", filter=Q(status=RunStatus.MISSED)),
        )
        .order_by("template__name")
    )


def _run_breakdown(rows: list[dict[str, Any]], measure: str) -> list[dict[str, Any]]:
    breakdown = []
    for row in rows:
        judged = row["completed"] + row["missed"]
        breakdown.append(
            {
                "template": row["template__name"],
                "group": row["template__owner_group__name"],
                "runs": row["runs"],
                "completed": row["completed"],
                "on_time": row["on_time"],
                "missed": row["missed"],
                "percent": _percent(row[measure], judged),
            }
        )
    return breakdown


def checklist_completion_rate(period_start: datetime, period_end: datetime) -> dict[str, Any]:
    """Return the share of judged checklist runs that were completed, by template and group."""
    rows = _run_counts(period_start, period_end)
    completed = sum(row["completed"] for row in rows)
    judged = completed + sum(row["missed"] for row in rows)
    return {"value": _percent(completed, judged), "breakdown": _run_breakdown(rows, "completed")}


def checklist_on_time_rate(period_start: datetime, period_end: datetime) -> dict[str, Any]:
    """Return the share of judged checklist runs completed on time, by template and group."""
    rows = _run_counts(period_start, period_end)
    on_time = sum(row["on_time"] for row in rows)
    judged = sum(row["completed"] + row["missed"] for row in rows)
    return {"value": _percent(on_time, judged), "breakdown": _run_breakdown(rows, "on_time")}


def checklist_missed_runs(period_start: datetime, period_end: datetime) -> dict[str, Any]:
    """Return the number of missed checklist runs, by template and group."""
    rows = _run_counts(period_start, period_end)
    breakdown = [
        {"template": row["template__name"], "group": row["template__owner_group__name"], "missed": row["missed"]}
        for row in rows
        if row["missed"]
    ]
    return {"value": sum(row["missed"] for row in rows), "breakdown": breakdown}


# Incidents -------------------------------------------------------------------------------------


def _incident_rows(period_start: datetime, period_end: datetime) -> list[tuple[Any, ...]]:
    from incidents.models import Incident

    return list(
        Incident.objects.filter(detected_at__gte=period_start, detected_at__lt=period_end)
        .order_by("severity__position", "severity__code", "detected_at")
        .values_list("severity__code", "detected_at", "acknowledged_at", "resolved_at", "response_due_at")
    )


def incidents_by_severity(period_start: datetime, period_end: datetime) -> dict[str, Any]:
    """Return the number of incidents detected in the period, by severity."""
    from incidents.models import Incident

    rows = list(
        Incident.objects.filter(detected_at__gte=period_start, detected_at__lt=period_end)
        .values("severity__code")
        .annotate(incidents=Count("id"))
        .order_by("severity__code")
    )
    breakdown = [{"severity": row["severity__code"], "incidents": row["incidents"]} for row in rows]
    return {"value": sum(row["incidents"] for row in breakdown), "breakdown": breakdown}


def _duration_kpi(period_start: datetime, period_end: datetime, index: int, label: str) -> dict[str, Any]:
    by_severity: dict[str, list[float]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for row in _incident_rows(period_start, period_end):
        counts[row[0]] += 1
        if row[index] is not None:
            by_severity[row[0]].append((row[index] - row[1]).total_seconds() / 60)
    breakdown = []
    for severity, incidents in counts.items():
        mean, median = _mean_median(by_severity[severity])
        breakdown.append(
            {
                "severity": severity,
                "incidents": incidents,
                label: len(by_severity[severity]),
                "mean_minutes": mean,
                "median_minutes": median,
            }
        )
    mean, median = _mean_median([minutes for values in by_severity.values() for minutes in values])
    breakdown.append(
        {
            "severity": "all",
            "incidents": sum(counts.values()),
            label: sum(len(v) for v in by_severity.values()),
            "mean_minutes": mean,
            "median_minutes": median,
        }
    )
    return {"value": mean, "breakdown": breakdown}


def time_to_acknowledge(period_start: datetime, period_end: datetime) -> dict[str, Any]:
    """Return the mean minutes from detection to acknowledgement (mean and median per severity)."""
    return _duration_kpi(period_start, period_end, 2, "acknowledged")


def time_to_resolve(period_start: datetime, period_end: datetime) -> dict[str, Any]:
    """Return the mean minutes from detection to resolution (mean and median per severity)."""
    return _duration_kpi(period_start, period_end, 3, "resolved")


def sla_response_compliance(period_start: datetime, period_end: datetime) -> dict[str, Any]:
    """Return the share of incidents acknowledged within their response deadline, by severity."""
    met: dict[str, int] = defaultdict(int)
    judged: dict[str, int] = defaultdict(int)
    for severity, _detected, acknowledged, _resolved, due in _incident_rows(period_start, period_end):
        if acknowledged is not None:
            judged[severity] += 1
            met[severity] += acknowledged <= due
        elif due < period_end:
            judged[severity] += 1  # still unacknowledged after its deadline: a breach
    breakdown = [
        {"severity": severity, "judged": count, "met": met[severity], "percent": _percent(met[severity], count)}
        for severity, count in judged.items()
    ]
    return {"value": _percent(sum(met.values()), sum(judged.values())), "breakdown": breakdown}


def reviews_on_time(period_start: datetime, period_end: datetime) -> dict[str, Any]:
    """Return the share of post-incident reviews due in the period that were done by their deadline."""
    from django.db.models import F

    from incidents.models import PostIncidentReview

    rows = list(
        PostIncidentReview.objects.filter(due_at__gte=period_start, due_at__lt=period_end)
        .values("incident__severity__code")
        .annotate(
            due=Count("id"),
            on_time=Count("id", filter=Q(completed_at__lte=F("due_at"))),
            open=Count("id", filter=Q(completed_at__isnull=True)),
        )
        .order_by("incident__severity__code")
    )
    breakdown = [
        {
            "severity": row["incident__severity__code"],
            "reviews_due": row["due"],
            "on_time": row["on_time"],
            "still_open": row["open"],
            "percent": _percent(row["on_time"], row["due"]),
        }
        for row in rows
    ]
    return {"value": _percent(sum(r["on_time"] for r in rows), sum(r["due"] for r in rows)), "breakdown": breakdown}


# Changes ---------------------------------------------------------------------------------------


def _changes_created(period_start: datetime, period_end: datetime) -> list[dict[str, Any]]:
    from changes.models import ChangeRequest

    return list(
        ChangeRequest.objects.filter(created_at__gte=period_start, created_at__lt=period_end)
        .values("change_type")
        .annotate(changes=Count("id"))
        .order_by("change_type")
    )


def changes_by_type(period_start: datetime, period_end: datetime) -> dict[str, Any]:
    """Return the number of change requests raised in the period, by type."""
    rows = _changes_created(period_start, period_end)
    breakdown = [{"type": row["change_type"], "changes": row["changes"]} for row in rows]
    return {"value": sum(row["changes"] for row in rows), "breakdown": breakdown}


def emergency_change_share(period_start: datetime, period_end: datetime) -> dict[str, Any]:
    """Return the share of the period's change requests that were emergency changes."""
    rows = _changes_created(period_start, period_end)
    total = sum(row["changes"] for row in rows)
    emergency = sum(row["changes"] for row in rows if row["change_type"] == "emergency")
    breakdown = [
        {"type": row["change_type"], "changes": row["changes"], "percent": _percent(row["changes"], total)}
        for row in rows
    ]
    return {"value": _percent(emergency, total), "breakdown": breakdown}


def _change_outcomes(period_start: datetime, period_end: datetime) -> list[dict[str, Any]]:
    from changes.models import ChangeRequest, ChangeStatus, CloseCode, StageOutcome

    failed = (
        Q(status=ChangeStatus.FAILED)
        | Q(close_code=CloseCode.UNSUCCESSFUL)
        | Q(stage_results__outcome=StageOutcome.ROLLED_BACK)
    )
    return list(
        ChangeRequest.objects.filter(
            completed_at__gte=period_start,
            completed_at__lt=period_end,
            status__in=[ChangeStatus.CLOSED, ChangeStatus.FAILED],
        )
        .values("change_type")
        .annotate(ended=Count("id", distinct=True), failed=Count("id", filter=failed, distinct=True))
        .order_by("change_type")
    )


def _outcome_breakdown(rows: list[dict[str, Any]], measure: str) -> list[dict[str, Any]]:
    breakdown = []
    for row in rows:
        succeeded = row["ended"] - row["failed"]
        part = succeeded if measure == "succeeded" else row["failed"]
        breakdown.append(
            {
                "type": row["change_type"],
                "ended": row["ended"],
                "succeeded": succeeded,
                "failed": row["failed"],
                "percent": _percent(part, row["ended"]),
            }
        )
    return breakdown


def change_success_rate(period_start: datetime, period_end: datetime) -> dict[str, Any]:
    """Return the share of changes ending in the period that succeeded (no failure, no rollback)."""
    rows = _change_outcomes(period_start, period_end)
    ended = sum(row["ended"] for row in rows)
    failed = sum(row["failed"] for row in rows)
    return {"value": _percent(ended - failed, ended), "breakdown": _outcome_breakdown(rows, "succeeded")}


def change_failure_rate(period_start: datetime, period_end: datetime) -> dict[str, Any]:
    """Return the share of changes ending in the period that failed or were rolled back."""
    rows = _change_outcomes(period_start, period_end)
    ended = sum(row["ended"] for row in rows)
    return {
        "value": _percent(sum(row["failed"] for row in rows), ended),
        "breakdown": _outcome_breakdown(rows, "failed"),
    }


def change_lead_time(period_start: datetime, period_end: datetime) -> dict[str, Any]:
    """Return the mean hours from Initiation to the first passed Production stage, by type."""
    from changes.models import ChangeRequest, StageOutcome

    production = Q(stage_results__stage__name__iexact="production", stage_results__outcome=StageOutcome.PASSED)
    rows = (
        ChangeRequest.objects.annotate(production_at=Min("stage_results__recorded_at", filter=production))
        .filter(production_at__gte=period_start, production_at__lt=period_end)
        .values_list("change_type", "created_at", "production_at")
    )
    hours: dict[str, list[float]] = defaultdict(list)
    for change_type, created, reached in rows:
        hours[change_type].append((reached - created).total_seconds() / 3600)
    breakdown = []
    for change_type in sorted(hours):
        mean, median = _mean_median(hours[change_type])
        breakdown.append(
            {"type": change_type, "changes": len(hours[change_type]), "mean_hours": mean, "median_hours": median}
        )
    mean, _median = _mean_median([value for values in hours.values() for value in values])
    return {"value": mean, "breakdown": breakdown}


def register_operational_kpis() -> None:
    """Register every operational KPI above with the report builder (call from ready())."""
    table = [
        ("checklist-completion-rate", "Checklist completion rate", "%", "higher", checklist_completion_rate),
        ("checklist-on-time-rate", "Checklist on-time rate", "%", "higher", checklist_on_time_rate),
        ("checklist-missed-runs", "Missed checklist runs", "runs", "lower", checklist_missed_runs),
        ("incidents", "Incidents", "incidents", "lower", incidents_by_severity),
        ("time-to-acknowledge", "Time to acknowledge (mean)", "min", "lower", time_to_acknowledge),
        ("time-to-resolve", "Time to resolve (mean)", "min", "lower", time_to_resolve),
        ("sla-response-compliance", "SLA response compliance", "%", "higher", sla_response_compliance),
        ("reviews-on-time", "Post-incident reviews on time", "%", "higher", reviews_on_time),
        ("changes", "Change requests", "changes", "higher", changes_by_type),
        ("change-success-rate", "Change success rate", "%", "higher", change_success_rate),
        ("change-failure-rate", "Change failure rate", "%", "lower", change_failure_rate),
        ("emergency-change-share", "Emergency-change share", "%", "lower", emergency_change_share),
        ("change-lead-time", "Change lead time (mean)", "h", "lower", change_lead_time),
    ]
    for slug, name, unit, direction, function in table:
        register_operational_kpi(slug, name, unit=unit, direction=direction)(function)
