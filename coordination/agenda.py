"""Build a meeting's agenda from live data, as JSON: the snapshot a meeting keeps for ever.

Each kind of meeting has one builder; every builder reads with a fixed number of queries and
returns plain JSON (ids, titles, ISO-8601 UTC instants), so a later change to an incident, run
or change never rewrites what the meeting was shown.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q

from opsportal import clock

AGENDA_VERSION = 1
TOP_FIGURES = 8


def _iso(instant: datetime | None) -> str | None:
    return clock.to_utc(instant).isoformat().replace("+00:00", "Z") if instant is not None else None


def _username(user: Any) -> str:
    return user.get_username() if user is not None else ""


# Standup -------------------------------------------------------------------------------------


def open_incidents(now: datetime) -> list[dict[str, Any]]:
    """Return the open incidents, soonest response deadline first."""
    from incidents.models import OPEN_STATUSES, Incident

    rows = Incident.objects.select_related("severity", "assignee").filter(status__in=OPEN_STATUSES)
    return [
        {
            "id": incident.pk,
            "title": incident.title,
            "severity": incident.severity.code,
            "status": incident.status,
            "assignee": _username(incident.assignee),
            "response_due_at": _iso(incident.response_due_at),
            "acknowledged": incident.acknowledged_at is not None,
            "breached": incident.acknowledged_at is None and incident.response_due_at < now,
        }
        for incident in rows.order_by("response_due_at", "pk")
    ]


def runs_missed_or_overdue(since: datetime, now: datetime) -> list[dict[str, Any]]:
    """Return calendar runs missed since ``since`` and runs overdue now, by due time."""
    from checklists.models import ACTIVE_STATUSES, ChecklistRun, RunStatus

    missed = Q(status=RunStatus.MISSED, missed_at__gt=since, missed_at__lte=now)
    overdue = Q(status__in=ACTIVE_STATUSES, due_at__lt=now)
    rows = ChecklistRun.objects.filter(missed | overdue, subject_content_type__isnull=True).order_by("due_at", "pk")
    return [
        {
            "id": run.pk,
            "name": run.name,
            "period_date": run.period_date.isoformat() if run.period_date else None,
            "state": "missed" if run.status == RunStatus.MISSED else "overdue",
            "due_at": _iso(run.due_at),
            "done": run.items_done,
            "total": run.items_total,
        }
        for run in rows
    ]


def _change_row(change: Any) -> dict[str, Any]:
    return {
        "id": change.pk,
        "title": change.title,
        "type": change.change_type,
        "status": change.status,
        "risk": change.risk,
        "window_start": _iso(change.window_start),
        "window_end": _iso(change.window_end),
    }


def changes_in_window(start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Return the changes whose scheduled window meets ``[start, end)``, except rejected or cancelled ones."""
    from changes.models import ChangeRequest, ChangeStatus

    rows = (
        ChangeRequest.objects.filter(window_start__lt=end, window_end__gt=start)
        .exclude(status__in=[ChangeStatus.REJECTED, ChangeStatus.CANCELLED])
        .order_by("window_start", "pk")
    )
    return [_change_row(change) for change in rows]


def oncall_handover(now: datetime, day_start: datetime, day_end: datetime) -> list[dict[str, Any]]:
    """Return, per on-call schedule, who is on call now, today's handoffs and the last handover note."""
    from oncall import selectors
    from oncall.models import Handover

    found = []
    for schedule in selectors.schedules():
        on_call = selectors.oncall_at(schedule, now)
        handoffs = selectors.handoffs_between(schedule, day_start, day_end)
        last = Handover.objects.filter(schedule=schedule, handoff_at__lte=now).order_by("-handoff_at").first()
        found.append(
            {
                "schedule": schedule.name,
                "primary": _username(on_call.primary),
                "secondary": _username(on_call.secondary),
                "until": _iso(on_call.until),
                "handoffs_today": [
                    {"at": _iso(h.at), "outgoing": _username(h.outgoing), "incoming": _username(h.incoming)}
                    for h in handoffs
                ],
                "last_note": last.note if last is not None else "",
            }
        )
    return found


def standup_agenda(*, day: date, now: datetime, since: datetime) -> dict[str, Any]:
    """Return the standup's agenda: open incidents, runs missed or overdue since ``since``, today's changes, on-call."""
    day_start, day_end = clock.local_day_bounds(day)
    return {
        "version": AGENDA_VERSION,
        "kind": "standup",
        "since": _iso(since),
        "incidents": open_incidents(now),
        "runs": runs_missed_or_overdue(since, now),
        "changes": changes_in_window(day_start, day_end),
        "oncall": oncall_handover(now, day_start, day_end),
    }


# Weekly --------------------------------------------------------------------------------------


def kpis_off_target(day: date) -> dict[str, Any]:
    """Return the last complete week's KPIs that missed their target."""
    from reporting.periods import last_complete_period
    from reporting.selectors import report_data_compute

    period = last_complete_period("weekly", day)
    data = report_data_compute(period=period)
    rows = [
        {"name": row["name"], "value": row["value"], "target": row["target"], "unit": row["unit"]}
        for row in data["business"] + data["operational"]
        if row.get("on_target") is False
    ]
    return {"period": data["period"]["label"], "rows": rows}


