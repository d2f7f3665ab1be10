"""Bulk-seed a history of checklist runs, incidents and changes for benchmarks and query-budget tests.

Realistic volumes by default: ten daily checklists (so ten runs a day), two incidents a day
and one change a day, with believable outcomes. Everything is written with ``bulk_create``
(a few queries a day of history at most), deterministic for a given ``seed``. Call it with
Django set up; it needs the checklists, incidents and changes apps.
"""

from __future__ import annotations

import random
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

SEVERITIES = [
    # code, name, response minutes, business hours only, share of incidents
    ("P0", "Critical", 15, False, 0.05),
    ("P1", "High", 60, False, 0.20),
    ("P2", "Medium", 240, True, 0.40),
    ("P3", "Low", 1440, False, 0.35),
]


@contextmanager
def _settable_created_at(model: Any) -> Any:
    """Let bulk_create write ``created_at`` (an auto_now_add field) for a history in the past."""
    field = model._meta.get_field("created_at")
    saved = field.auto_now_add
    field.auto_now_add = False
    try:
        yield
    finally:
        field.auto_now_add = saved


def seed_operational_history(
    *,
    start: date,
    end: date,
    templates: int = 10,
    incidents_per_day: int = 2,
    changes_per_day: int = 1,
    seed: int = 6,
) -> dict[str, int]:
    """Seed the local days ``start`` to ``end`` (both included); return how many rows of each kind."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from changes.models import ChangeRequest, ChangeStatus, ChangeType, CloseCode, DeploymentStage, StageResult
    from checklists.models import ChecklistRun, ChecklistTemplate, RunStatus
    from incidents.models import Incident, PostIncidentReview, Severity
    from incidents.selectors import business_calendar
    from incidents.services import response_due_at
    from opsportal import clock

    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    zone = clock.portal_zone()  # local wall-clock days; every instant is UTC before any arithmetic
    now = timezone.now()
    days = [start + timedelta(days=offset) for offset in range((end - start).days + 1)]

    # Checklist runs: one per daily template and day.
    groups = [Group.objects.get_or_create(name=name)[0] for name in ("Ops staff", "On-call engineer")]
    owned = []
    for number in range(templates):
        template, _ = ChecklistTemplate.objects.get_or_create(
            key=f"history-daily-{number}",
            defaults={"name": f"Daily check {number + 1}", "owner_group": groups[number % 2], "time_of_day": time(8)},
        )
        owned.append(template)
    runs = []
    for day in days:
        for template in owned:
            opens = datetime.combine(day, time(8), tzinfo=zone).astimezone(UTC)
            due, missed_at = opens + timedelta(hours=2), opens + timedelta(days=1)
            roll = rng.random()
            if missed_at > now:
                status, completed = RunStatus.OPEN, None
            elif roll < 0.85:
                status, completed = RunStatus.COMPLETED, opens + timedelta(minutes=rng.randint(5, 110))
            elif roll < 0.95:
                status, completed = RunStatus.COMPLETED_LATE, due + timedelta(minutes=rng.randint(5, 600))
            else:
                status, completed = RunStatus.MISSED, None
            runs.append(
                ChecklistRun(
                    template=template, name=template.name, period_date=day, opens_at=opens, due_at=due,
                    missed_at=missed_at, status=status, completed_at=completed, items_total=5,
                    items_done=5 if completed else 0,
                )
            )  # fmt: skip
    ChecklistRun.objects.bulk_create(runs, batch_size=1000, ignore_conflicts=True)

    # Incidents, their post-incident reviews.
    severities = []
    for position, (code, name, minutes, business, _share) in enumerate(SEVERITIES):
        severity, _ = Severity.objects.get_or_create(
            code=code,
            defaults={"name": name, "response_minutes": minutes, "business_hours_only": business, "position": position},
        )
        severities.append(severity)
    weights = [share for *_rest, share in SEVERITIES]
    calendar = business_calendar()
    incidents = []
    acknowledged: datetime | None  # None while the incident is still open
    resolved: datetime | None
    for day in days:
        for _ in range(incidents_per_day):
            severity = rng.choices(severities, weights)[0]
            detected = datetime.combine(day, time(rng.randint(0, 23), rng.randint(0, 59)), tzinfo=zone).astimezone(UTC)
            due = response_due_at(detected_at=detected, severity=severity, calendar=calendar)
            allowed = (due - detected).total_seconds() / 60
            acknowledged = detected + timedelta(minutes=max(1.0, rng.expovariate(1 / (allowed * 0.6))))
            resolved = acknowledged + timedelta(minutes=rng.expovariate(1 / (allowed * 3)))
            if acknowledged > now:
                acknowledged = resolved = None
            elif resolved > now:
                resolved = None
            incidents.append(
                Incident(
                    title=f"{severity.code} incident", severity=severity, status="resolved" if resolved else "declared",
                    detected_at=detected, declared_at=detected, response_due_at=due, acknowledged_at=acknowledged,
                    resolved_at=resolved,
                )
            )  # fmt: skip
    Incident.objects.bulk_create(incidents, batch_size=1000)
    reviews = []
    for incident in incidents:
        if incident.resolved_at is None:
            continue
        review_due = incident.resolved_at + timedelta(hours=48)
        completed = incident.resolved_at + timedelta(hours=rng.uniform(2, 60))
        reviews.append(
            PostIncidentReview(
                incident=incident, due_at=review_due, completed_at=completed if completed < now else None
            )
        )
    PostIncidentReview.objects.bulk_create(reviews, batch_size=1000)

    # Changes: raised each day, most closed a few days later, some rolled back (Failed).
    requester, _ = get_user_model().objects.get_or_create(username="history-requester")
    production, _ = DeploymentStage.objects.get_or_create(name="Production", defaults={"order": 4})
    changes, outcomes = [], []
    for day in days:
        for _ in range(changes_per_day):
            change_type = rng.choices(list(ChangeType.values), [0.4, 0.5, 0.1])[0]
            created = datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=zone).astimezone(UTC)
            deployed = created + timedelta(
                hours=rng.uniform(2, 12) if change_type == "emergency" else rng.uniform(24, 240)
            )
            ended = deployed + timedelta(hours=rng.uniform(1, 24))
            roll = rng.random()
            if ended > now:
                change_status, close_code, outcome = ChangeStatus.IMPLEMENTATION, "", None
            elif roll < 0.05:
                change_status, close_code, outcome = ChangeStatus.REJECTED, "", None
            elif roll < 0.15:
                change_status, close_code, outcome = ChangeStatus.FAILED, CloseCode.UNSUCCESSFUL, "rolled_back"
            else:
                change_status, close_code, outcome = ChangeStatus.CLOSED, CloseCode.SUCCESSFUL, "passed"
            changes.append(
                ChangeRequest(
                    title="Routine change", change_type=change_type, status=change_status, close_code=close_code,
                    requester=requester, created_at=created, status_changed_at=ended if outcome else created,
                    completed_at=ended if change_status in (ChangeStatus.CLOSED, ChangeStatus.FAILED, ChangeStatus.REJECTED) else None,
                )
            )  # fmt: skip
            outcomes.append((outcome, deployed))
    with _settable_created_at(ChangeRequest):
        ChangeRequest.objects.bulk_create(changes, batch_size=1000)
    results = [
        StageResult(
            change=change,
            stage=production,
            outcome=outcome,
            recorded_by=requester,
            recorded_at=deployed,
            rolled_back="The release" if outcome == "rolled_back" else "",
        )
        for change, (outcome, deployed) in zip(changes, outcomes, strict=True)
        if outcome
    ]
    StageResult.objects.bulk_create(results, batch_size=1000)
    return {"runs": len(runs), "incidents": len(incidents), "reviews": len(reviews), "changes": len(changes)}
