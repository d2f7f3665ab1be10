"""python manage.py seed_demo — demo users (one per role) and a realistic history."""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from opsportal.demo import DEMO_USERS, DemoContext, seeders
from opsportal.roles import Role


class Command(BaseCommand):
    help = (
        "Create one demo user per role (ops, oncall, manager, admin) and a realistic history. "
        "Passwords come from DEMO_PASSWORD, or are generated and printed once for new users."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users-only", action="store_true", help="create the demo users and nothing else")

    def handle(self, *args: Any, **options: Any) -> None:
        password_from_env = os.environ.get("DEMO_PASSWORD", "")
        user_model = get_user_model()
        if password_from_env:
            self._validate_demo_password(password_from_env, user_model)
        users: dict[Role, Any] = {}
        created_logins: list[tuple[str, str, str]] = []
        for role, username in DEMO_USERS.items():
            user = user_model.objects.filter(username=username).first()
            if user is None:
                password = password_from_env or secrets.token_urlsafe(12)
                user = user_model.objects.create_user(
                    username=username,
                    password=password,
                    email=f"{username}@example.com",
                    first_name=role.value.split()[0],
                    is_staff=role is Role.ADMIN,
                )
                created_logins.append((role.value, username, password))
            elif password_from_env and not user.check_password(password_from_env):
                user.set_password(password_from_env)
                user.save(update_fields=["password"])
            user.groups.add(Group.objects.get_or_create(name=role.value)[0])
            users[role] = user

        if created_logins:
            self.stdout.write("Demo logins (shown once; set DEMO_PASSWORD to choose them):")
            for role_name, username, password in created_logins:
                self.stdout.write(f"  {role_name:<17} {username:<8} {password}")
        else:
            self.stdout.write(
                "Demo users exist already: "
                + ", ".join(DEMO_USERS.values())
                + " (passwords unchanged"
                + (", set from DEMO_PASSWORD)" if password_from_env else "; set DEMO_PASSWORD to reset them)")
            )
        if options["users_only"]:
            return
        context = DemoContext(users=users, now=timezone.now(), progress=lambda line: self.stdout.write(f"  {line}"))
        for name, seeder in seeders():
            with transaction.atomic():
                summary = seeder(context)
            self.stdout.write(f"  {name}: {summary}")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))

    @staticmethod
    def _validate_demo_password(password: str, user_model: Any) -> None:
        """Refuse a ``DEMO_PASSWORD`` that Django's password validators reject, for any demo user."""
        problems: list[str] = []
        for role, username in DEMO_USERS.items():
            user = user_model(username=username, email=f"{username}@example.com", first_name=role.value.split()[0])
            try:
                validate_password(password, user=user)
            except ValidationError as error:
                problems.extend(message for message in error.messages if message not in problems)
        if problems:
            raise CommandError("DEMO_PASSWORD is too weak, nothing was changed: " + " ".join(problems))