def review_action_items(due_by: date, today: date) -> list[dict[str, Any]]:
    """Return open post-incident review action items due by ``due_by`` (overdue ones included)."""
    from incidents.models import ActionItem

    rows = ActionItem.objects.select_related("owner", "review").filter(done=False, due_date__lte=due_by)
    return [
        {
            "id": item.pk,
            "description": item.description,
            "owner": _username(item.owner),
            "due_date": item.due_date.isoformat() if item.due_date else None,
            "incident_id": item.review.incident_id,
            "overdue": item.due_date is not None and item.due_date < today,
        }
        for item in rows.order_by("due_date", "pk")
    ]


def runs_missed_between(start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Return the calendar runs marked missed during ``[start, end)``."""
    from checklists.models import ChecklistRun, RunStatus

    rows = ChecklistRun.objects.filter(
        status=RunStatus.MISSED, missed_at__gte=start, missed_at__lt=end, subject_content_type__isnull=True
    ).order_by("missed_at", "pk")
    return [
        {"id": run.pk, "name": run.name, "period_date": run.period_date.isoformat() if run.period_date else None}
        for run in rows
    ]


def weekly_agenda(*, day: date, now: datetime) -> dict[str, Any]:
    """Return the weekly meeting's agenda: KPIs off target, the week ahead's changes, action items, missed runs."""
    day_start, _ = clock.local_day_bounds(day)
    week_end, _ = clock.local_day_bounds(day + timedelta(days=7))
    return {
        "version": AGENDA_VERSION,
        "kind": "weekly",
        "kpis_off_target": kpis_off_target(day),
        "changes": changes_in_window(day_start, week_end),
        "action_items": review_action_items(day + timedelta(days=6), day),
        "runs_missed": runs_missed_between(clock.before(now, timedelta(days=7)), now),
    }


# Monthly and quarterly ----------------------------------------------------------------------


def report_headline(kind: str, day: date) -> dict[str, Any]:
    """Return the headline of the last complete ``kind`` report: stored if built, computed if not."""
    from reporting.models import Report
    from reporting.periods import last_complete_period
    from reporting.selectors import report_data_compute

    period = last_complete_period(kind, day)
    report = Report.objects.filter(kind=kind, period_start=period.start).first()
    data = report.data if report is not None else report_data_compute(period=period)
    figures = [row for row in data.get("business", []) + data.get("operational", []) if row.get("value") is not None]
    return {
        "report_id": report.pk if report is not None else None,
        "title": data.get("title", ""),
        "period": data.get("period", {}).get("label", ""),
        "summary": data.get("summary", ""),
        "figures": [
            {
                "name": row["name"],
                "value": row["value"],
                "unit": row.get("unit", ""),
                "target": row.get("target"),
                "on_target": row.get("on_target"),
                "trend": row.get("trend", ""),
            }
            for row in figures[:TOP_FIGURES]
        ],
    }


def open_risks(day: date) -> dict[str, Any]:
    """Return the open risks: high-risk open changes, unresolved P0/P1 incidents, overdue action items."""
    from changes.models import TERMINAL_STATUSES, ChangeRequest, Level
    from coordination.models import MeetingActionItem
    from incidents.models import OPEN_STATUSES, Incident

    changes = ChangeRequest.objects.filter(risk=Level.HIGH).exclude(status__in=TERMINAL_STATUSES).order_by("pk")
    incidents = (
        Incident.objects.select_related("severity")
        .filter(status__in=OPEN_STATUSES, severity__code__in=["P0", "P1"])
        .order_by("response_due_at", "pk")
    )
    meeting_items = MeetingActionItem.objects.select_related("owner").filter(done_at=None, due_date__lt=day)
    return {
        "changes": [_change_row(change) for change in changes],
        "incidents": [
            {"id": i.pk, "title": i.title, "severity": i.severity.code, "status": i.status} for i in incidents
        ],
        "action_items": [item for item in review_action_items(day - timedelta(days=1), day)]
        + [
            {
                "id": item.pk,
                "description": item.description,
                "owner": _username(item.owner),
                "due_date": item.due_date.isoformat(),
                "meeting_id": item.meeting_id,
                "overdue": True,
            }
            for item in meeting_items.order_by("due_date", "pk")
        ],
    }


def monthly_agenda(*, day: date, now: datetime) -> dict[str, Any]:
    """Return the all-hands agenda: the monthly report's headline figures."""
    return {"version": AGENDA_VERSION, "kind": "monthly", "report": report_headline("monthly", day)}


def quarterly_agenda(*, day: date, now: datetime) -> dict[str, Any]:
    """Return the business review's agenda: the quarterly report and the open risks."""
    return {
        "version": AGENDA_VERSION,
        "kind": "quarterly",
        "report": report_headline("quarterly", day),
        "risks": open_risks(day),
    }
