"""Apply the retention rules now, or (``--dry-run``) show what they would remove."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from compliance.models import RetentionAction
from compliance.services import retention_apply


class Command(BaseCommand):
    help = "Apply the retention rules: delete or anonymise what is past its period. --dry-run changes nothing."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count what would go; change nothing.")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        results = retention_apply(dry_run=dry_run)
        if not results:
            self.stdout.write("No retention rule is enabled.")
        for result in results:
            verb = "deleted" if result.action == RetentionAction.DELETE else "anonymised"
            verb = f"would be {verb}" if dry_run else verb
            details = ", ".join(f"{label} {count}" for label, count in result.by_source.items())
            self.stdout.write(f"{result.kind}: {result.rows} {verb} ({details})")
