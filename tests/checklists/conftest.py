"""Fixtures of the checklists tests: the bundled procedures and small templates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from checklists.models import ChecklistItem, ChecklistTemplate
from opsportal.roles import Role


@pytest.fixture
def procedures(db: Any) -> None:
    """Import the bundled procedures document."""
    call_command("import_procedures", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.fixture
def make_template(db: Any) -> Callable[..., ChecklistTemplate]:
    """Return a factory of templates owned by Ops staff, with ``items`` item texts."""

    def factory(
        name: str = "Morning", *, items: int = 3, evidence: tuple[int, ...] = (), **fields: Any
    ) -> ChecklistTemplate:
        fields.setdefault("frequency", "daily")
        fields.setdefault("time_of_day", time(8, 0))
        owner = fields.pop("owner_group", None) or Group.objects.get_or_create(name=Role.OPS.value)[0]
        template = ChecklistTemplate.objects.create(
            key=f"{fields['frequency']}-{name}".lower().replace(" ", "-"), name=name, owner_group=owner, **fields
        )
        ChecklistItem.objects.bulk_create(
            ChecklistItem(template=template, position=index, text=f"Item {index}", evidence_required=index in evidence)
            for index in range(1, items + 1)
        )
        return template

    return factory
