"""Operational KPIs computed from the checklists, incidents and changes apps.

:func:`register_operational_kpis` (called from ``ReportingConfig.ready()``) registers every
function below with the report builder. Each takes the aware datetimes [period_start,
period_end) and returns ``{"value": number or None, "breakdown": [row, ...]}`` from a fixed
number of queries: counts are aggregated in SQL; durations are read as the period's rows
(bounded by the period, not by the history) so that a median and business time can be
computed in Python from the same rows.

Definitions (what a reviewer should check against the issue):

- Checklists: calendar runs only (subject runs of incidents and changes are never marked
  missed, so they would only ever raise the rates). A run belongs to the period in which it
  opened. It is *judged* once completed (on time or late) or missed; runs still open are
  left out of the rates, as on the checklists history page (``completion_rates``).
  Completion rate = completed / judged; on-time rate = completed on time / judged.
- Incidents belong to the period in which they were detected (``detected_at``); time to
  acknowledge and time to resolve run from ``detected_at`` (the SLA clock starts there too),
  on the wall clock and in business time (the default business calendar of the incidents
  app, whatever the severity).
- SLA response compliance: acknowledged at or before ``response_due_at``; an incident still
  unacknowledged after its deadline is a breach; one whose deadline is still ahead is left out.
- A post-incident review belongs to the period its ``due_at`` falls in; on time when
  completed by then; late when completed after it or still open after it; a review still
  open before its deadline is left out.
- Changes are counted by type in the period they were raised. The change success and
  failure rates come from ``changes.selectors.change_failure_rate`` (changes completed in
  the period), so the changes app alone decides what counts as failed.
- Change lead time: raised (Initiation) to the first passed "Production" deployment stage,
  for changes that first reached Production in the period.
- On-call load: per person, hours in the shift log (primary or secondary, overlaps once), pages
  (their escalation notifications) and night pages (22:00-07:00 in the schedule's zone, see
  ``reporting/oncall_load.py``); the value is the period's pages.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from reporting.kpis import register_operational_kpi

T = TypeVar("T")

# Reads several KPIs share (the period's runs, incidents, changes; the business calendar),
# kept for the length of one report build or dashboard so each is queried once.
_shared: ContextVar[dict[tuple[Any, ...], Any] | None] = ContextVar("operational_shared_reads", default=None)


@contextmanager
def shared_reads() -> Iterator[None]:
    """Within this block, let the KPIs below reuse each other's reads (one report or page)."""
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


def _once(key: tuple[Any, ...], read: Callable[[], T]) -> T:
    """Return ``read()``, computed once per ``key`` inside :func:`shared_reads` (every time outside it)."""
    cache = _shared.get()
    if cache is None:
        return read()
    if key not in cache:
        cache[key] = read()
    return cache[key]


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 2) if whole else None


def _mean_median(values: list[float]) -> tuple[float | None, float | None]:
    """Return (mean, median) of a list of durations, or (None, None) when it is empty."""
    if not values:
        return None, None
    return round(statistics.fmean(values), 2), round(statistics.median(values), 2)


# Checklists ------------------------------------------------------------------------------------


def _run_counts(period_start: datetime, period_end: datetime) -> list[dict[str, Any]]:
    """Return per template (with its group) the calendar runs that opened in the period, counted by status."""
    from checklists.models import DONE_STATUSES, ChecklistRun, RunStatus

    return _once(
        ("runs", period_start, period_end),
        lambda: list(
            # values() rows are dicts, but mypy types them as a TypedDict, which is not a dict[str, Any].
            ChecklistRun.objects.filter(opens_at__gte=period_start, opens_at__lt=period_end, period_date__isnull=False)  # type: ignore[arg-type]
            .values("template__owner_group__name", "template__name")
            .annotate(
                runs=Count("id"),
                completed=Count("id", filter=Q(status__in=DONE_STATUSES)),
                on_time=Count("id", filter=Q(status=RunStatus.COMPLETED)),
                missed=Count("id", filter=Q(status=RunStatus.MISSED)),
            )
            .order_by("template__owner_group__name", "template__name")
        ),
    )


