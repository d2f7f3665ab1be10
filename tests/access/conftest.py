"""Fixtures of the access tests: a team of managers and staff, and an open access review."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from opsportal.roles import Role

# A Tuesday in the year's fourth quarter; the review opened then is 2026-Q4.
OPENED = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def team(make_user: Any) -> dict[str, Any]:
    """Two managers, an admin, an ops person and an on-call engineer (the admin group, not the flag)."""
    return {
        "maria": make_user("maria.manager", Role.MANAGER),
        "mark": make_user("mark.manager", Role.MANAGER),
        "ada": make_user("ada.admin", Role.ADMIN),
        "olly": make_user("olly.ops", Role.OPS, last_login=datetime(2026, 10, 30, tzinfo=UTC)),
        "otto": make_user("otto.oncall", Role.ONCALL, Role.OPS, last_login=datetime(2026, 6, 1, tzinfo=UTC)),
    }


@pytest.fixture
def review(team: dict[str, Any]) -> Any:
    from access.services import access_review_open

    return access_review_open(now=OPENED)[0]


@pytest.fixture
def line_of(review: Any) -> Any:
    def find(user: Any) -> Any:
        return review.lines.get(user=user)

    return find
