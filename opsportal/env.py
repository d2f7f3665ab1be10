"""Read configuration from the environment, refusing bad values by name.

Every setting of the portal comes from an environment variable with a default that works on
a bare machine. A value that cannot be used stops start-up with ``ImproperlyConfigured``
naming the variable, never later with an obscure traceback.
"""

from __future__ import annotations

import os
import zoneinfo
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    """Return the variable's value, or ``default`` when it is unset."""
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    """Return the variable as a boolean; refuse anything but yes/no words."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use true or false.")


def env_list(name: str, default: list[str]) -> list[str]:
    """Return a comma-separated variable as a list of non-empty, stripped strings."""
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [part.strip() for part in raw.split(",") if part.strip()]


def env_time_zone(name: str, default: str) -> str:
    """Return an IANA time zone name, refusing one zoneinfo does not know."""
    value = os.environ.get(name, default).strip()
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise ImproperlyConfigured(f"{name}={value!r} is not a known time zone (for example Europe/London).") from error
    return value


def env_database(name: str, default: str) -> dict[str, Any]:
    """Return a Django DATABASES entry parsed from a URL such as ``postgres://user@host/db``."""
    url = os.environ.get(name) or default
    try:
        config = environ.Env.db_url_config(url)
    except Exception as error:  # django-environ raises several types for a bad URL
        raise ImproperlyConfigured(f"{name}={url!r} is not a usable database URL: {error}") from error
    engine = config.get("ENGINE", "")
    if engine not in {"django.db.backends.postgresql", "django.db.backends.sqlite3"}:
        raise ImproperlyConfigured(f"{name}={url!r}: only postgres:// and sqlite:// databases are supported.")
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{name}={url!r} names no database.")
    return config


def env_email(name: str, default: str) -> dict[str, Any]:
    """Return Django e-mail settings parsed from a URL (smtp://, smtp+tls://, consolemail://, filemail:///path)."""
    url = os.environ.get(name) or default
    try:
        config = environ.Env.email_url_config(url)
    except Exception as error:
        raise ImproperlyConfigured(f"{name}={url!r} is not a usable e-mail URL: {error}") from error
    if url.startswith("filemail://"):
        # django-environ drops the leading slash of an absolute path; keep it as written.
        config["EMAIL_FILE_PATH"] = url[len("filemail://") :] or "var/mail"
    if not config.get("EMAIL_BACKEND"):
        raise ImproperlyConfigured(
            f"{name}={url!r}: unknown scheme; use smtp://, smtp+tls://, consolemail:// or filemail:///path."
        )
    return config


def env_url(name: str, default: str, schemes: tuple[str, ...]) -> str:
    """Return a URL whose scheme is one of ``schemes``."""
    value = (os.environ.get(name) or default).strip()
    scheme = value.split("://", 1)[0] if "://" in value else ""
    if scheme not in schemes:
        allowed = ", ".join(f"{s}://" for s in schemes)
        raise ImproperlyConfigured(f"{name}={value!r} must start with one of {allowed}.")
    return value


def env_int(name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    """Return a whole number between ``minimum`` and ``maximum``, refusing anything else by name."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError as error:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from error
    if value < minimum or (maximum is not None and value > maximum):
        allowed = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise ImproperlyConfigured(f"{name}={raw!r} must be {allowed}.")
    return value
