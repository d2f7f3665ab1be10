"""Writes of team coordination: open meetings with their agenda, minutes, action items, skills, vendors.

Exactly once (the outbox idiom): a meeting is a row unique per schedule and date, written with
its agenda in one insert (``insert_once``), so a second sweep finds it and never rebuilds the
agenda. Reminders and flags are rows too — a ``Notice`` per key, a ``SkillFlag`` per open
episode — written before the notification, so nobody is told twice.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction

from coordination import agenda, cadence, rules
from coordination.models import (
    FlagKind,
    Meeting,
    MeetingActionItem,
    MeetingKind,
    MeetingSchedule,
    Notice,
    ScheduleCoverage,
    Skill,
    SkillFlag,
    Vendor,
)
from opsportal import clock
from opsportal.errors import Conflict
from opsportal.models import ImportedRecord
from opsportal.notifications import notification_send
from opsportal.outbox import insert_once
from opsportal.procedures.provenance import current_session
from opsportal.procedures.registry import LoadResult
from opsportal.roles import Role

# A meeting opens (and its agenda is built) this long before it starts.
OPEN_LEAD = timedelta(hours=1)
# Skills and contracts are reminded this many days before they end.
REMIND_DAYS_BEFORE = 30
# On-call shifts starting within this many days are checked for missing skills.
SHIFT_LOOKAHEAD = timedelta(days=14)
MINIMUM_TRAINED = 2
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2099, 12, 31)


def holidays_between(start: date, end: date) -> set[date]:
    """Return the holidays of the default business calendar in ``[start, end]`` (one query)."""
    from incidents.models import Holiday

    return set(
        Holiday.objects.filter(calendar__is_default=True, date__gte=start, date__lte=end).values_list("date", flat=True)
    )


def managers() -> list[Any]:
    """Return the active managers."""
    return list(get_user_model().objects.filter(groups__name=Role.MANAGER.value, is_active=True).distinct())


# Meetings ------------------------------------------------------------------------------------


def meeting_starts_at(schedule: MeetingSchedule, day: date) -> datetime:
    """Return the UTC instant the schedule's meeting on ``day`` starts (its local time of day)."""
    return clock.to_utc(datetime.combine(day, schedule.time_of_day, tzinfo=clock.portal_zone()))


def _standup_since(schedule: MeetingSchedule, day: date, now: datetime) -> datetime:
    """Return when the previous standup started: the one held, else the one the cadence names."""
    previous = Meeting.objects.filter(schedule=schedule, date__lt=day).order_by("-date").first()
    if previous is not None:
        return previous.starts_at
    holidays = holidays_between(day - timedelta(days=30), day)
    last = cadence.previous_meeting_date(day, schedule.kind, weekday=schedule.weekday, holidays=holidays)
    return meeting_starts_at(schedule, last) if last is not None else clock.before(now, timedelta(days=1))


def build_agenda(schedule: MeetingSchedule, day: date, now: datetime) -> dict[str, Any]:
    """Return the agenda of the schedule's meeting on ``day``, from the data as it is at ``now``."""
    if schedule.kind == MeetingKind.STANDUP:
        return agenda.standup_agenda(day=day, now=now, since=_standup_since(schedule, day, now))
    if schedule.kind == MeetingKind.WEEKLY:
        return agenda.weekly_agenda(day=day, now=now)
    if schedule.kind == MeetingKind.MONTHLY:
        return agenda.monthly_agenda(day=day, now=now)
    return agenda.quarterly_agenda(day=day, now=now)


