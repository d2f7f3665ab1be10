"""Fixtures of the incidents tests: the reference severities with their default policies."""

from __future__ import annotations

import pytest

from incidents.models import Severity
from incidents.services import severity_default_policy_create

REFERENCE = [
    ("P0", "Critical - System Down", 15, False),
    ("P1", "High - Major Impact", 60, False),
    ("P2", "Medium - Limited Impact", 240, True),
    ("P3", "Low - Minor Issues", 1440, False),
]


@pytest.fixture
def severities(db):
    """Return the reference severities by code, each with the default escalation policy."""
    found = {}
    for position, (code, name, minutes, business) in enumerate(REFERENCE, start=1):
        severity, _ = Severity.objects.get_or_create(
            code=code,
            defaults={"name": name, "response_minutes": minutes, "business_hours_only": business, "position": position},
        )
        severity_default_policy_create(severity=severity)
        found[code] = severity
    return found


@pytest.fixture
def london(settings):
    settings.TIME_ZONE = "Europe/London"
    return settings
