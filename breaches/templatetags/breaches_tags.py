"""Template helper of the breaches app: the breach card of an incident page."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

register = template.Library()


def _left_text(seconds: int) -> str:
    """Return "40 h 12 min left" or "overdue by 3 h 5 min" (the page's script keeps it ticking)."""
    minutes = abs(seconds) // 60
    hours, minutes = divmod(minutes, 60)
    span = f"{hours} h {minutes} min" if hours else f"{minutes} min"
    return f"{span} left" if seconds >= 0 else f"overdue by {span}"


@register.inclusion_tag("breaches/_incident_card.html", takes_context=True)
def incident_breach_card(context: dict[str, Any], incident: Any) -> dict[str, Any]:
    """Show the incident's flags and its breach with the 72-hour countdown, and the actions the user may take."""
    from breaches import rules, selectors
    from breaches.forms import NotificationForm

    request = context["request"]
    breach = selectors.breach_for_incident(incident)
    now = timezone.now()
    return {
        "incident": incident,
        "breach": breach,
        "state": selectors.deadline_state(breach, now=now) if breach is not None else None,
        "left_text": _left_text(int((breach.deadline_at - now).total_seconds())) if breach is not None else "",
        "may_flag": rules.may_flag(request.user),
        "may_notify": rules.may_record_notification(request.user),
        "notification_form": NotificationForm(),
        "csrf_token": context.get("csrf_token"),
    }