def _run_breakdown(rows: list[dict[str, Any]], measure: str) -> list[dict[str, Any]]:
    """Return a row per template, then a total row per group, with ``measure`` as a share of judged runs."""
    breakdown: list[dict[str, Any]] = []

    def line(group: str, template: str, counts: dict[str, int]) -> dict[str, Any]:
        judged = counts["completed"] + counts["missed"]
        return {
            "group": group,
            "template": template,
            "runs": counts["runs"],
            "completed": counts["completed"],
            "on_time": counts["on_time"],
            "late": counts["completed"] - counts["on_time"],
            "missed": counts["missed"],
            "open": counts["runs"] - judged,
            "percent": _percent(counts[measure], judged),
        }

    names = ("runs", "completed", "on_time", "missed")
    by_group: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:  # ordered by group, then template
        by_group[row["template__owner_group__name"]].append(row)
    for group, templates in by_group.items():
        breakdown.extend(line(group, row["template__name"], row) for row in templates)
        if len(templates) > 1:
            breakdown.append(
                line(group, "All templates", {name: sum(row[name] for row in templates) for name in names})
            )
    return breakdown


def _run_totals(rows: list[dict[str, Any]]) -> tuple[int, int, int]:
    completed = sum(row["completed"] for row in rows)
    on_time = sum(row["on_time"] for row in rows)
    return completed, on_time, completed + sum(row["missed"] for row in rows)


def checklist_completion_rate(period_start: datetime, period_end: datetime) -> dict[str, Any]:
    """Return the share of judged checklist runs that were completed, by template and group."""
    rows = _run_counts(period_start, period_end)
    completed, _on_time, judged = _run_totals(rows)
    return {"value": _percent(completed, judged), "breakdown": _run_breakdown(rows, "completed")}


def checklist_on_time_rate(period_start: datetime, period_end: datetime) -> dict[str, Any]:
    """Return the share of judged checklist runs completed on time, by template and group."""
    rows = _run_counts(period_start, period_end)
    _completed, on_time, judged = _run_totals(rows)
    return {"value": _percent(on_time, judged), "breakdown": _run_breakdown(rows, "on_time")}


def checklist_missed_runs(period_start: datetime, period_end: datetime) -> dict[str, Any]:
    """Return the number of missed checklist runs, by template and group."""
    rows = _run_counts(period_start, period_end)
    breakdown = [
        {"group": row["template__owner_group__name"], "template": row["template__name"], "missed": row["missed"]}
        for row in rows
        if row["missed"]
    ]
    return {"value": sum(row["missed"] for row in rows), "breakdown": breakdown}


# Incidents -------------------------------------------------------------------------------------


def _incident_rows(period_start: datetime, period_end: datetime) -> list[tuple[Any, ...]]:
    """Return (severity code, detected, acknowledged, resolved, response due) of the period's incidents."""
    from incidents.models import Incident

    return _once(
        ("incidents", period_start, period_end),
        lambda: list(
            Incident.objects.filter(detected_at__gte=period_start, detected_at__lt=period_end)
            .order_by("severity__position", "severity__code", "detected_at", "pk")
            .values_list("severity__code", "detected_at", "acknowledged_at", "resolved_at", "response_due_at")
        ),
    )


def incidents_by_severity(period_start: datetime, period_end: datetime) -> dict[str, Any]:
    """Return the number of incidents detected in the period, by severity (every severity listed)."""
    from incidents.models import Incident, Severity

    # A count per severity through the (severity, detected_at) index, not a join of every incident.
    in_period = Incident.objects.filter(
        severity=OuterRef("pk"), detected_at__gte=period_start, detected_at__lt=period_end
    ).values("severity")
    rows = Severity.objects.annotate(
        count=Coalesce(Subquery(in_period.annotate(count=Count("pk")).values("count")), 0)
    ).order_by("position", "code")
    breakdown = [{"severity": row.code, "name": row.name, "incidents": row.count} for row in rows]
    return {"value": sum(row["incidents"] for row in breakdown), "breakdown": breakdown}


# Which timestamp ends each duration (an index into _incident_rows' tuples), and its column.
_ACKNOWLEDGE = (2, "acknowledged")
_RESOLVE = (3, "resolved")


