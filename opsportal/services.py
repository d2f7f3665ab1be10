"""Writes of portal-wide records: marking a user's notifications read."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from opsportal import clock
from opsportal.models import Notification


def notifications_mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark ``user``'s unread notifications read (only ``ids`` when given); return how many.

    One conditional UPDATE (``read_at IS NULL``), so a notification read twice keeps the first time.
    """
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=clock.now())
