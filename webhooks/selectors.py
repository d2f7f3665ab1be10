"""Reads of the webhook channel: which endpoints a notification goes to."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from webhooks.models import WebhookEndpoint


def endpoints_for_recipients(recipient_ids: Iterable[int]) -> QuerySet[WebhookEndpoint]:
    """Return the active endpoints of any group one of ``recipient_ids`` belongs to, each once.

    Extension point: when endpoints gain a ``schedule`` link, OR in the endpoints whose
    schedule has one of the recipients on call here, so both ways select in one query.
    """
    # A queryset of ids becomes a subquery: one query however many recipients.
    return WebhookEndpoint.objects.filter(active=True, groups__user__in=recipient_ids).distinct().order_by("pk")
