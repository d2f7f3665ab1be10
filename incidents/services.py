"""Every write of the incidents app.

State changes are conditional UPDATEs that check their row count; what must happen once
(a reminder per incident, step and round) is an outbox row under a unique constraint,
written before the notification, which is mailed after commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from checklists.models import AttachTo, ChecklistRun, ChecklistTemplate, RelativeAnchor, RunItem
from checklists.services import run_create_for_subject, run_item_link_raised, run_item_record_done
from incidents import business_hours, escalation, rules
from incidents.lifecycle import BY_ACTION
from incidents.models import (
    ActionItem,
    BusinessCalendar,
    EscalationNotice,
    EscalationStep,
    EscalationTarget,
    Holiday,
    Incident,
    IncidentEscalationStep,
    IncidentStatus,
    PostIncidentReview,
    ReviewReminder,
    Service,
    Severity,
    TimelineEntry,
    TimelineKind,
)
from incidents.selectors import business_calendar
from opsportal import clock, plausible, timefmt
from opsportal.errors import Conflict
from opsportal.notifications import notification_send
from opsportal.outbox import insert_once
from opsportal.roles import Role
from opsportal.templatetags.portal_time import when_text

REVIEW_DUE_AFTER = timedelta(hours=48)
SWEEP_BATCH = 200
# A reminder task waits in the worker at most this long before it re-checks and waits again:
# below the Redis broker's visibility_timeout (settings.CELERY_BROKER_TRANSPORT_OPTIONS), so a
# waiting reminder is never handed to a second worker while the first still holds it.
REMINDER_WAIT_MAX = timedelta(minutes=45)


# Severities and their policies ---------------------------------------------------------------


def _default_policy(code: str, *, on_schedule: bool) -> list[dict[str, Any]]:
    """Return the default escalation steps for a severity code (used when it has none).

    With a schedule: its primary at the deadline, its secondary after a delay, then the
    managers. Without one: the On-call engineer group (or the assignee), then the managers.
    """
    manager = {"target": EscalationTarget.MANAGERS}
    if on_schedule:
        primary = {"target": EscalationTarget.SCHEDULE_PRIMARY}
        secondary = {"target": EscalationTarget.SCHEDULE_SECONDARY}
        table = {
            "P0": [{**primary, "delay_minutes": 0, "repeat_every_minutes": 5, "max_repeats": 6},
                   {**secondary, "delay_minutes": 5, "repeat_every_minutes": 5, "max_repeats": 5},
                   {**manager, "delay_minutes": 15, "repeat_every_minutes": 15, "max_repeats": 4}],
            "P1": [{**primary, "delay_minutes": 0, "repeat_every_minutes": 15, "max_repeats": 4},
                   {**secondary, "delay_minutes": 15, "repeat_every_minutes": 15, "max_repeats": 3},
                   {**manager, "delay_minutes": 30, "repeat_every_minutes": 30, "max_repeats": 2}],
            "P2": [{**primary, "delay_minutes": 0, "repeat_every_minutes": 60, "max_repeats": 2},
                   {**secondary, "delay_minutes": 60, "repeat_every_minutes": 60, "max_repeats": 1},
                   {**manager, "delay_minutes": 240, "repeat_every_minutes": 0, "max_repeats": 0}],
        }  # fmt: skip
        return table.get(
            code,
            [{**primary, "delay_minutes": 0}, {**secondary, "delay_minutes": 240}, {**manager, "delay_minutes": 1440}],
        )
    oncall = {"target": EscalationTarget.GROUP, "group_name": Role.ONCALL.value}
    assignee = {"target": EscalationTarget.ASSIGNEE}
    table = {
        "P0": [{**oncall, "delay_minutes": 0, "repeat_every_minutes": 5, "max_repeats": 6},
               {**manager, "delay_minutes": 15, "repeat_every_minutes": 15, "max_repeats": 4}],
        "P1": [{**oncall, "delay_minutes": 0, "repeat_every_minutes": 15, "max_repeats": 4},
               {**manager, "delay_minutes": 30, "repeat_every_minutes": 30, "max_repeats": 2}],
        "P2": [{**assignee, "delay_minutes": 0, "repeat_every_minutes": 60, "max_repeats": 2},
               {**manager, "delay_minutes": 240, "repeat_every_minutes": 0, "max_repeats": 0}],
    }  # fmt: skip
    return table.get(code, [{**assignee, "delay_minutes": 0}, {**manager, "delay_minutes": 1440}])


def severity_default_policy_create(*, severity: Severity) -> int:
    """Give ``severity`` the default escalation policy unless it has steps; return steps created.

    The policy pages the default schedule (:func:`incidents.escalation.default_schedule`)
    when one exists, and the On-call engineer group otherwise, so nothing breaks without one.
    """
    if severity.escalation_steps.exists():
        return 0
    schedule = escalation.default_schedule()
    rows = []
    for position, spec in enumerate(_default_policy(severity.code, on_schedule=schedule is not None), start=1):
        spec = dict(spec)
        group = None
        if "group_name" in spec:
            group = Group.objects.get_or_create(name=spec.pop("group_name"))[0]
        on_it = spec["target"] in escalation.SCHEDULE_TARGETS
        rows.append(
            EscalationStep(
                severity=severity, position=position, group=group, schedule=schedule if on_it else None, **spec
            )
        )
    bulk_create_with_history(rows, EscalationStep)  # configuration: each step starts its history
    return len(rows)


def response_due_at(
    *, detected_at: datetime, severity: Severity, calendar: business_hours.BusinessCalendar | None = None
) -> datetime:
    """Return the response deadline (UTC) for an incident of ``severity`` detected at ``detected_at``.

    Elapsed minutes on the UTC instant, or working minutes of the business calendar.
    """
    if severity.business_hours_only:
        return clock.to_utc(
            business_hours.add_business_minutes(detected_at, severity.response_minutes, calendar or business_calendar())
        )
    return clock.after(detected_at, timedelta(minutes=severity.response_minutes))


def sla_snapshot(severity: Severity) -> dict[str, Any]:
    """Return the incident fields that record the SLA of ``severity`` as it is now."""
    return {
        "sla_response_minutes": severity.response_minutes,
        "sla_business_hours_only": severity.business_hours_only,
        "sla_text": severity.response_text,
    }


def _copy_policy(*, incident: Incident, active: bool) -> None:
    """Copy the severity's current policy onto the incident, so later policy edits never change it."""
    steps = EscalationStep.objects.filter(severity=incident.severity_id).order_by("position", "pk")
    IncidentEscalationStep.objects.bulk_create(
        escalation.step_copy(step, incident=incident, active=active) for step in steps
    )


