"""Every write of the breaches app: flags on incidents, breaches, notifications and reminders.

Errors: ``ValidationError`` with a dict naming the field, ``PermissionDenied`` with a message,
``Conflict`` when someone else recorded the notification first (409).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from breaches import rules
from breaches.models import NOTIFY_WITHIN, REMINDER_HOURS, Breach, BreachReminder
from incidents.models import Incident, TimelineEntry, TimelineKind
from opsportal import clock
from opsportal.errors import Conflict
from opsportal.notifications import notification_send
from opsportal.outbox import insert_once
from opsportal.roles import Role

TEXT_MAX = 5000
CATEGORIES_MAX = 500
PEOPLE_MAX = 1_000_000_000
REFERENCE_MAX = 200
SWEEP_BATCH = 200


def deadline_for(aware_at: datetime) -> datetime:
    """Return the regulator's deadline: 72 real hours after ``aware_at`` (a UTC instant)."""
    return clock.after(aware_at, NOTIFY_WITHIN)


def _note(incident: Incident, by: Any, text: str, at: datetime) -> None:
    TimelineEntry.objects.create(
        incident=incident, kind=TimelineKind.NOTE, author=by if getattr(by, "pk", None) else None, text=text,
        created_at=at,
    )  # fmt: skip


def _clean_details(
    *, what_happened: str, categories: str, people_affected: int | None, errors: dict[str, str]
) -> dict[str, Any]:
    what_happened, categories = (what_happened or "").strip(), (categories or "").strip()
    if len(what_happened) > TEXT_MAX:
        errors["what_happened"] = f"Keep it to {TEXT_MAX} characters (this has {len(what_happened)})."
    if len(categories) > CATEGORIES_MAX:
        errors["categories"] = f"Keep the categories to {CATEGORIES_MAX} characters (these have {len(categories)})."
    if people_affected is not None and not 0 <= people_affected <= PEOPLE_MAX:
        errors["people_affected"] = f"Give a number from 0 to {PEOPLE_MAX:,}."
    return {"what_happened": what_happened, "categories": categories, "people_affected": people_affected}


def _check_aware_at(aware_at: datetime, *, now: datetime, errors: dict[str, str]) -> None:
    if aware_at.tzinfo is None:
        errors["aware_at"] = "Give a time with its zone."
    elif aware_at > now:
        errors["aware_at"] = "The team cannot have become aware of the breach in the future."


@transaction.atomic
def incident_flags_set(
    *,
    incident: Incident,
    by: Any,
    security: bool,
    personal_data_breach: bool,
    aware_at: datetime | None = None,
    what_happened: str = "",
    categories: str = "",
    people_affected: int | None = None,
    now: datetime | None = None,
) -> Incident:
    """Set ``incident``'s "security" and "personal data breach" flags; a breach starts its clock.

    1. Only incident responders flag (``rules.may_flag``).
    2. Flagging "personal data breach" opens the incident's Breach once (aware now unless
       ``aware_at`` says earlier); a recorded breach stays in the register, so the flag cannot be
       taken off again (error on ``personal_data_breach``).
    3. Each flag that changed goes on the incident's timeline.
    """
    rules.require(rules.may_flag(by), rules.FLAG_REFUSAL)
    now = now or timezone.now()
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if locked.personal_data_breach and not personal_data_breach:
        raise ValidationError(
            {
                "personal_data_breach": "This incident's breach is in the breach register; the flag stays. "
                "Record what happened on the breach instead."
            }
        )
    changed = []
    if locked.security != security:
        changed.append(f"security {'on' if security else 'off'}")
    if not locked.personal_data_breach and personal_data_breach:
        changed.append("personal data breach on")
    if personal_data_breach:
        breach_open(
            incident=locked, by=by, aware_at=aware_at, what_happened=what_happened, categories=categories,
            people_affected=people_affected, now=now,
        )  # fmt: skip
    Incident.objects.filter(pk=locked.pk).update(
        security=security or personal_data_breach, personal_data_breach=personal_data_breach, updated_at=now
    )
    if changed:
        _note(locked, by, "Flagged: " + ", ".join(changed) + ".", now)
    return Incident.objects.get(pk=locked.pk)


