"""python manage.py build_report {daily,weekly,monthly,quarterly} [--date YYYY-MM-DD]"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opsportal import clock
from reporting.periods import KINDS, last_complete_period, period_containing
from reporting.services import report_publish


class Command(BaseCommand):
    help = (
        "Build the report of one kind for the period containing --date (default: the last complete period). "
        "E-mail it to the report schedule's recipients (managers), each once. "
        "Idempotent: a report already built is left as it is (snapshots never change) and nobody is mailed twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("--date", dest="day", help="a day inside the period, YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        kind = options["kind"]
        if options["day"]:
            try:
                day = date.fromisoformat(options["day"])
            except ValueError as error:
                raise CommandError(f"--date {options['day']!r} is not a date in YYYY-MM-DD form.") from error
            period = period_containing(kind, day)
        else:
            today = clock.local_today()
            period = last_complete_period(kind, today)
        self.stdout.write(f"Building the {kind} report for {period.start} to {period.end} …")
        published = report_publish(period=period)
        report = published.report
        verb = "Built" if published.built else "Already built"
        self.stdout.write(self.style.SUCCESS(f"{verb}: {report} (id {report.pk}, /reports/{report.pk}/)."))
        self.stdout.write(f"Sent to {published.delivered} new recipient(s).")
