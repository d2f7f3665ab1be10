"""``python manage.py sla_sweep``: run the escalation sweep once, now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from incidents.services import sla_sweep


class Command(BaseCommand):
    help = "Send every due escalation and review reminder once, now."

    def handle(self, *args: Any, **options: Any) -> None:
        result = sla_sweep()
        self.stdout.write(f"{result.reminders} escalation reminders, {result.review_reminders} review reminders sent.")
        for key in result.notified:
            self.stdout.write(f"  {key}", style_func=self.style.SUCCESS)
