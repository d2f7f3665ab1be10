"""Writes of the access app: open and decide access reviews, revoke access, record training,
and the reminders (each exactly once through an outbox row written before the notification)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from access import rules
from access.audit import acting_as
from access.models import AccessNotice, AccessReview, AccessReviewLine, Decision, TrainingRecord
from opsportal import clock
from opsportal.errors import Conflict
from opsportal.notifications import notification_send
from opsportal.outbox import insert_once
from opsportal.roles import ALL_ROLES, Role

# A user who has not logged in for this long is marked dormant on the review.
DORMANT_AFTER = timedelta(days=90)
# Managers are reminded (once each) of a review still open this long after it opened.
REVIEW_DUE_AFTER = timedelta(days=14)
# People (and managers) are reminded this many days before a training record expires.
TRAINING_REMIND_DAYS_BEFORE = 30
MAX_REASON = 2000


def quarter_of(day: date) -> str:
    """Return the quarter ``day`` falls in, as "2026-Q4"."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _managers() -> list[Any]:
    return list(
        get_user_model()._default_manager.filter(is_active=True, groups__name=Role.MANAGER.value).order_by("pk")
    )


def _role_groups() -> list[Group]:
    return list(Group.objects.filter(name__in=[role.value for role in ALL_ROLES]))


def access_review_open(*, now: datetime | None = None) -> tuple[AccessReview, bool]:
    """Open the access review of the current quarter (in the portal's zone) unless it exists.

    1. Insert the review, unique per quarter (``insert_once``): a second call, a second worker
       or a concurrent one finds it and does nothing.
    2. In the same transaction, one line per active user with their roles, staff and superuser
       flags, last login and the dormant mark as they are now.

    Return the review and whether this call opened it.
    """
    now = now or clock.now()
    with transaction.atomic():
        review, created = insert_once(
            AccessReview,
            quarter=quarter_of(clock.local_date(now)),
            defaults={"opened_at": now, "due_at": clock.after(now, REVIEW_DUE_AFTER)},
        )
        if not created:
            return review, False
        dormant_since = clock.before(now, DORMANT_AFTER)
        role_names = {role.value for role in ALL_ROLES}
        users = get_user_model()._default_manager.filter(is_active=True).prefetch_related("groups").order_by("pk")
        AccessReviewLine.objects.bulk_create(
            AccessReviewLine(
                review=review,
                user=user,
                roles=sorted(group.name for group in user.groups.all() if group.name in role_names),
                is_staff=user.is_staff,
                is_superuser=user.is_superuser,
                last_login=user.last_login,
                dormant=(user.last_login or user.date_joined) <= dormant_since,
            )
            for user in users
        )
    return review, True


def access_revoke(*, user: Any, by: Any, via: str) -> None:
    """Remove the user's role groups and deactivate the account; the role audit records it."""
    with transaction.atomic(), acting_as(by, via):
        user.groups.remove(*_role_groups())
        get_user_model()._default_manager.filter(pk=user.pk).update(is_active=False)


def _validate_decision(decision: Any, reason: Any) -> tuple[str, str]:
    errors: dict[str, str] = {}
    if decision not in Decision.values:
        errors["decision"] = 'Choose "keep" or "revoke".'
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        errors["reason"] = "Give a reason for the decision."
    elif len(reason) > MAX_REASON:
        errors["reason"] = f"Keep the reason under {MAX_REASON} characters."
    if errors:
        raise ValidationError(errors)
    return str(decision), reason


def access_review_decide(*, line: AccessReviewLine, decision: Any, reason: Any, by: Any) -> AccessReviewLine:
    """Decide one line keep or revoke, with a reason; revoke applies at once.

    1. Refuse a caller who is not a manager or admin, or who is the reviewed person.
    2. Record the decision with a conditional UPDATE (only an undecided line): if another
       manager decided it first, nothing changes and ``Conflict`` (409) says who did.
    3. A revocation removes the person's role groups and deactivates them (``access_revoke``).
    4. The review completes when its last undecided line is decided.
    """
    rules.require_decide(by, line)
    decision, reason = _validate_decision(decision, reason)
    now = clock.now()
    with transaction.atomic():
        decided = AccessReviewLine.objects.filter(pk=line.pk, decision="").update(
            decision=decision, reason=reason, decided_by=by, decided_at=now
        )
        if decided != 1:
            current = AccessReviewLine.objects.select_related("decided_by").get(pk=line.pk)
            who = current.decided_by.get_username() if current.decided_by else "someone else"
            message = f"This line was already decided ({current.get_decision_display().lower()}) by {who}."
            raise Conflict(message, field="decision")
        review = AccessReview.objects.get(pk=line.review_id)
        if decision == Decision.REVOKE:
            access_revoke(user=line.user, by=by, via=f"access review {review.quarter}")
        undecided = AccessReviewLine.objects.filter(review=OuterRef("pk"), decision="")
        AccessReview.objects.filter(pk=review.pk, completed_at=None).exclude(Exists(undecided)).update(completed_at=now)
    line.refresh_from_db()
    return line


