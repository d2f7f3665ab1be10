"""python manage.py import_procedures [PATH] — load a procedures document into the portal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opsportal.procedures.document import ProcedureError
from opsportal.procedures.importer import DEFAULT_DOCUMENT, procedures_import, procedures_present


class Command(BaseCommand):
    help = (
        "Load a procedures document (the reference document's Markdown shape) into checklist templates, "
        "severities, change steps, KPI definitions and report schedules. Re-running updates, never duplicates, "
        "and keeps what admins edited since the last import (listed as conflicts; --overwrite replaces it); "
        "a malformed document is rejected with its line number and nothing is saved."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path",
            nargs="?",
            default=str(DEFAULT_DOCUMENT),
            help="Markdown file (default: the bundled reference procedures)",
        )
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Replace rows edited (in admin) since the last import with the document's values, on purpose",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Import only into a database that holds no procedures yet (the compose one-shot uses it)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if options["if_empty"] and procedures_present():
            self.stdout.write("Procedures are already imported: nothing done (--if-empty).")
            return
        try:
            source = path.read_text(encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}") from error
        except UnicodeDecodeError as error:
            raise CommandError(f"{path} is not UTF-8 text: {error}") from error
        try:
            report = procedures_import(
                source=source, overwrite=options["overwrite"], progress=lambda line: self.stdout.write(f"  {line}")
            )
        except ProcedureError as error:
            raise CommandError(f"{path}, {str(error).rstrip('.')}. Nothing was imported.") from error
        for title in report.unclaimed:
            self.stdout.write(f"  skipped (no loader for it): {title}")
        for row in report.deactivated:
            self.stdout.write(f"  deactivated: {row}")
        for conflict in report.conflicts:
            self.stdout.write(self.style.WARNING(f"  conflict: {conflict}"))
        self.stdout.write(self.style.SUCCESS(f"Imported {path.name}: {len(report.loaded)} sections loaded."))
        if report.conflicts:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(report.conflicts)} conflict(s): edited since the last import and kept as they are. "
                    "Run again with --overwrite to replace them with the document's values."
                )
            )
