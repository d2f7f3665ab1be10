"""Plausible values: the limits every form, serializer and service applies to what users type.

A ``*_problem`` function returns the message that refuses a value (or None), for a form to
show next to its field or a service to collect; ``check_*`` raises ``ValidationError`` keyed by
the field, which the API's error body names (``opsportal.api``). The serializer and filter
fields below refuse UTC offsets no time zone has, which PostgreSQL would answer with an error.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework import serializers

# Real time zones lie between UTC-12:00 and UTC+14:00; PostgreSQL refuses offsets past ±15:59.
MAX_UTC_OFFSET = timedelta(hours=14)
# A clock a few minutes fast must not make "now" look like the future.
CLOCK_SKEW = timedelta(minutes=5)
KPI_MAX_AGE_YEARS = 10
SLA_MAX_MINUTES = 30 * 24 * 60
MAX_USERS_AFFECTED = 1_000_000_000
# Free text (descriptions, plans, notes, reviews): long enough for any honest write-up.
TEXT_MAX_LENGTH = 20_000
SHORT_TEXT_MAX_LENGTH = 1_000
OFFSET_MESSAGE = "The UTC offset must be between -14:00 and +14:00."


def offset_is_plausible(value: datetime) -> bool:
    """Return True for a naive time or one whose UTC offset a real time zone can have."""
    offset = value.utcoffset()
    return offset is None or abs(offset) <= MAX_UTC_OFFSET


def detected_at_problem(value: datetime | None, *, now: datetime) -> str | None:
    """Return why a detection time is refused (in the future, older than ``INCIDENT_MAX_AGE_DAYS``), or None."""
    if value is None:
        return None
    if not offset_is_plausible(value):
        return OFFSET_MESSAGE
    if value > now + CLOCK_SKEW:
        return "The detection time cannot be in the future."
    max_age = settings.INCIDENT_MAX_AGE_DAYS
    if value < now - timedelta(days=max_age):
        return f"The detection time cannot be more than {max_age} days ago."
    return None


def measurement_date_problem(value: date, *, today: date) -> str | None:
    """Return why a KPI date is refused (in the future, more than ten years ago), or None."""
    if value > today:
        return f"{value.isoformat()} is in the future; enter values up to today."
    if value < _years_before(today, KPI_MAX_AGE_YEARS):
        return f"{value.isoformat()} is more than {KPI_MAX_AGE_YEARS} years ago."
    return None


def past_problem(value: datetime | date | None, *, now: datetime, what: str) -> str | None:
    """Return why a date or time being set is refused (in the past), or None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if not offset_is_plausible(value):
            return OFFSET_MESSAGE
        past = value < now - CLOCK_SKEW
    else:
        past = value < timezone.localdate(now)
    return f"The {what} cannot be in the past." if past else None


def check_not_past(value: datetime | date | None, *, now: datetime, field: str, what: str) -> None:
    """Refuse a date or time in the past (a window or a due date being set), naming ``field``."""
    if problem := past_problem(value, now=now, what=what):
        raise ValidationError({field: problem})


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class DateTimeField(serializers.DateTimeField):
    """DRF's DateTimeField, refusing UTC offsets no time zone has."""

    default_error_messages = {"offset": OFFSET_MESSAGE}

    def enforce_timezone(self, value: datetime) -> datetime:
        if not offset_is_plausible(value):
            self.fail("offset")
        return super().enforce_timezone(value)


class IsoDateTimeFormField(django_filters.fields.IsoDateTimeField):
    def to_python(self, value: Any) -> datetime | None:
        parsed = super().to_python(value)
        if parsed is not None and not offset_is_plausible(parsed):
            raise forms.ValidationError(OFFSET_MESSAGE, code="offset")
        return parsed


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 date-time filter refusing UTC offsets no time zone has (400, not a database error)."""

    field_class = IsoDateTimeFormField


def text_field(**kwargs: Any) -> serializers.CharField:
    """Return an optional free-text serializer field capped at ``TEXT_MAX_LENGTH``."""
    options: dict[str, Any] = {"required": False, "allow_blank": True, "default": "", "max_length": TEXT_MAX_LENGTH}
    options.update(kwargs)
    return serializers.CharField(**options)
