"""What an erased user looks like: the username ``former-user-<id>``, shown as "former user <id>".

``install_former_user_display`` makes ``get_username()`` and ``str()`` of such a user say
"former user 17", so every page, e-mail and export that prints a user (they all go through one
of the two) shows the erased person the same way without touching each template.
"""

from __future__ import annotations

import re
from typing import Any

ERASED_PREFIX = "former-user-"


def erased_username(user_id: int) -> str:
    """Return the username an erased user gets."""
    return f"{ERASED_PREFIX}{user_id}"


def former_user_label(user_id: int) -> str:
    """Return how an erased user is shown."""
    return f"former user {user_id}"


def is_erased(user: Any) -> bool:
    return getattr(user, "username", None) == erased_username(user.pk)


def install_former_user_display() -> None:
    """Wrap the user model's ``get_username`` and ``__str__`` to show "former user <id>" once erased."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    if getattr(user_model, "_former_user_display", False):
        return
    original_get_username = user_model.get_username
    original_str = user_model.__str__

    def get_username(self: Any) -> str:
        return former_user_label(self.pk) if is_erased(self) else original_get_username(self)

    def to_string(self: Any) -> str:
        return former_user_label(self.pk) if is_erased(self) else original_str(self)

    user_model.get_username = get_username  # type: ignore[method-assign]
    user_model.__str__ = to_string  # type: ignore[method-assign]
    user_model._former_user_display = True  # type: ignore[attr-defined]


def name_pattern(*names: str) -> re.Pattern[str] | None:
    """Return a pattern matching any of ``names`` as a whole word (a username, an address)."""
    words = sorted({name for name in names if name and len(name) >= 2}, key=len, reverse=True)
    if not words:
        return None
    alternatives = "|".join(re.escape(word) for word in words)
    return re.compile(rf"(?<![\w.@+-])(?:{alternatives})(?![\w@+-]|\.\w)", re.IGNORECASE)


def scrub(value: Any, pattern: re.Pattern[str], replacement: str) -> Any:
    """Return ``value`` (text, or JSON of dicts and lists) with every match of ``pattern`` replaced."""
    if isinstance(value, str):
        return pattern.sub(replacement, value)
    if isinstance(value, list):
        return [scrub(item, pattern, replacement) for item in value]
    if isinstance(value, dict):
        return {scrub(key, pattern, replacement): scrub(item, pattern, replacement) for key, item in value.items()}
    return value
