"""Anonymise a departed user everywhere, keeping the records they appear in."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from compliance.services import user_erase, user_find
from opsportal.errors import Conflict


class Command(BaseCommand):
    help = (
        "Erase a departed user (USER is a username or an id): username former-user-<id>, names and e-mail "
        "blanked, password unusable, inactive, roles removed. Records they appear in stay. Cannot be undone."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("user", help="Username or id.")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive",
                            help="Do not ask for confirmation.")  # fmt: skip

    def handle(self, *args: Any, user: str, interactive: bool = True, **options: Any) -> None:
        from oncall.models import LayerMember

        try:
            person = user_find(user)
        except LookupError as error:
            raise CommandError(str(error)) from error
        if interactive:
            answer = input(f"Erase user {person.pk} ({person.get_username()})? This cannot be undone. [y/N] ")
            if answer.strip().lower() not in {"y", "yes"}:
                raise CommandError("Not erased.")
        try:
            log = user_erase(user=person, by="command")
        except Conflict as error:
            raise CommandError(str(error)) from error
        changed = ", ".join(f"{kind} {count}" for kind, count in log.counts.items() if count) or "nothing else"
        self.stdout.write(f"Erased user {person.pk}; now shown as former user {person.pk}. Changed: {changed}.")
        schedules = sorted(
            set(LayerMember.objects.filter(user_id=person.pk).values_list("layer__schedule__name", flat=True))
        )
        if schedules:
            self.stdout.write(
                f"Still in the rotation of: {', '.join(schedules)}. Remove them there (inactive users are never paged)."
            )
