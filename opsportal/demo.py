"""The demo seeders each app adds to, run in order by ``manage.py seed_demo``.

An app registers a seeder in ``<app>/demo.py`` (imported from its ``AppConfig.ready``)::

    @register_seeder("checklists", order=10)
    def seed(context: DemoContext) -> str:
        ...
        return "90 days of checklist runs"

Seeders must be idempotent: running ``seed_demo`` twice leaves one demo history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from opsportal.roles import Role

# The documented demo logins (README): one user per role.
DEMO_USERS: dict[Role, str] = {
    Role.OPS: "ops",
    Role.ONCALL: "oncall",
    Role.MANAGER: "manager",
    Role.ADMIN: "admin",
}


@dataclass
class DemoContext:
    """What seeders share: the demo users by role, the moment of seeding, extra users."""

    users: dict[Role, Any]
    now: datetime
    extra_users: dict[str, Any] = field(default_factory=dict)
    progress: Callable[[str], None] = print


Seeder = Callable[[DemoContext], str]
_seeders: dict[str, tuple[int, Seeder]] = {}


def register_seeder(name: str, *, order: int = 100) -> Callable[[Seeder], Seeder]:
    """Register the decorated function as the demo seeder ``name``."""

    def decorator(seeder: Seeder) -> Seeder:
        _seeders[name] = (order, seeder)
        return seeder

    return decorator


def seeders() -> list[tuple[str, Seeder]]:
    """Return the registered seeders in the order they run."""
    return [
        (name, seeder) for name, (_order, seeder) in sorted(_seeders.items(), key=lambda item: (item[1][0], item[0]))
    ]
