"""Demo data of access reviews and training: this quarter's review and a few training records."""

from __future__ import annotations

from datetime import timedelta

from access.models import TrainingRecord
from access.services import access_review_open
from opsportal import clock
from opsportal.demo import DemoContext, register_seeder
from opsportal.roles import Role


@register_seeder("access", order=95)
def seed(context: DemoContext) -> str:
    """Open this quarter's access review (once) and record security awareness training (once)."""
    _review, opened = access_review_open(now=context.now)
    if TrainingRecord.objects.exists():
        return f"access review {'opened' if opened else 'already open'}; training already present"
    today = clock.local_date(context.now)
    expiries = {Role.OPS: 20, Role.ONCALL: 200, Role.MANAGER: -10, Role.ADMIN: 300}  # days from today
    recorded = 0
    for role, days in expiries.items():
        person = context.users.get(role)
        if person is None:
            continue
        expires_on = today + timedelta(days=days)
        TrainingRecord.objects.create(person=person, topic="Security awareness", completed_on=expires_on - timedelta(days=365),
                                      expires_on=expires_on, recorded_at=context.now)  # fmt: skip
        recorded += 1
    return f"access review {'opened' if opened else 'already open'}; {recorded} training records"
