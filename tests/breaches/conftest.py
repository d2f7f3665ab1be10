"""Fixtures of the breach tests: the reference severities (shared with the incidents tests) and a team."""

from __future__ import annotations

from typing import Any

import pytest

from opsportal.roles import Role
from tests.incidents.conftest import severities  # noqa: F401  (a fixture)


@pytest.fixture
def team(make_user: Any) -> dict[str, Any]:
    return {
        "oncall": make_user("on1", Role.ONCALL),
        "manager": make_user("boss", Role.MANAGER),
        "ops": make_user("opsy", Role.OPS),
    }