def _duration_kpi(
    period_start: datetime, period_end: datetime, measure: tuple[int, str], *, business: bool
) -> dict[str, Any]:
    """Return mean and median minutes from detection to ``measure`` per severity and overall.

    1. Read the period's incidents (one query) and, for business time, the default
       business calendar (at most three).
    2. Per severity, collect the minutes of every incident that reached ``measure``.
    3. The value is the mean over all incidents; the breakdown adds per-severity rows and
       an "all" row with the median.
    """
    index, label = measure
    calendar = None
    if business:
        from incidents.business_hours import business_time_between
        from incidents.selectors import business_calendar

        calendar = _once(("calendar",), business_calendar)
    minutes: dict[str, list[float]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for row in _incident_rows(period_start, period_end):
        severity, detected, ended = row[0], row[1], row[index]
        counts[severity] += 1
        if ended is None:
            continue
        elapsed = business_time_between(detected, ended, calendar) if calendar else ended - detected
        minutes[severity].append(elapsed.total_seconds() / 60)
    prefix = "business_" if business else ""

    def line(severity: str, incidents: int, values: list[float]) -> dict[str, Any]:
        mean, median = _mean_median(values)
        return {
            "severity": severity,
            "incidents": incidents,
            label: len(values),
            f"{prefix}mean_minutes": mean,
            f"{prefix}median_minutes": median,
        }

    breakdown = [line(severity, count, minutes[severity]) for severity, count in counts.items()]
    every = [value for values in minutes.values() for value in values]
    breakdown.append(line("All", sum(counts.values()), every))
    return {"value": breakdown[-1][f"{prefix}mean_minutes"], "breakdown": breakdown}


def time_to_acknowledge(period_start: datetime, period_end: datetime) -> dict[str, Any]:
    """Return the mean wall-clock minutes from detection to acknowledgement (mean and median per severity)."""
    return _duration_kpi(period_start, period_end, _ACKNOWLEDGE, business=False)


def time_to_acknowledge_business(period_start: datetime, period_end: datetime) -> dict[str, Any]:
    """Return the mean business minutes from detection to acknowledgement (mean and median per severity)."""
    return _duration_kpi(period_start, period_end, _ACKNOWLEDGE, business=True)


def time_to_resolve(period_start: datetime, period_end: datetime) -> dict[str, Any]:
    """Return the mean wall-clock minutes from detection to resolution (mean and median per severity)."""
    return _duration_kpi(period_start, period_end, _RESOLVE, business=False)


def time_to_resolve_business(period_start: datetime, period_end: datetime) -> dict[str, Any]:
    """Return the mean business minutes from detection to resolution (mean and median per severity)."""
    return _duration_kpi(period_start, period_end, _RESOLVE, business=True)


def sla_response_compliance(period_start: datetime, period_end: datetime) -> dict[str, Any]:
    """Return the share of judged incidents acknowledged by their response deadline, by severity."""
    now = timezone.now()
    met: dict[str, int] = defaultdict(int)
    judged: dict[str, int] = defaultdict(int)
    for severity, _detected, acknowledged, _resolved, due in _incident_rows(period_start, period_end):
        if acknowledged is not None:
            judged[severity] += 1
            met[severity] += acknowledged <= due
        elif due < now:
            judged[severity] += 1  # still unacknowledged after its deadline: a breach
    breakdown = [
        {
            "severity": severity,
            "judged": count,
            "met": met[severity],
            "breached": count - met[severity],
            "percent": _percent(met[severity], count),
        }
        for severity, count in judged.items()
    ]
    return {"value": _percent(sum(met.values()), sum(judged.values())), "breakdown": breakdown}


def reviews_on_time(period_start: datetime, period_end: datetime) -> dict[str, Any]:
    """Return the share of judged post-incident reviews due in the period that were done by their deadline."""
    from incidents.models import PostIncidentReview

    now = timezone.now()
    rows = list(
        PostIncidentReview.objects.filter(due_at__gte=period_start, due_at__lt=period_end)
        .filter(Q(completed_at__isnull=False) | Q(due_at__lt=now))
        .values("incident__severity__code", "incident__severity__position")
        .annotate(
            judged=Count("id"),
            on_time=Count("id", filter=Q(completed_at__lte=F("due_at"))),
            open=Count("id", filter=Q(completed_at__isnull=True)),
        )
        .order_by("incident__severity__position", "incident__severity__code")
    )
    breakdown = [
        {
            "severity": row["incident__severity__code"],
            "reviews_due": row["judged"],
            "on_time": row["on_time"],
            "late": row["judged"] - row["on_time"] - row["open"],
            "still_open": row["open"],
            "percent": _percent(row["on_time"], row["judged"]),
        }
        for row in rows
    ]
    on_time = sum(row["on_time"] for row in rows)
    return {"value": _percent(on_time, sum(row["judged"] for row in rows)), "breakdown": breakdown}


# Changes ---------------------------------------------------------------------------------------


def _changes_raised(period_start: datetime, period_end: datetime) -> list[dict[str, Any]]:
    """Return every change type (in declared order) with the number raised in the period."""
    from changes.models import ChangeRequest, ChangeType

    counts = _once(
        ("changes", period_start, period_end),
        lambda: dict(
            ChangeRequest.objects.filter(created_at__gte=period_start, created_at__lt=period_end)
            .values("change_type")
            .annotate(changes=Count("id"))
            .order_by()
            .values_list("change_type", "changes")
        ),
    )
    return [{"type": label, "key": value, "changes": counts.get(value, 0)} for value, label in ChangeType.choices]


def changes_by_type(period_start: datetime, period_end: datetime) -> dict[str, Any]:
    """Return the number of change requests raised in the period, by type."""
    rows = _changes_raised(period_start, period_end)
    breakdown = [{"type": row["type"], "changes": row["changes"]} for row in rows]
    return {"value": sum(row["changes"] for row in rows), "breakdown": breakdown}


def emergency_change_share(period_start: datetime, period_end: datetime) -> dict[str, Any]:
    """Return the share of the period's change requests that were emergency changes."""
    from changes.models import ChangeType

    rows = _changes_raised(period_start, period_end)
    total = sum(row["changes"] for row in rows)
    emergency = sum(row["changes"] for row in rows if row["key"] == ChangeType.EMERGENCY)
    breakdown = [
        {"type": row["type"], "changes": row["changes"], "percent": _percent(row["changes"], total)} for row in rows
    ]
    return {"value": _percent(emergency, total), "breakdown": breakdown}


def _change_outcomes(period_start: datetime, period_end: datetime) -> tuple[int, int]:
    """Return (completed, failed) changes of the period, as the changes app counts them."""
    from changes.selectors import change_failure_rate as failure_rate

    rate = _once(("failure-rate", period_start, period_end), lambda: failure_rate(start=period_start, end=period_end))
    return rate.completed, rate.failed


def _outcome_breakdown(completed: int, failed: int, part: int) -> list[dict[str, Any]]:
    if not completed:
        return []
    return [
        {
            "completed": completed,
            "succeeded": completed - failed,
            "failed": failed,
            "percent": _percent(part, completed),
        }
    ]


def change_success_rate(period_start: datetime, period_end: datetime) -> dict[str, Any]:
    """Return the share of changes completed in the period that did not fail."""
    completed, failed = _change_outcomes(period_start, period_end)
    succeeded = completed - failed
    return {"value": _percent(succeeded, completed), "breakdown": _outcome_breakdown(completed, failed, succeeded)}


def change_failure_rate(period_start: datetime, period_end: datetime) -> dict[str, Any]:
    """Return the share of changes completed in the period that failed (``changes.selectors``' rule)."""
    completed, failed = _change_outcomes(period_start, period_end)
    return {"value": _percent(failed, completed), "breakdown": _outcome_breakdown(completed, failed, failed)}


def change_lead_time(period_start: datetime, period_end: datetime) -> dict[str, Any]:
    """Return the mean hours from Initiation to the first passed Production stage, by type.

    One query: the first passed Production result per change (HAVING it falls in the period),
    over only the changes with a pass in the period (through the ``recorded_at`` index).
    """
    from changes.models import ChangeType, StageOutcome, StageResult

    passes = StageResult.objects.filter(stage__name__iexact="production", outcome=StageOutcome.PASSED)
    passed_in_period = passes.filter(recorded_at__gte=period_start, recorded_at__lt=period_end).values("change_id")
    rows = (
        passes.filter(change_id__in=passed_in_period)
        .values("change_id", "change__change_type", "change__created_at")
        .annotate(reached=Min("recorded_at"))
        .filter(reached__gte=period_start, reached__lt=period_end)
        .order_by()
        .values_list("change__change_type", "change__created_at", "reached")
    )
    hours: dict[str, list[float]] = defaultdict(list)
    for change_type, created, reached in rows:
        hours[change_type].append((reached - created).total_seconds() / 3600)

    def line(label: str, values: list[float]) -> dict[str, Any]:
        mean, median = _mean_median(values)
        return {"type": label, "changes": len(values), "mean_hours": mean, "median_hours": median}

    breakdown = [line(label, hours[value]) for value, label in ChangeType.choices if hours[value]]
    breakdown.append(line("All", [value for values in hours.values() for value in values]))
    return {"value": breakdown[-1]["mean_hours"], "breakdown": breakdown}


def register_operational_kpis() -> None:
    """Register every operational KPI above with the report builder (called from ready())."""
    table = [
        ("checklist-completion-rate", "Checklist completion rate", "%", "higher", checklist_completion_rate),
        ("checklist-on-time-rate", "Checklist on-time rate", "%", "higher", checklist_on_time_rate),
        ("checklist-missed-runs", "Missed checklist runs", "runs", "lower", checklist_missed_runs),
        ("incidents", "Incidents", "incidents", "lower", incidents_by_severity),
        ("time-to-acknowledge", "Time to acknowledge (mean)", "min", "lower", time_to_acknowledge),
        (
            "time-to-acknowledge-business",
            "Time to acknowledge in business hours (mean)",
            "business min",
            "lower",
            time_to_acknowledge_business,
        ),
        ("time-to-resolve", "Time to resolve (mean)", "min", "lower", time_to_resolve),
        (
            "time-to-resolve-business",
            "Time to resolve in business hours (mean)",
            "business min",
            "lower",
            time_to_resolve_business,
        ),
        ("sla-response-compliance", "SLA response compliance", "%", "higher", sla_response_compliance),
        ("reviews-on-time", "Post-incident reviews on time", "%", "higher", reviews_on_time),
        ("changes", "Change requests", "changes", "higher", changes_by_type),
        ("change-success-rate", "Change success rate", "%", "higher", change_success_rate),
        ("change-failure-rate", "Change failure rate", "%", "lower", change_failure_rate),
        ("emergency-change-share", "Emergency-change share", "%", "lower", emergency_change_share),
        ("change-lead-time", "Change lead time (mean)", "h", "lower", change_lead_time),
        ("oncall-load", "On-call load: pages per person", "pages", "lower", oncall_load_per_person),
    ]
    for slug, name, unit, direction, function in table:
        register_operational_kpi(slug, name, unit=unit, direction=direction)(function)


# On call ---------------------------------------------------------------------------------------

# The key ``incidents.services`` gives each escalation notice's notifications (one per recipient).
ESCALATION_PAGE_KEY = r"^incident-[0-9]+-step-[0-9]+-round-[0-9]+$"


def escalation_pages(period_start: datetime, period_end: datetime) -> list[Any]:
    """Return a ``Page`` per escalation notification sent in the period (one query, username and instant)."""
    from opsportal.models import Notification
    from reporting.oncall_load import Page

    rows = (
        Notification.objects.filter(
            key__regex=ESCALATION_PAGE_KEY, created_at__gte=period_start, created_at__lt=period_end
        )
        .order_by("created_at", "pk")
        .values_list("recipient__username", "created_at")
    )
    return [Page(user=username, at=created) for username, created in rows]


def _logged_shifts(period_start: datetime, period_end: datetime) -> list[Any]:
    """Return the shift log's primary and secondary shifts meeting the period, up to now (one query).

    The shift log is the record of who was on call (``oncall.models.ShiftLog``); a logged shift
    may end after now (its computed end), so shifts are cut at now: hours not yet served.
    """
    from oncall.models import ShiftLog
    from reporting.oncall_load import ShiftSpan

    until = min(period_end, timezone.now())
    rows = (
        ShiftLog.objects.filter(start__lt=until, end__gt=period_start)
        .order_by("start", "pk")
        .values_list("user__username", "start", "end", "schedule__time_zone")
    )
    return [ShiftSpan(user, start, min(end, until), ZoneInfo(zone)) for user, start, end, zone in rows if start < until]


def oncall_load_per_person(period_start: datetime, period_end: datetime) -> dict[str, Any]:
    """Return the pages sent to on-call people, with hours on call, pages and night pages per person.

    Two queries: the shift log of the period and the escalation notifications of the period.
    Night: 22:00-07:00 in the zone of the schedule the person was on call for, else the portal's.
    """
    from opsportal.clock import portal_zone
    from reporting.oncall_load import oncall_load

    rows = oncall_load(
        _logged_shifts(period_start, period_end),
        escalation_pages(period_start, period_end),
        period_start=period_start,
        period_end=period_end,
        default_zone=portal_zone(),
    )
    return {"value": sum(row["pages"] for row in rows), "breakdown": rows}