def meeting_open(*, schedule: MeetingSchedule, day: date, now: datetime | None = None) -> tuple[Meeting, bool]:
    """Open the schedule's meeting on ``day`` with its agenda; return it and whether this call opened it.

    1. An existing meeting is returned untouched: its agenda is a snapshot.
    2. Otherwise the agenda is built and the row inserted at most once (unique per schedule
       and date); a concurrent opener loses the insert and returns the winner's row.
    """
    now = now or clock.now()
    existing = Meeting.objects.filter(schedule=schedule, date=day).first()
    if existing is not None:
        return existing, False
    starts_at = meeting_starts_at(schedule, day)
    snapshot = build_agenda(schedule, day, now)
    return insert_once(
        Meeting,
        schedule=schedule,
        date=day,
        defaults={
            "kind": schedule.kind,
            "name": schedule.name,
            "starts_at": starts_at,
            "ends_at": clock.after(starts_at, timedelta(minutes=schedule.duration_minutes)),
            "opened_at": now,
            "agenda": snapshot,
        },
    )


def meetings_open_due(*, now: datetime | None = None) -> list[Meeting]:
    """Open today's meetings whose opening time (``OPEN_LEAD`` before the start) has passed; return the new ones."""
    now = now or clock.now()
    today = clock.local_date(now)
    holidays = holidays_between(today, today)
    opened = []
    for schedule in MeetingSchedule.objects.filter(is_active=True):
        if not cadence.meets_on(today, schedule.kind, weekday=schedule.weekday, holidays=holidays):
            continue
        if clock.before(meeting_starts_at(schedule, today), OPEN_LEAD) > now:
            continue
        meeting, created = meeting_open(schedule=schedule, day=today, now=now)
        if created:
            opened.append(meeting)
    return opened


def meeting_schedules_retire(*, keep: set[str]) -> LoadResult:
    """Deactivate the schedules the running import's loader made before and the document no longer lists.

    Their meetings are kept; a later import that lists the cadence again reactivates the schedule.
    """
    session = current_session()
    result = LoadResult()
    content_type = ContentType.objects.get_for_model(MeetingSchedule)
    gone = ImportedRecord.objects.filter(
        loader=session.loader, content_type=content_type, retired_at__isnull=True
    ).exclude(source_key__in=keep)
    for record in gone.order_by("source_key"):
        if MeetingSchedule.objects.filter(pk=record.object_id, is_active=True).update(is_active=False) == 1:
            result.deactivated.append(f"meeting schedule {record.source_key} (no longer in “{record.heading}”)")
        ImportedRecord.objects.filter(pk=record.pk).update(retired_at=session.now)
    return result


def meeting_schedule_reactivate(*, source_key: str) -> None:
    """Reactivate the schedule of ``source_key`` if an earlier import retired it."""
    record = ImportedRecord.objects.filter(source_key=source_key, retired_at__isnull=False).first()
    if record is not None:
        MeetingSchedule.objects.filter(pk=record.object_id).update(is_active=True)
        ImportedRecord.objects.filter(pk=record.pk).update(retired_at=None)


def meeting_minutes_save(*, meeting: Meeting, by: Any, minutes: str) -> Meeting:
    """Save the meeting's minutes, written by an attendee who may write them."""
    rules.require(rules.may_write_minutes(by), rules.MINUTES_REFUSAL)
    Meeting.objects.filter(pk=meeting.pk).update(minutes=minutes, minutes_by=by, minutes_updated_at=clock.now())
    meeting.refresh_from_db()
    return meeting


def meeting_action_add(*, meeting: Meeting, by: Any, description: str, owner: Any, due_date: date) -> MeetingActionItem:
    """Add an action item with an owner and a due date to the meeting."""
    rules.require(rules.may_write_minutes(by), rules.MINUTES_REFUSAL)
    errors: dict[str, str] = {}
    if not description.strip():
        errors["description"] = "Say what is to be done."
    if owner is None or not owner.is_active or not rules.may_view(owner):
        errors["owner"] = "The owner must be an active user with a portal role."
    if not EARLIEST_DATE <= due_date <= LATEST_DATE:
        errors["due_date"] = "Give a due date between 2000 and 2099."
    elif due_date < meeting.date:
        errors["due_date"] = "The due date cannot be before the meeting."
    if errors:
        raise ValidationError(errors)
    return MeetingActionItem.objects.create(
        meeting=meeting,
        description=description.strip()[:300],
        owner=owner,
        due_date=due_date,
        created_by=by,
        created_at=clock.now(),
    )


