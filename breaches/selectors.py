"""Reads of the breaches app: the register, one incident's breach, and the deadline's state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from breaches import rules
from breaches.models import Breach


def breach_queryset() -> QuerySet[Breach]:
    return Breach.objects.select_related("incident", "notified_by")


def breach_register(user: Any) -> QuerySet[Breach]:
    """Return every breach, newest awareness first, or raise PermissionDenied."""
    rules.require(rules.may_view_register(user), rules.REGISTER_REFUSAL)
    return breach_queryset().order_by("-aware_at", "-pk")


def breach_for_incident(incident: Any) -> Breach | None:
    """Return ``incident``'s breach, or None (uses a select_related breach when there is one)."""
    try:
        return incident.breach  # type: ignore[no-any-return]
    except Breach.DoesNotExist:
        return None


def breach_for_user(user: Any, incident_pk: Any, *, notify: bool = False) -> Breach:
    """Return the breach of incident ``incident_pk`` or raise Http404/PermissionDenied.

    ``notify``: the user must be allowed to record the regulator's notification.
    """
    from incidents.selectors import incident_for_user

    incident_for_user(user, incident_pk)
    if notify:
        rules.require(rules.may_record_notification(user), rules.NOTIFY_REFUSAL)
    breach = breach_queryset().filter(incident_id=incident_pk).first()
    if breach is None:
        raise Http404("This incident has no personal data breach; flag it as one first.")
    return breach


@dataclass(frozen=True)
class DeadlineState:
    """How a breach stands against its 72-hour deadline, in words (never colour alone)."""

    code: str  # "met", "missed", "overdue", "open"
    words: str

    @property
    def is_late(self) -> bool:
        return self.code in ("missed", "overdue")


def deadline_state(breach: Breach, *, now: datetime | None = None) -> DeadlineState:
    """Return whether the deadline was met, missed, is overdue (not notified, passed) or still open."""
    now = now or timezone.now()
    if breach.notified_at is not None:
        if breach.notified_at <= breach.deadline_at:
            return DeadlineState("met", "Yes: notified within 72 hours")
        return DeadlineState("missed", "No: notified after the deadline")
    if now > breach.deadline_at:
        return DeadlineState("overdue", "No: overdue, not notified")
    return DeadlineState("open", "Not yet notified: deadline ahead")
