"""Fixtures of the on-call tests: a weekly London rotation of three engineers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from oncall.models import Layer, LayerMember, Schedule
from opsportal.roles import Role


@pytest.fixture
def engineers(make_user: Any) -> list[Any]:
    return [make_user(name, Role.ONCALL) for name in ("alice", "bob", "carol")]


@pytest.fixture
def london_weekly(engineers: list[Any]) -> Schedule:
    """Alice, Bob and Carol a week each, handing off on Mondays at 09:00 London, from 5 January 2026."""
    schedule = Schedule.objects.create(
        name="Platform", time_zone="Europe/London", created_at=datetime(2026, 1, 5, tzinfo=UTC)
    )
    layer = Layer.objects.create(
        schedule=schedule, position=0, shift_days=7, handoff_time=time(9), starts_on=date(2026, 1, 5)
    )
    for position, user in enumerate(engineers):
        LayerMember.objects.create(layer=layer, user=user, position=position)
    return schedule