def meeting_action_done(*, item: MeetingActionItem, by: Any) -> MeetingActionItem:
    """Mark the action item done; a second attempt is a conflict."""
    rules.require(rules.may_complete_action(by, item), rules.DONE_REFUSAL)
    if MeetingActionItem.objects.filter(pk=item.pk, done_at=None).update(done_at=clock.now()) != 1:
        raise Conflict("This action item is already done.", field="done")
    item.refresh_from_db()
    return item


def meeting_actions_remind_due(*, now: datetime | None = None) -> int:
    """Remind each owner of an open action item on its due date, exactly once; return how many were sent."""
    now = now or clock.now()
    today = clock.local_date(now)
    sent = 0
    due = MeetingActionItem.objects.select_related("owner", "meeting").filter(done_at=None, due_date__lte=today)
    for item in due:
        with transaction.atomic():
            _notice, created = insert_once(Notice, key=f"meeting-action:{item.pk}:due")
            if not created:
                continue
            notification_send(
                recipients=[item.owner],
                key=f"coordination.meeting-action.{item.pk}",
                subject=f"Action item due: {item.description}"[:200],
                body=f"From {item.meeting.name} on {item.meeting.date:%d %b %Y}; due {item.due_date:%d %b %Y}.",
                link=item.meeting.get_absolute_url(),
            )
            sent += 1
    return sent


# Skills --------------------------------------------------------------------------------------


def _validate_skill_dates(trained_on: date, expires_on: date | None) -> None:
    errors: dict[str, str] = {}
    if not EARLIEST_DATE <= trained_on <= LATEST_DATE:
        errors["trained_on"] = "Give a training date between 2000 and 2099."
    if expires_on is not None:
        if not EARLIEST_DATE <= expires_on <= LATEST_DATE:
            errors["expires_on"] = "Give an expiry date between 2000 and 2099."
        elif expires_on <= trained_on:
            errors["expires_on"] = "The expiry date must be after the training date."
    if errors:
        raise ValidationError(errors)


def skill_save(
    *,
    by: Any,
    user: Any,
    service: Any,
    trained_on: date,
    expires_on: date | None,
    notes: str = "",
    runbook: Any = None,
) -> Skill:
    """Record that ``user`` is trained on ``service`` (and on ``runbook``, a knowledge page, if given)."""
    rules.require(rules.may_edit_register(by), rules.EDIT_REFUSAL)
    _validate_skill_dates(trained_on, expires_on)
    skill, _created = Skill.objects.update_or_create(
        user=user,
        service=service,
        defaults={"trained_on": trained_on, "expires_on": expires_on, "notes": notes[:300], "runbook": runbook},
    )
    return skill


def skill_delete(*, by: Any, skill: Skill) -> None:
    """Remove a skill record."""
    rules.require(rules.may_edit_register(by), rules.EDIT_REFUSAL)
    skill.delete()


def is_current(skill: Skill, day: date) -> bool:
    """Return True when the skill holds on ``day``: trained by then and not yet expired."""
    return skill.trained_on <= day and (skill.expires_on is None or skill.expires_on > day)