def breach_open(
    *,
    incident: Incident,
    by: Any,
    aware_at: datetime | None = None,
    what_happened: str = "",
    categories: str = "",
    people_affected: int | None = None,
    now: datetime | None = None,
) -> Breach:
    """Return ``incident``'s breach, creating it once (its clock starts at ``aware_at``, default now).

    Call inside the transaction that flags the incident (``incident_flags_set``,
    ``incidents.services.incident_declare``). A second call returns the existing breach unchanged.
    """
    now = now or timezone.now()
    existing = Breach.objects.filter(incident=incident).first()
    if existing is not None:
        return existing
    errors: dict[str, str] = {}
    aware_at = aware_at or now
    _check_aware_at(aware_at, now=now, errors=errors)
    details = _clean_details(
        what_happened=what_happened, categories=categories, people_affected=people_affected, errors=errors
    )
    if errors:
        raise ValidationError(errors)
    breach, created = insert_once(
        Breach,
        incident=incident,
        defaults={
            "aware_at": clock.to_utc(aware_at), "deadline_at": deadline_for(aware_at), "created_by": by,
            "created_at": now, **details,
        },
    )  # fmt: skip
    if created:
        _note(
            incident, by,
            f"Personal data breach: notify the regulator by {breach.deadline_at:%Y-%m-%d %H:%M} UTC "
            "(72 hours after awareness).", now,
        )  # fmt: skip
    return breach


@transaction.atomic
def breach_update(
    *,
    breach: Breach,
    by: Any,
    what_happened: str,
    categories: str,
    people_affected: int | None,
    aware_at: datetime | None = None,
    now: datetime | None = None,
) -> Breach:
    """Describe the breach; a corrected ``aware_at`` moves the deadline (72 hours after it).

    Awareness cannot move once the notification is recorded, nor into the future.
    """
    rules.require(rules.may_flag(by), rules.FLAG_REFUSAL)
    now = now or timezone.now()
    locked = Breach.objects.select_for_update().get(pk=breach.pk)
    errors: dict[str, str] = {}
    details = _clean_details(
        what_happened=what_happened, categories=categories, people_affected=people_affected, errors=errors
    )
    # The HTML form shows minutes: the stored time with its seconds dropped is no change.
    if aware_at is not None and aware_at != locked.aware_at.replace(second=0, microsecond=0):
        aware_at = aware_at if aware_at != locked.aware_at else None
    else:
        aware_at = None
    if aware_at is not None:
        _check_aware_at(aware_at, now=now, errors=errors)
        if locked.notified_at is not None and not errors:
            errors["aware_at"] = "The notification is recorded; awareness can no longer move."
        details.update(aware_at=clock.to_utc(aware_at), deadline_at=deadline_for(aware_at))
    if errors:
        raise ValidationError(errors)
    Breach.objects.filter(pk=locked.pk).update(**details)
    return Breach.objects.get(pk=locked.pk)


def breach_record_notification(
    *, breach: Breach, by: Any, notified_at: datetime, reference: str, now: datetime | None = None
) -> Breach:
    """Record that the regulator was notified at ``notified_at`` under ``reference``, once.

    Refuse a time in the future or before awareness (field ``notified_at``), an empty or too long
    reference (field ``reference``); a second recording is a Conflict naming the first.
    """
    rules.require(rules.may_record_notification(by), rules.NOTIFY_REFUSAL)
    now = now or timezone.now()
    reference = (reference or "").strip()
    errors: dict[str, str] = {}
    if notified_at is None or notified_at.tzinfo is None:
        errors["notified_at"] = "Give the time the regulator was notified, with its zone."
    elif notified_at > now:
        errors["notified_at"] = "The notification time cannot be in the future."
    elif notified_at < breach.aware_at:
        errors["notified_at"] = (
            f"The notification time cannot be before the team became aware ({breach.aware_at:%Y-%m-%d %H:%M} UTC)."
        )
    if not reference:
        errors["reference"] = "Give the regulator's reference (or your submission's)."
    elif len(reference) > REFERENCE_MAX:
        errors["reference"] = f"Keep the reference to {REFERENCE_MAX} characters."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        updated = Breach.objects.filter(pk=breach.pk, notified_at__isnull=True).update(
            notified_at=clock.to_utc(notified_at), notification_reference=reference, notified_by=by, recorded_at=now
        )
        if updated != 1:
            first = Breach.objects.select_related("notified_by").get(pk=breach.pk)
            who = first.notified_by.get_username() if first.notified_by else "someone"
            raise Conflict(
                f"The notification was already recorded ({first.notified_at:%Y-%m-%d %H:%M} UTC by {who}).",
                field="notified_at",
            )
        fresh = Breach.objects.select_related("incident").get(pk=breach.pk)
        met = "within" if fresh.deadline_met else "after"
        _note(
            fresh.incident, by,
            f"Regulator notified at {notified_at:%Y-%m-%d %H:%M} UTC, reference {reference} ({met} the 72 hours).", now,
        )  # fmt: skip
    return fresh


