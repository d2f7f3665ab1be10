"""Demo data of the compliance area: one dry run of the retention rules, so /compliance/ shows a log."""

from __future__ import annotations

from compliance.models import RetentionLog
from compliance.services import retention_apply
from opsportal.demo import DemoContext, register_seeder


@register_seeder("compliance", order=90)
def seed(context: DemoContext) -> str:
    """Log a dry run of the retention rules once (it changes nothing else)."""
    if RetentionLog.objects.exists():
        return "retention log already present"
    results = retention_apply(dry_run=True, now=context.now)
    return f"a retention dry run: {sum(result.rows for result in results)} rows would go"