def current_flags(now: datetime) -> dict[str, dict[str, Any]]:
    """Return the flags that hold at ``now``, by subject: understaffed services and on-call shifts lacking a skill."""
    from incidents.models import Service
    from oncall import selectors as oncall_selectors

    today = clock.local_date(now)
    services = list(Service.objects.order_by("name"))
    skills = list(Skill.objects.select_related("user").filter(user__is_active=True))
    flags: dict[str, dict[str, Any]] = {}
    for service in services:
        trained = [s for s in skills if s.service_id == service.pk and is_current(s, today)]
        if len(trained) < MINIMUM_TRAINED:
            flags[f"{FlagKind.UNDERSTAFFED}:{service.pk}"] = {
                "kind": FlagKind.UNDERSTAFFED,
                "service": service,
                "schedule": None,
                "user": None,
                "shift_start": None,
                "detail": f"{service.name}: {len(trained)} trained (at least {MINIMUM_TRAINED} needed).",
            }
    end = clock.after(now, SHIFT_LOOKAHEAD)
    coverage = {
        row.schedule_id: {service.pk for service in row.services.all()}
        for row in ScheduleCoverage.objects.prefetch_related("services")
    }
    every_service = {service.pk for service in services}
    for schedule in oncall_selectors.schedules():
        covered = [service for service in services if service.pk in coverage.get(schedule.pk, every_service)]
        # One flag per person and schedule (not per shift): their first shift lacking a skill names it.
        first_gap: dict[int, tuple[Any, Any, list[str]]] = {}
        for shift in oncall_selectors.shifts_between(schedule, now, end):
            if shift.start <= now or shift.user.pk in first_gap:
                continue  # a shift under way (clipped to now) was flagged before it began
            day = clock.local_date(shift.start)
            held = {s.service_id for s in skills if s.user_id == shift.user.pk and is_current(s, day)}
            missing = [service.name for service in covered if service.pk not in held]
            if missing:
                first_gap[shift.user.pk] = (shift.user, shift, missing)
        for user, shift, missing in first_gap.values():
            local_start = shift.start.astimezone(clock.portal_zone())
            flags[f"{FlagKind.SHIFT_GAP}:{schedule.pk}:{user.pk}"] = {
                "kind": FlagKind.SHIFT_GAP,
                "service": None,
                "schedule": schedule,
                "user": user,
                "shift_start": shift.start,
                "detail": (
                    f"{user.get_username()} is {shift.role} on {schedule.name} from "
                    f"{local_start:%a %d %b %H:%M} without a current skill on {', '.join(missing)}."
                )[:300],
            }
    return flags


def skill_flags_sweep(*, now: datetime | None = None) -> tuple[int, int]:
    """Open a flag episode for each new flag (telling the managers once) and close those that cleared.

    Return (opened, closed).
    """
    now = now or clock.now()
    flags = current_flags(now)
    opened = 0
    recipients = None
    for subject, flag in flags.items():
        with transaction.atomic():
            row, created = insert_once(
                SkillFlag,
                subject=subject,
                closed_at=None,
                defaults={
                    "kind": flag["kind"],
                    "service": flag["service"],
                    "schedule": flag["schedule"],
                    "user": flag["user"],
                    "shift_start": flag["shift_start"],
                    "detail": flag["detail"],
                    "opened_at": now,
                },
            )
            if not created:
                continue
            recipients = managers() if recipients is None else recipients
            notification_send(
                recipients=recipients,
                key=f"coordination.skill-flag.{row.pk}",
                subject=f"Skills gap: {row.detail}"[:200],
                body=row.detail,
                link="/skills/",
            )
            opened += 1
    closed = SkillFlag.objects.filter(closed_at=None).exclude(subject__in=list(flags)).update(closed_at=now)
    return opened, closed


def skills_remind_expiring(*, now: datetime | None = None) -> int:
    """Remind the person and the managers of each skill expiring within 30 days, once per expiry date."""
    now = now or clock.now()
    today = clock.local_date(now)
    expiring = Skill.objects.select_related("user", "service").filter(
        expires_on__gte=today, expires_on__lte=today + timedelta(days=REMIND_DAYS_BEFORE), user__is_active=True
    )
    sent = 0
    recipients = None
    for skill in expiring:
        assert skill.expires_on is not None
        with transaction.atomic():
            _notice, created = insert_once(Notice, key=f"skill-expiry:{skill.pk}:{skill.expires_on.isoformat()}")
            if not created:
                continue
            recipients = managers() if recipients is None else recipients
            notification_send(
                recipients=[skill.user, *recipients],
                key=f"coordination.skill-expiry.{skill.pk}.{skill.expires_on.isoformat()}",
                subject=f"Skill expiring: {skill.user.get_username()} on {skill.service.name}"[:200],
                body=f"The {skill.service.name} skill of {skill.user.get_username()} expires on "
                f"{skill.expires_on:%d %b %Y}: plan a refresher.",
                link="/skills/",
            )
            sent += 1
    return sent