def _notice_once(key: str) -> bool:
    """Write the outbox row ``key``; return True when this call wrote it (and must notify)."""
    return insert_once(AccessNotice, key=key)[1]


def access_reviews_remind_overdue(*, now: datetime | None = None) -> int:
    """Remind each manager once of each review still open past its due time; return how many reminders."""
    now = now or clock.now()
    sent = 0
    overdue = AccessReview.objects.filter(completed_at=None, due_at__lte=now).order_by("pk")
    managers = _managers() if overdue.exists() else []
    for review in overdue:
        open_lines = review.lines.filter(decision="").count()
        for manager in managers:
            with transaction.atomic():
                if not _notice_once(f"review:{review.pk}:overdue:{manager.pk}"):
                    continue
                notification_send(
                    recipients=[manager],
                    key=f"access.review.{review.pk}.overdue",
                    subject=f"Access review {review.quarter} is overdue: {open_lines} line(s) undecided",
                    body="Decide each line keep or revoke; you may not decide your own.",
                    link=review.get_absolute_url(),
                )
                sent += 1
    return sent


def training_validate(*, completed_on: Any, expires_on: Any, today: date | None = None) -> None:
    """Raise ``ValidationError`` naming the field for impossible training dates."""
    today = today or clock.local_today()
    errors: dict[str, str] = {}
    if isinstance(completed_on, date) and completed_on > today:
        errors["completed_on"] = "Training cannot be completed in the future."
    if isinstance(completed_on, date) and isinstance(expires_on, date) and expires_on <= completed_on:
        errors["expires_on"] = "The expiry must be after the completion date."
    if errors:
        raise ValidationError(errors)


def training_record(*, person: Any, topic: str, completed_on: date, expires_on: date, by: Any) -> TrainingRecord:
    """Record that ``person`` completed training on ``topic``; managers and admins only."""
    rules.require_record_training(by)
    topic = topic.strip()
    if not topic:
        raise ValidationError({"topic": "Name the training topic."})
    training_validate(completed_on=completed_on, expires_on=expires_on)
    return TrainingRecord.objects.create(
        person=person, topic=topic[:200], completed_on=completed_on, expires_on=expires_on, recorded_by=by,
        recorded_at=clock.now(),
    )  # fmt: skip


def training_remind_expiring(*, now: datetime | None = None) -> int:
    """Remind the person and the managers once per record expiring within the reminder window.

    A record already renewed (a later record of the same person and topic) is not reminded.
    Return how many records were reminded.
    """
    today = clock.local_date(now or clock.now())
    renewed = TrainingRecord.objects.filter(
        person=OuterRef("person"), topic=OuterRef("topic"), expires_on__gt=OuterRef("expires_on")
    )
    due = (
        TrainingRecord.objects.filter(
            Q(expires_on__gte=today) & Q(expires_on__lte=today + timedelta(days=TRAINING_REMIND_DAYS_BEFORE)),
            person__is_active=True,
        )
        .exclude(Exists(renewed))
        .select_related("person")
        .order_by("expires_on", "pk")
    )
    sent = 0
    managers = None
    for record in due:
        with transaction.atomic():
            if not _notice_once(f"training:{record.pk}:expiry"):
                continue
            managers = _managers() if managers is None else managers
            notification_send(
                recipients=[record.person, *managers],
                key=f"access.training.{record.pk}.expiry",
                subject=f"Training “{record.topic}” of {record.person.get_username()} expires on "
                f"{record.expires_on:%d %b %Y}",
                body="Book the refresher and record it on the training page when done.",
                link="/compliance/training/",
            )
            sent += 1
    return sent


def access_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Open this quarter's review if missing, remind overdue reviews and expiring training (each once)."""
    now = now or clock.now()
    _review, opened = access_review_open(now=now)
    return {
        "opened": int(opened),
        "review_reminders": access_reviews_remind_overdue(now=now),
        "training_reminders": training_remind_expiring(now=now),
    }
