"""Template helpers of team coordination: agenda instants, and the vendors box of an incident page."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import template
from django.utils.dateparse import parse_date, parse_datetime

register = template.Library()


@register.filter
def instant(value: Any) -> datetime | None:
    """Return the aware datetime an agenda's ISO-8601 text names (shown in the viewer's zone)."""
    return parse_datetime(value) if isinstance(value, str) else None


@register.filter
def day(value: Any) -> date | None:
    """Return the date an agenda's ISO-8601 date text names."""
    return parse_date(value) if isinstance(value, str) else None


@register.inclusion_tag("coordination/_incident_vendors.html", takes_context=True)
def incident_vendors(context: dict[str, Any], incident: Any) -> dict[str, Any]:
    """Show the vendors linked to ``incident`` and, to those who may, a form to link another."""
    from coordination import rules
    from coordination.models import Vendor

    request = context["request"]
    linked = list(Vendor.objects.filter(incidents=incident).order_by("name"))
    can_link = rules.may_link_incident(request.user)
    choices = list(Vendor.objects.exclude(pk__in=[v.pk for v in linked]).order_by("name")) if can_link else []
    return {
        "incident": incident,
        "linked": linked,
        "can_link": can_link,
        "choices": choices,
        "csrf_token": context.get("csrf_token"),
    }