def _timeline(
    incident: Incident,
    kind: str,
    by: Any,
    text: str = "",
    *,
    from_value: str = "",
    to_value: str = "",
    at: datetime | None = None,
) -> TimelineEntry:
    return TimelineEntry.objects.create(
        incident=incident, kind=kind, author=by if getattr(by, "pk", None) else None, text=text,
        from_value=from_value[:120], to_value=to_value[:120], created_at=at or timezone.now(),
    )  # fmt: skip


# Incidents -------------------------------------------------------------------------------------


@transaction.atomic
def incident_declare(
    *,
    by: Any,
    title: str,
    severity: Severity,
    detected_at: datetime | None = None,
    description: str = "",
    assignee: Any = None,
    services: Iterable[Service] = (),
    users_affected: int | None = None,
    from_item: RunItem | None = None,
    security: bool = False,
    personal_data_breach: bool = False,
    now: datetime | None = None,
) -> Incident:
    """Declare an incident, compute its response deadline, copy its escalation policy and attach its phases.

    ``personal_data_breach`` (which implies ``security``) opens the incident's breach, aware now:
    the regulator's 72-hour clock starts (:func:`breaches.services.breach_open`).

    With ``from_item`` (a checklist item flagged "problem found"), link both ways: the incident
    keeps the item and the item's run shows the incident. Check that the declarer may see
    the item's run before calling (:func:`incidents.selectors.from_item_for_user`).
    """
    rules.require(rules.may_declare(by), rules.DECLARE_DENIED)
    now = now or timezone.now()
    detected_at = detected_at or now
    errors: dict[str, str] = {}
    if problem := plausible.detected_at_problem(detected_at, now=now):
        errors["detected_at"] = problem
    detected_at = min(detected_at, now)  # a clock a little fast: detected now
    if not (title or "").strip():
        errors["title"] = "Give the incident a title."
    if from_item is not None:
        # Lock the item so two people raising from it at once cannot both succeed.
        list(RunItem.objects.select_for_update().filter(pk=from_item.pk).values_list("pk"))
    if from_item is not None and Incident.objects.filter(from_item=from_item).exists():
        errors["from_item"] = "An incident was already raised from this checklist item; open it from the checklist."
    if errors:
        raise ValidationError(errors)
    incident = Incident.objects.create(
        title=title.strip(),
        description=description,
        severity=severity,
        detected_at=detected_at,
        declared_at=now,
        declared_by=by,
        assignee=assignee,
        users_affected=users_affected,
        response_due_at=response_due_at(detected_at=detected_at, severity=severity),
        from_item=from_item,
        security=bool(security or personal_data_breach),
        personal_data_breach=bool(personal_data_breach),
        **sla_snapshot(severity),
    )
    if services:
        incident.services.set(services)
    _copy_policy(incident=incident, active=True)
    if from_item is not None:
        run_item_link_raised(item=from_item, raised=incident)
    incident_phases_attach(incident=incident, anchor=RelativeAnchor.START, at=detected_at)
    reminders_schedule(incident=incident)
    _timeline(
        incident,
        TimelineKind.DECLARED,
        by,
        f"Declared as {severity.code} {severity.name}.",
        to_value=severity.code,
        at=now,
    )
    if assignee is not None:
        _timeline(
            incident,
            TimelineKind.ASSIGNMENT,
            by,
            f"Assigned to {assignee.get_username()}.",
            to_value=assignee.get_username(),
            at=now,
        )
    if personal_data_breach:
        from breaches.services import breach_open

        breach_open(incident=incident, by=by, now=now)
    return incident


