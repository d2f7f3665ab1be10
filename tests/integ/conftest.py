"""Fixtures of the integration tests: severities, a flagged checklist item, the response phases."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone

from checklists.models import ChecklistRun, ChecklistTemplate, RunItem
from incidents.models import Severity
from incidents.services import severity_default_policy_create
from opsportal.roles import Role

REFERENCE = [("P0", 15, False), ("P1", 60, False), ("P2", 240, True), ("P3", 1440, False)]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def severities(db: Any) -> dict[str, Severity]:
    found = {}
    for position, (code, minutes, business) in enumerate(REFERENCE, start=1):
        severity, _ = Severity.objects.get_or_create(
            code=code,
            defaults={"name": code, "response_minutes": minutes, "business_hours_only": business, "position": position},
        )
        severity_default_policy_create(severity=severity)
        found[code] = severity
    return found


@pytest.fixture
def procedures(db: Any) -> None:
    """Import the bundled procedures document (severities, response phases, checklists, changes)."""
    call_command("import_procedures", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.fixture
def flagged_item(db: Any) -> RunItem:
    """Return item 1 of an Ops staff checklist run ("Morning Startup"), flagged "problem found"."""
    group = Group.objects.get_or_create(name=Role.OPS.value)[0]
    template = ChecklistTemplate.objects.create(
        key="daily-morning-startup", name="Morning Startup", owner_group=group, time_of_day=time(8, 0)
    )
    now = timezone.now()
    run = ChecklistRun.objects.create(
        template=template, name=template.name, period_date=now.date(), opens_at=now, due_at=now + timedelta(hours=1),
        missed_at=now + timedelta(hours=12), items_total=2,
    )  # fmt: skip
    RunItem.objects.create(run=run, position=2, text="Check overnight alerts")
    item = RunItem.objects.create(
        run=run, position=1, text="Verify all systems are operational", problem=True,
        problem_note="The mail relay is down.",
    )  # fmt: skip
    return item
