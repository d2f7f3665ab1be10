"""Reads of the webhook channel: which endpoints a notification goes to."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from webhooks.models import WebhookEndpoint

if TYPE_CHECKING:
    from oncall.models import Schedule


def endpoints_for_recipients(
    recipient_ids: Iterable[int], *, schedule: Schedule | None = None
) -> QuerySet[WebhookEndpoint]:
    """Return the active endpoints of any group one of ``recipient_ids`` belongs to, each once.

    With ``schedule`` (the on-call schedule the notification concerns), the active endpoints
    listening to that schedule are selected too, in the same query, each endpoint once.
    """
    # A queryset of ids becomes a subquery: one query however many recipients.
    selected = Q(groups__user__in=recipient_ids)
    if schedule is not None:
        selected |= Q(schedules=schedule)
    return WebhookEndpoint.objects.filter(selected, active=True).distinct().order_by("pk")