def incident_phases_attach(*, incident: Incident, anchor: str, at: datetime) -> list[ChecklistRun]:
    """Attach the response phases counted from ``anchor`` to ``incident``, each run once.

    ``anchor`` is RelativeAnchor.START (declaration: windows count from ``detected_at``) or
    RelativeAnchor.END (resolution: the post-incident review counts from ``resolved_at``).
    Idempotent: a phase that already has its run for this incident keeps it unchanged.
    """
    templates = ChecklistTemplate.objects.filter(
        attach_to=AttachTo.INCIDENT, relative_anchor=anchor, is_active=True
    ).order_by("position", "pk")
    runs = []
    for template in templates:
        opens_at = clock.after(at, timedelta(minutes=template.relative_open_minutes or 0))
        due = template.relative_due_minutes
        runs.append(
            run_create_for_subject(
                template=template,
                subject=incident,
                opens_at=opens_at,
                due_at=clock.after(at, timedelta(minutes=due)) if due is not None else None,
                without_deadline=due is None,
            )
        )
    return runs


@transaction.atomic
def incident_transition(
    *, incident: Incident, action: str, by: Any, note: str = "", now: datetime | None = None
) -> Incident:
    """Make the lifecycle transition ``action`` (see incidents.lifecycle) and return the fresh incident.

    Raise Conflict when the incident is not in a status the action starts from,
    including when someone else changed it first.
    """
    transition = BY_ACTION.get(action)
    if transition is None:
        raise ValidationError({"action": f"Unknown action {action!r}."})
    rules.require(
        rules.may_transition(by, action, incident),
        f"Only on-call engineers, managers and admins may {action} incidents.",
    )
    now = now or timezone.now()
    if (
        action == "review"
        and not PostIncidentReview.objects.filter(incident=incident, completed_at__isnull=False).exists()
    ):
        raise Conflict("Complete the post-incident review first.")
    changes: dict[str, Any] = {"status": transition.target, "updated_at": now}
    if transition.target == IncidentStatus.ACKNOWLEDGED:
        changes.update(acknowledged_at=now, acknowledged_by=by)
    elif transition.target == IncidentStatus.RESOLVED:
        changes["resolved_at"] = now
    elif transition.target == IncidentStatus.CLOSED:
        changes["closed_at"] = now
    elif action == "reopen":
        changes.update(resolved_at=None, closed_at=None)
    if transition.target == IncidentStatus.ACKNOWLEDGED:
        # Lock the acknowledge item's run before the incident, the order ticking that item takes
        # them in, so a tick and an acknowledgement at once queue instead of deadlocking.
        runs = ChecklistRun.objects.filter(pk__in=_acknowledge_items(incident).values("run_id")).order_by("pk")
        list(runs.select_for_update().values_list("pk"))
    previous = Incident.objects.filter(pk=incident.pk).values_list("status", flat=True).first()
    updated = Incident.objects.filter(pk=incident.pk, status__in=transition.source).update(**changes)
    if updated != 1:
        current = Incident.objects.select_related("acknowledged_by").get(pk=incident.pk)
        if action == "acknowledge" and current.acknowledged_by is not None:
            when = timezone.localtime(current.acknowledged_at).strftime("%H:%M:%S")
            raise Conflict(f"Already acknowledged by {current.acknowledged_by.get_username()} at {when}.")
        raise Conflict(f"Cannot {action} an incident that is {current.get_status_display().lower()}.")
    if transition.target == IncidentStatus.ACKNOWLEDGED:
        # The sweep already skips acknowledged incidents; clearing the plan keeps it honest.
        incident.escalation_steps.filter(next_due_at__isnull=False).update(next_due_at=None)
        for item in _acknowledge_items(incident).filter(done_at__isnull=True):
            run_item_record_done(item=item, by=by, at=now)
    _timeline(incident, TimelineKind.STATUS, by, note, from_value=previous or "", to_value=transition.target, at=now)
    # Whoever acknowledges an unassigned incident owns it; an assignee already chosen stays.
    if (
        transition.target == IncidentStatus.ACKNOWLEDGED
        and getattr(by, "pk", None)
        and Incident.objects.filter(pk=incident.pk, assignee__isnull=True).update(assignee=by) == 1
    ):
        username = by.get_username()
        _timeline(
            incident, TimelineKind.ASSIGNMENT, by, f"Assigned to {username} on acknowledgement.",
            to_value=username, at=now,
        )  # fmt: skip
    if transition.target == IncidentStatus.RESOLVED:
        PostIncidentReview.objects.get_or_create(
            incident=incident, defaults={"due_at": clock.after(now, REVIEW_DUE_AFTER), "owner": incident.assignee or by}
        )
        incident_phases_attach(incident=incident, anchor=RelativeAnchor.END, at=now)
    return Incident.objects.select_related("severity", "assignee", "acknowledged_by").get(pk=incident.pk)


