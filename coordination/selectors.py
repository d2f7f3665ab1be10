"""Reads of team coordination: meetings (held and coming), the skills matrix, vendors, Today's items."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from coordination import cadence, rules
from coordination.models import Meeting, MeetingActionItem, MeetingSchedule, Skill, SkillFlag, Vendor
from coordination.services import MINIMUM_TRAINED, holidays_between, is_current, meeting_starts_at
from opsportal import clock

UPCOMING_DAYS = 14


def meeting_for_user(user: Any, pk: int) -> Meeting:
    """Return the meeting ``pk`` or raise PermissionDenied/Http404."""
    rules.require(rules.may_view(user), rules.VIEW_REFUSAL)
    meeting = Meeting.objects.select_related("schedule", "minutes_by").filter(pk=pk).first()
    if meeting is None:
        raise Http404("There is no such meeting.")
    return meeting


def meetings_held(*, before: datetime | None = None) -> QuerySet[Meeting]:
    """Return the meetings opened so far, newest first (optionally those starting before ``before``)."""
    queryset = Meeting.objects.order_by("-starts_at", "-pk")
    return queryset.filter(starts_at__lt=before) if before is not None else queryset


def meetings_between(start: date, end: date) -> QuerySet[Meeting]:
    """Return the meetings on local dates ``start`` to ``end`` (both included), by start."""
    return Meeting.objects.filter(date__gte=start, date__lte=end).order_by("starts_at", "pk")


@dataclass(frozen=True)
class Upcoming:
    """A meeting still to start: opened (``meeting``) or only scheduled."""

    schedule: MeetingSchedule
    day: date
    starts_at: datetime
    meeting: Meeting | None = None


def meetings_upcoming(*, now: datetime, days: int = UPCOMING_DAYS) -> list[Upcoming]:
    """Return the meetings starting from ``now`` over the next ``days`` days, opened or not, by start.

    Three queries: the schedules, the holidays, the meetings already opened in the window.
    """
    today = clock.local_date(now)
    end = today + timedelta(days=days)
    schedules = list(MeetingSchedule.objects.filter(is_active=True))
    holidays = holidays_between(today, end)
    opened = {(m.schedule_id, m.date): m for m in Meeting.objects.filter(date__gte=today, date__lte=end)}
    rows = []
    for schedule in schedules:
        for day in cadence.meeting_dates(today, end, schedule.kind, weekday=schedule.weekday, holidays=holidays):
            starts_at = meeting_starts_at(schedule, day)
            if starts_at < now:
                continue
            rows.append(Upcoming(schedule, day, starts_at, opened.get((schedule.pk, day))))
    return sorted(rows, key=lambda row: (row.starts_at, row.schedule.pk))


def open_action_items_for(user: Any) -> list[MeetingActionItem]:
    """Return the user's open meeting action items, soonest due first (one query)."""
    return list(
        MeetingActionItem.objects.select_related("meeting")
        .filter(owner=user, done_at=None)
        .order_by("due_date", "pk")[:10]
    )


@dataclass
class ServiceRow:
    """One service of the skills matrix: who is trained, until when, and whether it is flagged."""

    service: Any
    skills: list[Skill] = field(default_factory=list)
    current: int = 0
    expiring: int = 0

    @property
    def understaffed(self) -> bool:
        return self.current < MINIMUM_TRAINED


def skills_matrix(*, today: date) -> list[ServiceRow]:
    """Return every service with its skills (two queries), each skill marked current or not."""
    from incidents.models import Service

    rows = {service.pk: ServiceRow(service) for service in Service.objects.order_by("name")}
    for skill in Skill.objects.select_related("user").filter(user__is_active=True).order_by("user__username"):
        row = rows.get(skill.service_id)
        if row is None:
            continue
        skill.is_current = is_current(skill, today)  # type: ignore[attr-defined]
        skill.is_expiring = bool(  # type: ignore[attr-defined]
            skill.is_current and skill.expires_on and skill.expires_on <= today + timedelta(days=30)  # type: ignore[attr-defined]
        )
        row.skills.append(skill)
        row.current += skill.is_current  # type: ignore[attr-defined]
        row.expiring += skill.is_expiring  # type: ignore[attr-defined]
    return list(rows.values())


def open_flags() -> QuerySet[SkillFlag]:
    """Return the flags whose episode is open, newest first."""
    return SkillFlag.objects.select_related("service", "user").filter(closed_at=None).order_by("kind", "-opened_at")


def vendor_list() -> QuerySet[Vendor]:
    """Return the vendors with their services, by name (two queries)."""
    return Vendor.objects.prefetch_related("services").order_by("name")


def vendor_for_user(user: Any, pk: int) -> Vendor:
    """Return the vendor ``pk`` or raise PermissionDenied/Http404."""
    rules.require(rules.may_view(user), rules.VIEW_REFUSAL)
    vendor = Vendor.objects.filter(pk=pk).first()
    if vendor is None:
        raise Http404("There is no such vendor.")
    return vendor
