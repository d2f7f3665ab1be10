"""``python manage.py fill_holidays GB --years 2026 2027``: add public holidays to a business calendar."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from incidents.models import BusinessCalendar
from incidents.services import calendar_fill_holidays
from opsportal import clock


class Command(BaseCommand):
    help = "Fill a business calendar's holidays from the holidays package for a country code."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("country", help="ISO country code, e.g. GB, US, DE")
        parser.add_argument("--subdivision", default=None, help="e.g. ENG for England")
        parser.add_argument("--years", nargs="+", type=int, help="default: this year and next")
        parser.add_argument(
            "--calendar", default=None, help="calendar name (default: the default calendar, created if missing)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["calendar"]:
            calendar = BusinessCalendar.objects.filter(name=options["calendar"]).first()
            if calendar is None:
                raise CommandError(f"No business calendar named {options['calendar']!r}.")
        else:
            calendar = BusinessCalendar.objects.filter(is_default=True).first() or BusinessCalendar.objects.create(
                name="Default", is_default=True
            )
        year = clock.local_today().year
        years = options["years"] or [year, year + 1]
        try:
            added = calendar_fill_holidays(
                calendar=calendar, country=options["country"], years=years, subdivision=options["subdivision"]
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(
            self.style.SUCCESS(f"{added} holidays added to {calendar.name} for {', '.join(map(str, years))}.")
        )