# The phase item "Acknowledge the incident" and the acknowledgement are one fact -----------------

ACKNOWLEDGE_ITEM_PREFIX = "acknowledge the incident"


def is_acknowledge_item(text: str) -> bool:
    """Return True for the response phase item that is the incident's acknowledgement."""
    return text.strip().lower().startswith(ACKNOWLEDGE_ITEM_PREFIX)


def _phase_runs(incident: Incident) -> Any:
    content_type = ContentType.objects.get_for_model(Incident, for_concrete_model=False)
    return ChecklistRun.objects.filter(subject_content_type=content_type, subject_object_id=incident.pk)


def _acknowledge_items(incident: Incident) -> Any:
    return RunItem.objects.filter(run__in=_phase_runs(incident), text__istartswith=ACKNOWLEDGE_ITEM_PREFIX).order_by(
        "pk"
    )


def incident_phase_item_changed(*, item: RunItem, run: ChecklistRun, by: Any, done: bool, now: datetime) -> None:
    """Keep "Acknowledge the incident" and the incident's acknowledgement one fact (checklists calls this).

    1. Ticking the item acknowledges a declared incident through :func:`incident_transition`
       (its roles and its conditional UPDATE apply; the run is already locked, so the lock
       order is run → incident everywhere). An incident acknowledged already stays as it is.
    2. Unticking it is refused (409) once the incident is acknowledged: that cannot be undone.
    """
    if not is_acknowledge_item(item.text) or run.subject_object_id is None:
        return
    incident = Incident.objects.select_related("acknowledged_by").filter(pk=run.subject_object_id).first()
    if incident is None:
        return
    if done:
        if incident.status == IncidentStatus.DECLARED:
            incident_transition(
                incident=incident, action="acknowledge", by=by, note="From the response phase.", now=now
            )
        return
    if incident.acknowledged_at is not None:
        who = incident.acknowledged_by.get_username() if incident.acknowledged_by else "someone"
        when = timezone.localtime(incident.acknowledged_at).strftime("%H:%M:%S")
        raise Conflict(
            f"Incident #{incident.pk} was acknowledged by {who} at {when}; an acknowledgement cannot be undone.",
            field="item",
        )