# Reminders ----------------------------------------------------------------------------------


@dataclass
class SweepResult:
    sent: int = 0
    skipped: int = 0
    notified: list[str] = field(default_factory=list)


def _claim(queryset: Any) -> Any:
    """Lock the rows for this transaction; on PostgreSQL skip rows another sweep holds."""
    if connection.vendor == "postgresql":
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset


def _recipients(breach: Breach) -> list[Any]:
    """Managers and admins (who record the notification), and the incident's assignee."""
    users = list(
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name__in=[Role.MANAGER.value, Role.ADMIN.value]) | Q(is_superuser=True))
        .distinct()
    )
    assignee = breach.incident.assignee
    if assignee is not None and assignee.pk not in {user.pk for user in users}:
        users.append(assignee)
    return users


def breach_reminders_send(*, now: datetime | None = None) -> SweepResult:
    """Remind about each breach not yet notified at 24, 48 and 66 hours after awareness, once each.

    1. In one transaction, claim the unnotified breaches aware at least 24 hours ago
       (skip_locked on PostgreSQL, so two sweeps take different rows).
    2. For each due reminder hour without its outbox row, insert the BreachReminder row (unique per
       breach and hour) before sending; whoever inserts it sends, everyone else does nothing.
    3. A sweep that ran late sends only the latest due reminder; earlier ones are recorded skipped.
    """
    now = now or timezone.now()
    result = SweepResult()
    first = clock.before(now, timedelta(hours=REMINDER_HOURS[0]))
    with transaction.atomic():
        breaches = _claim(
            Breach.objects.filter(notified_at__isnull=True, aware_at__lte=first)
            .select_related("incident", "incident__assignee")
            .order_by("aware_at", "pk")
        )[:SWEEP_BATCH]
        for breach in breaches:
            _remind(breach, now, result)
    return result


def _remind(breach: Breach, now: datetime, result: SweepResult) -> None:
    due = [hours for hours in REMINDER_HOURS if clock.after(breach.aware_at, timedelta(hours=hours)) <= now]
    done = set(BreachReminder.objects.filter(breach=breach).values_list("hours", flat=True))
    for hours in due:
        if hours in done:
            continue
        latest = hours == due[-1]
        reminder, created = insert_once(
            BreachReminder, breach=breach, hours=hours, defaults={"created_at": now, "skipped": not latest}
        )
        if not created:
            continue  # another sweep wrote it first, and sent it
        if not latest:
            result.skipped += 1
            continue
        left = breach.deadline_at - now
        hours_left = max(int(left.total_seconds() // 3600), 0)
        key = f"breach-{breach.pk}-reminder-{hours}h"
        recipients = _recipients(breach)
        notification_send(
            recipients=recipients,
            key=key,
            subject=f"Breach of incident #{breach.incident_id}: notify the regulator within {hours_left} h",
            body=(
                f"{hours} hours have passed since the team became aware of the personal data breach of incident "
                f"#{breach.incident_id} ({breach.incident.title}). The regulator must be notified by "
                f"{breach.deadline_at:%Y-%m-%d %H:%M} UTC. Record the notification on the incident page."
            ),
            link=breach.get_absolute_url(),
        )
        BreachReminder.objects.filter(pk=reminder.pk).update(recipient_count=len(recipients))
        _note(
            breach.incident, None, f"Breach reminder ({hours} h after awareness) sent to {len(recipients)} people.", now
        )
        result.sent += 1
        result.notified.append(key)
