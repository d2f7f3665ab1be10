"""Reads of the access app: reviews and their lines, the permission audit, the training report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from access import rules
from access.models import AccessReview, AccessReviewLine, RoleChange, TrainingRecord
from opsportal import clock
from opsportal.roles import ALL_ROLES


def review_list() -> QuerySet[AccessReview]:
    """Return the reviews, newest first, each with its line and undecided counts."""
    return AccessReview.objects.annotate(
        line_count=Count("lines"), undecided_count=Count("lines", filter=Q(lines__decision=""))
    ).order_by("-opened_at", "-pk")


def review_for_user(user: Any, pk: Any) -> AccessReview:
    """Return the review ``pk`` for a manager or admin, or raise ``PermissionDenied``/``Http404``."""
    rules.require_view(user)
    return get_object_or_404(review_list(), pk=pk)


def review_lines(review: AccessReview) -> QuerySet[AccessReviewLine]:
    return review.lines.select_related("user", "decided_by").order_by("pk")


def line_for_user(user: Any, review_pk: Any, line_pk: Any) -> AccessReviewLine:
    """Return one line of a review for a manager or admin, or raise ``PermissionDenied``/``Http404``."""
    rules.require_view(user)
    return get_object_or_404(
        AccessReviewLine.objects.select_related("user", "decided_by", "review"), pk=line_pk, review_id=review_pk
    )


# Permission audit -------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeldRole:
    """A role a user holds now, and the trail's last record of it being granted (if any)."""

    user: str
    user_id: int
    role: str
    granted_at: datetime | None
    granted_by: str
    via: str


def _name(user: Any) -> str:
    return user.get_username() if user is not None else ""


def permission_audit() -> list[HeldRole]:
    """Return one row per role each active user holds now, with when and by whom it was granted.

    Three queries whatever the data: the role memberships, the superusers, the grants. A role
    held since before the trail started has no grant: ``granted_at`` is None. A superuser holds
    every role through the flag, which the trail does not record.
    """
    names = [role.value for role in ALL_ROLES]
    through = get_user_model().groups.through
    held = list(
        through.objects.filter(group__name__in=names, user__is_active=True)
        .select_related("user", "group")
        .order_by("user__username", "group__name")
    )
    supers = list(get_user_model()._default_manager.filter(is_superuser=True, is_active=True).order_by("username"))
    grants: dict[tuple[int, str], RoleChange] = {}
    for change in RoleChange.objects.filter(action=RoleChange.Action.GRANTED).select_related("by").order_by("at", "pk"):
        grants[(change.user_number, change.role)] = change  # the latest grant wins
    rows = []
    for membership in held:
        grant = grants.get((membership.user_id, membership.group.name))
        rows.append(
            HeldRole(
                user=membership.user.get_username(),
                user_id=membership.user_id,
                role=membership.group.name,
                granted_at=grant.at if grant else None,
                granted_by=(_name(grant.by) or "system") if grant else "",
                via=grant.via if grant else "before the audit trail started",
            )
        )
    rows.extend(
        HeldRole(user=user.get_username(), user_id=user.pk, role="Superuser (every role)", granted_at=None,
                 granted_by="", via="superuser flag (not a role group)")
        for user in supers
    )  # fmt: skip
    return rows


def role_changes() -> QuerySet[RoleChange]:
    """Return the whole role audit trail, newest first."""
    return RoleChange.objects.select_related("user", "by").order_by("-at", "-pk")


# Training ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingStatus:
    record: TrainingRecord
    status: str  # "current", "expiring" or "expired"
    days_left: int


def training_report(*, today: date | None = None, status: str = "") -> list[TrainingStatus]:
    """Return the latest record of each active person and topic with its status, soonest expiry first.

    "expiring": expires within the reminder window; "expired": the expiry date has passed.
    """
    from access.services import TRAINING_REMIND_DAYS_BEFORE

    today = today or clock.local_today()
    latest: dict[tuple[int, str], TrainingRecord] = {}
    records = TrainingRecord.objects.filter(person__is_active=True).select_related("person", "recorded_by")
    for record in records.order_by("expires_on", "pk"):
        latest[(record.person_id, record.topic.casefold())] = record  # the latest expiry wins
    rows = []
    for record in sorted(latest.values(), key=lambda record: (record.expires_on, record.pk)):
        days_left = (record.expires_on - today).days
        if days_left < 0:
            state = "expired"
        elif days_left <= TRAINING_REMIND_DAYS_BEFORE:
            state = "expiring"
        else:
            state = "current"
        if not status or status == state:
            rows.append(TrainingStatus(record=record, status=state, days_left=days_left))
    return rows


def training_people() -> QuerySet[Any]:
    """Return the active users training can be recorded for."""
    return get_user_model()._default_manager.filter(is_active=True).order_by("username")