def incident_acknowledge(*, incident: Incident, by: Any, now: datetime | None = None) -> Incident:
    return incident_transition(incident=incident, action="acknowledge", by=by, now=now)


def incident_resolve(*, incident: Incident, by: Any, note: str = "", now: datetime | None = None) -> Incident:
    return incident_transition(incident=incident, action="resolve", by=by, note=note, now=now)


@transaction.atomic
def incident_change_severity(
    *, incident: Incident, severity: Severity, by: Any, now: datetime | None = None
) -> Incident:
    """Change the severity, recompute the deadline and replace the escalation plan."""
    rules.require(rules.may_respond(by, incident), rules.RESPOND_DENIED)
    if severity.pk == incident.severity_id:
        return incident
    old_code = incident.severity.code
    due = response_due_at(detected_at=incident.detected_at, severity=severity)
    snapshot = sla_snapshot(severity)
    updated = Incident.objects.filter(pk=incident.pk, severity_id=incident.severity_id).update(
        severity=severity, response_due_at=due, updated_at=now or timezone.now(), **snapshot
    )
    if updated != 1:
        raise Conflict("Someone else changed the severity first; reload and try again.", field="severity")
    incident.severity, incident.response_due_at = severity, due
    for name, value in snapshot.items():
        setattr(incident, name, value)
    # Superseded steps stop; their notices stay as history.
    incident.escalation_steps.filter(next_due_at__isnull=False).update(next_due_at=None)
    _copy_policy(incident=incident, active=incident.status == IncidentStatus.DECLARED)
    reminders_schedule(incident=incident)
    _timeline(
        incident,
        TimelineKind.SEVERITY,
        by,
        f"Severity {old_code} → {severity.code}.",
        from_value=old_code,
        to_value=severity.code,
        at=now,
    )
    return incident


@transaction.atomic
def incident_assign(*, incident: Incident, assignee: Any, by: Any, now: datetime | None = None) -> Incident:
    """Assign the incident (or unassign it with ``assignee=None``)."""
    rules.require(rules.may_respond(by, incident), rules.RESPOND_DENIED)
    if (assignee.pk if assignee else None) == incident.assignee_id:
        return incident
    old = incident.assignee.get_username() if incident.assignee else ""
    Incident.objects.filter(pk=incident.pk).update(assignee=assignee, updated_at=now or timezone.now())
    incident.assignee = assignee
    new = assignee.get_username() if assignee else ""
    _timeline(
        incident,
        TimelineKind.ASSIGNMENT,
        by,
        f"Assigned to {new}." if new else "Unassigned.",
        from_value=old,
        to_value=new,
        at=now,
    )
    return incident


@transaction.atomic
def incident_note_add(
    *, incident: Incident, by: Any, text: str, kind: str = TimelineKind.NOTE, now: datetime | None = None
) -> TimelineEntry:
    """Append a note or a message to affected users to the timeline."""
    rules.require(
        rules.may_respond(by, incident), "Only on-call engineers, managers and admins may add to the timeline."
    )
    if kind not in (TimelineKind.NOTE, TimelineKind.MESSAGE):
        raise ValidationError({"kind": "Only notes and messages to users can be added by hand."})
    if not (text or "").strip():
        raise ValidationError({"text": "Write something."})
    return _timeline(incident, kind, by, text.strip(), at=now)