# Vendors -------------------------------------------------------------------------------------


def vendor_save(*, by: Any, vendor: Vendor | None = None, services: Any = None, **fields: Any) -> Vendor:
    """Create the vendor, or update ``vendor``, with ``fields`` and ``services``."""
    rules.require(rules.may_edit_register(by), rules.EDIT_REFUSAL)
    contract_end = fields.get("contract_end")
    if contract_end is not None and not EARLIEST_DATE <= contract_end <= LATEST_DATE:
        raise ValidationError({"contract_end": "Give a contract end between 2000 and 2099."})
    duplicate = Vendor.objects.filter(name__iexact=fields.get("name", ""))
    if vendor is not None:
        duplicate = duplicate.exclude(pk=vendor.pk)
    if "name" in fields and duplicate.exists():
        raise ValidationError({"name": "A vendor of this name is already registered."})
    with transaction.atomic():
        if vendor is None:
            vendor = Vendor.objects.create(**fields)
        else:
            for name, value in fields.items():
                setattr(vendor, name, value)
            vendor.save()
        if services is not None:
            vendor.services.set(services)
    return vendor


def vendor_link_incident(*, vendor: Vendor, incident: Any, by: Any) -> None:
    """Link the vendor to the incident (idempotent)."""
    rules.require(rules.may_link_incident(by), rules.LINK_REFUSAL)
    vendor.incidents.add(incident)


def vendor_unlink_incident(*, vendor: Vendor, incident: Any, by: Any) -> None:
    """Remove the link between the vendor and the incident."""
    rules.require(rules.may_link_incident(by), rules.LINK_REFUSAL)
    vendor.incidents.remove(incident)


def vendors_remind_contract_end(*, now: datetime | None = None) -> int:
    """Remind the managers of each contract ending within 30 days, exactly once per contract end."""
    now = now or clock.now()
    today = clock.local_date(now)
    ending = Vendor.objects.filter(
        contract_end__gte=today, contract_end__lte=today + timedelta(days=REMIND_DAYS_BEFORE)
    ).order_by("contract_end", "pk")
    sent = 0
    recipients = None
    for vendor in ending:
        assert vendor.contract_end is not None
        with transaction.atomic():
            _notice, created = insert_once(Notice, key=f"vendor-contract:{vendor.pk}:{vendor.contract_end.isoformat()}")
            if not created:
                continue
            recipients = managers() if recipients is None else recipients
            notification_send(
                recipients=recipients,
                key=f"coordination.vendor-contract.{vendor.pk}.{vendor.contract_end.isoformat()}",
                subject=f"Contract ending: {vendor.name} on {vendor.contract_end:%d %b %Y}"[:200],
                body=f"The contract with {vendor.name} ends on {vendor.contract_end:%d %b %Y}: renew or replace it.",
                link="/vendors/",
            )
            sent += 1
    return sent


def coordination_reminders(*, now: datetime | None = None) -> dict[str, int]:
    """Run the skills and vendor sweeps once; return what each did."""
    now = now or clock.now()
    opened, closed = skill_flags_sweep(now=now)
    return {
        "flags_opened": opened,
        "flags_closed": closed,
        "skills_reminded": skills_remind_expiring(now=now),
        "contracts_reminded": vendors_remind_contract_end(now=now),
    }
