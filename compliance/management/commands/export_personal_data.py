"""Write everything the portal holds about one person as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from compliance.selectors import personal_data_for
from compliance.services import user_find


class Command(BaseCommand):
    help = "Export a person's data as JSON (USER is a username or an id) to --output, or to standard output."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("user", help="Username or id.")
        parser.add_argument("--output", help="File to write (default: standard output).")

    def handle(self, *args: Any, user: str, output: str | None = None, **options: Any) -> None:
        try:
            person = user_find(user)
        except LookupError as error:
            raise CommandError(str(error)) from error
        text = json.dumps(personal_data_for(person), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        if output:
            try:
                Path(output).write_text(text + "\n", encoding="utf-8")
            except OSError as error:
                raise CommandError(f"--output: cannot write {output}: {error.strerror}") from error
            self.stderr.write(f"Wrote the personal data of user {person.pk} to {output}.")
        else:
            self.stdout.write(text)