# Reviews ------------------------------------------------------------------------------------

REVIEW_FIELDS = ("summary", "root_cause", "contributing_factors", "lessons_learned", "preventive_measures")


@transaction.atomic
def review_update(
    *, review: PostIncidentReview, by: Any, complete: bool = False, now: datetime | None = None, **values: str
) -> PostIncidentReview:
    """Save the review's text; with ``complete``, mark it done and move the incident to reviewed."""
    rules.require(rules.may_edit_review(by, review), rules.REVIEW_DENIED)
    unknown = set(values) - set(REVIEW_FIELDS)
    if unknown:
        raise ValidationError({name: "Not a review field." for name in unknown})
    for name, value in values.items():
        setattr(review, name, value or "")
    if complete:
        missing = {
            name: "Needed to complete the review."
            for name in ("summary", "root_cause")
            if not getattr(review, name).strip()
        }
        if missing:
            raise ValidationError(missing)
        review.completed_at = review.completed_at or now or timezone.now()
        review.completed_by = review.completed_by or by
    review.save(update_fields=[*values, "completed_at", "completed_by", "updated_at"])
    if complete and Incident.objects.filter(pk=review.incident_id, status=IncidentStatus.RESOLVED).exists():
        incident_transition(incident=review.incident, action="review", by=by, now=now)
    return review


@transaction.atomic
def action_item_add(
    *,
    review: PostIncidentReview,
    by: Any,
    description: str,
    owner: Any = None,
    due_date: date | None = None,
    now: datetime | None = None,
) -> ActionItem:
    rules.require(rules.may_edit_review(by, review), rules.REVIEW_DENIED)
    if not (description or "").strip():
        raise ValidationError({"description": "Describe the action."})
    plausible.check_not_past(due_date, now=now or timezone.now(), field="due_date", what="due date")
    return ActionItem.objects.create(review=review, description=description.strip(), owner=owner, due_date=due_date)


def action_item_set_done(*, item: ActionItem, by: Any, done: bool = True) -> ActionItem:
    rules.require(rules.may_edit_review(by), rules.REVIEW_DENIED)
    ActionItem.objects.filter(pk=item.pk).update(done=done, done_at=timezone.now() if done else None)
    item.refresh_from_db()
    return item


# The business calendar ---------------------------------------------------------------------


def calendar_fill_holidays(*, calendar: Any, country: str, years: Sequence[int], subdivision: str | None = None) -> int:
    """Add the public holidays of ``country`` for ``years`` from the ``holidays`` package; return how many were new."""
    import holidays as holidays_package

    try:
        found = holidays_package.country_holidays(country.upper(), subdiv=subdivision, years=list(years))
    except NotImplementedError as error:
        raise ValidationError({"country": f"The holidays package does not know country {country!r}."}) from error
    # Remember the country (with history), so the daily roll-forward keeps the holidays coming.
    if not calendar.country:
        calendar.country, calendar.subdivision = country.upper(), subdivision or ""
        calendar.save(update_fields=["country", "subdivision"])
    # One insert per holiday (not a bulk insert) so each new row gets its history entry.
    return sum(
        insert_once(Holiday, calendar=calendar, date=day, defaults={"name": str(name)[:120]})[1]
        for day, name in sorted(found.items())
    )


def calendars_roll_holidays_forward(*, today: date | None = None) -> int:
    """Add this year's and next year's public holidays to every calendar with a country; return how many were new.

    Idempotent (a holiday is unique per calendar and date), so beat runs it daily: next
    year's holidays are in place all year, and a run that beat missed costs nothing.
    """
    year = (today or clock.local_today()).year
    added = 0
    for calendar in BusinessCalendar.objects.exclude(country="").order_by("pk"):
        added += calendar_fill_holidays(
            calendar=calendar,
            country=calendar.country,
            years=[year, year + 1],
            subdivision=calendar.subdivision or None,
        )
    return added


