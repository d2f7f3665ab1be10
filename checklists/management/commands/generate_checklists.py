"""python manage.py generate_checklists [--date YYYY-MM-DD] [--until YYYY-MM-DD]."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from checklists.services import runs_generate
from opsportal import clock

BAR_WIDTH = 30


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date: use YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = (
        "Create the checklist runs that open on --date (default: today in the portal's time zone), or on every "
        "date up to --until. Idempotent: runs that exist are left alone; runs whose window already closed are "
        "created as missed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="first local date, YYYY-MM-DD (default: today)")
        parser.add_argument("--until", help="last local date, YYYY-MM-DD (default: --date)")

    def handle(self, *args: Any, **options: Any) -> None:
        start = _date(options["date"]) if options["date"] else clock.local_today()
        end = _date(options["until"]) if options["until"] else start
        if end < start:
            raise CommandError("--until is before --date.")
        days = (end - start).days + 1
        show_bar = days > 7

        def progress(done: int, total: int) -> None:
            if not show_bar:
                return
            filled = BAR_WIDTH * done // total
            self.stdout.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} days", ending="")
            if done == total:
                self.stdout.write("")
            self.stdout.flush()

        result = runs_generate(start=start, end=end, progress=progress)
        span = start.isoformat() if days == 1 else f"{start.isoformat()} to {end.isoformat()}"
        self.stdout.write(
            self.style.SUCCESS(
                f"Checklist runs for {span}: {result.created} created"
                f" ({result.created_missed} already missed), {result.existing} existed already."
            )
        )