# The SLA sweep --------------------------------------------------------------------------------


@dataclass
class SweepResult:
    reminders: int = 0
    review_reminders: int = 0
    notified: list[str] = field(default_factory=list)


def _claim(queryset: Any) -> Any:
    """Lock the rows for this transaction; on PostgreSQL skip rows another sweep holds."""
    if connection.vendor == "postgresql":
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset  # SQLite serialises writers: the transaction is the lock.


def _oncall_users() -> list[Any]:
    return escalation.oncall_engineers()


def _next_due(step: IncidentEscalationStep, round_sent: int, now: datetime) -> datetime | None:
    """Return when the next round is due, or None after the last one.

    A sweep that ran late (workers down) sends one catch-up round, not a burst of them.
    """
    if not step.repeat_every_minutes or round_sent > step.max_repeats:
        return None
    assert step.next_due_at is not None  # the sweep takes only steps that are due
    interval = timedelta(minutes=step.repeat_every_minutes)
    candidate = clock.after(step.next_due_at, interval)
    return candidate if candidate > now else clock.after(now, interval)


def reminder_schedule(*, incident_id: int, due_at: datetime) -> None:
    """After commit, queue the task that sends ``incident_id``'s reminders due at ``due_at``.

    The task waits in the worker (a countdown, at most :data:`REMINDER_WAIT_MAX`) and runs
    :func:`incident_reminders_send`; the outbox keeps it exactly once beside the sweep. A broker
    that is down loses nothing: the on-commit hook only logs, and the sweep sends the reminder.
    """
    from incidents.tasks import send_due_reminders

    if not settings.INCIDENT_REMINDER_TASKS:
        return

    def enqueue() -> None:
        wait = min(clock.to_utc(due_at) - clock.to_utc(clock.now()), REMINDER_WAIT_MAX).total_seconds()
        send_due_reminders.apply_async(
            kwargs={"incident_id": incident_id, "due_at": due_at.isoformat()}, countdown=max(0.0, wait)
        )

    transaction.on_commit(enqueue, robust=True)


def reminders_schedule(*, incident: Incident) -> None:
    """Queue one task per distinct due moment of ``incident``'s active escalation steps."""
    moments = set(incident.escalation_steps.filter(next_due_at__isnull=False).values_list("next_due_at", flat=True))
    for due_at in sorted(moment for moment in moments if moment is not None):
        reminder_schedule(incident_id=incident.pk, due_at=due_at)


def incident_reminders_send(*, incident_id: int, now: datetime | None = None) -> SweepResult:
    """Send ``incident_id``'s due escalation reminders now, exactly once (the scheduled task's work).

    The same claim and outbox as :func:`sla_sweep`: an acknowledged incident, or a round the
    sweep (or another task) already sent, sends nothing.
    """
    now = now or timezone.now()
    result = SweepResult()
    with transaction.atomic():
        due = _claim(
            IncidentEscalationStep.objects.filter(
                incident_id=incident_id, next_due_at__lte=now, incident__status=IncidentStatus.DECLARED
            )
            .select_related("incident", "incident__severity", "incident__assignee", "group", "user", "schedule")
            .order_by("next_due_at", "pk")
        )
        for step in due:
            _escalate(step, now, result)
    return result


def sla_sweep(*, now: datetime | None = None) -> SweepResult:
    """Send every due escalation and review reminder exactly once.

    1. In one transaction, claim due steps of unacknowledged incidents (skip_locked on PostgreSQL).
    2. For each: write its EscalationNotice (unique per incident, step, round) before anything else.
    3. Create the in-app notifications (mailed after commit) and advance the step to its next round.
    4. Do the same for overdue reviews and overdue action items, once each.
    """
    now = now or timezone.now()
    result = SweepResult()
    with transaction.atomic():
        due = _claim(
            IncidentEscalationStep.objects.filter(next_due_at__lte=now, incident__status=IncidentStatus.DECLARED)
            .select_related("incident", "incident__severity", "incident__assignee", "group", "user", "schedule")
            .order_by("next_due_at", "pk")
        )[:SWEEP_BATCH]
        for step in due:
            _escalate(step, now, result)
    with transaction.atomic():
        _remind_reviews(now, result)
    return result


def _escalate(step: IncidentEscalationStep, now: datetime, result: SweepResult) -> None:
    incident = step.incident
    round_number = step.rounds_sent + 1
    next_due = _next_due(step, round_number, now)
    advanced = IncidentEscalationStep.objects.filter(pk=step.pk, rounds_sent=step.rounds_sent).update(
        rounds_sent=round_number, next_due_at=next_due
    )
    if advanced != 1:
        return  # another sweep advanced this step first
    if next_due is not None:
        reminder_schedule(incident_id=incident.pk, due_at=next_due)
    _notice, created = insert_once(
        EscalationNotice,
        incident=incident,
        step=step,
        round=round_number,
        defaults={"due_at": step.next_due_at, "created_at": now},
    )
    if not created:
        return  # another sweep sent this round
    # The round's due time, not the sweep's: the dry run showed who is paged at that time.
    recipients = escalation.audience(step, at=step.next_due_at or now)
    key = f"incident-{incident.pk}-step-{step.pk}-round-{round_number}"
    late = timefmt.duration(now - incident.response_due_at)
    subject = f"{incident.severity.code} not acknowledged: {incident.title}"
    body = (
        f"Incident #{incident.pk} ({incident.severity.code} {incident.severity.name}) is not acknowledged; "
        f"its response deadline passed {late} ago. Reminder {round_number} to {step.audience_text()}."
    )
    # A step that pages a schedule also posts to that schedule's webhook endpoints.
    schedule = step.schedule if step.target in escalation.SCHEDULE_TARGETS else None
    notification_send(
        recipients=recipients,
        key=key,
        subject=subject,
        body=body,
        link=incident.get_absolute_url(),
        schedule=schedule,
    )
    EscalationNotice.objects.filter(incident=incident, step=step, round=round_number).update(
        recipient_count=len(recipients)
    )
    _timeline(
        incident,
        TimelineKind.ESCALATION,
        None,
        f"Reminder {round_number} sent to {step.audience_text()} ({len(recipients)} people).",
        at=now,
    )
    result.reminders += 1
    result.notified.append(key)


def _remind_reviews(now: datetime, result: SweepResult) -> None:
    reviews = _claim(
        PostIncidentReview.objects.filter(completed_at__isnull=True, due_at__lte=now)
        .exclude(pk__in=ReviewReminder.objects.filter(review__isnull=False).values("review_id"))
        .select_related("incident", "owner", "incident__assignee")
    )[:SWEEP_BATCH]
    for review in reviews:
        if not insert_once(ReviewReminder, review=review, defaults={"created_at": now})[1]:
            continue
        owner = review.owner or review.incident.assignee
        key = f"incident-{review.incident_id}-review-overdue"
        notification_send(
            recipients=[owner] if owner else _oncall_users(), key=key,
            subject=f"Post-incident review overdue: {review.incident.title}",
            body=f"The review of incident #{review.incident_id} was due {when_text(review.due_at)}.",
            link=review.incident.get_absolute_url(),
        )  # fmt: skip
        result.review_reminders += 1
        result.notified.append(key)
    today = clock.local_date(now)
    items = _claim(
        ActionItem.objects.filter(done=False, due_date__lt=today, owner__isnull=False)
        .exclude(pk__in=ReviewReminder.objects.filter(action_item__isnull=False).values("action_item_id"))
        .select_related("review", "owner")
    )[:SWEEP_BATCH]
    for item in items:
        if not insert_once(ReviewReminder, action_item=item, defaults={"created_at": now})[1]:
            continue
        key = f"incident-{item.review.incident_id}-action-{item.pk}-overdue"
        notification_send(
            recipients=[item.owner], key=key, subject=f"Action item overdue: {item.description[:120]}",
            body=f"Due {when_text(item.due_date)}, from the review of incident #{item.review.incident_id}.",
            link=f"/incidents/{item.review.incident_id}/",
        )  # fmt: skip
        result.review_reminders += 1
        result.notified.append(key)
