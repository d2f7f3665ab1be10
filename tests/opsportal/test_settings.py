"""Configuration comes from the environment only; a bad value stops start-up naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICE_VARIABLES = (
    "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "TIME_ZONE", "EMAIL_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser fixture; a deployment never has it
)  # fmt: skip


def load_settings(tmp_path, **variables: str) -> subprocess.CompletedProcess[str]:
    """Import the settings in a fresh interpreter with exactly these variables set."""
    env = {key: value for key, value in os.environ.items() if key not in SERVICE_VARIABLES}
    env.update(variables, OPSPORTAL_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="opsportal.settings")
    code = (
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.DEBUG, s.EMAIL_BACKEND, s.EMAIL_FILE_PATH, "
        "s.DATABASES['default'].get('CONN_MAX_AGE'), s.DATABASES['default'].get('CONN_HEALTH_CHECKS'))"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False)


class TestDefaults:
    def test_nothing_set_gives_sqlite_an_embedded_broker_and_debug(self, tmp_path):
        result = load_settings(tmp_path)
        assert result.returncode == 0, result.stderr
        engine, broker, debug, *_ = result.stdout.split()
        assert engine == "django.db.backends.sqlite3"
        assert broker == "filesystem://localhost/"
        assert debug == "True"

    def test_database_and_redis_urls_give_postgres_with_health_checked_connections(self, tmp_path):
        result = load_settings(tmp_path, DATABASE_URL="postgres://u:p@db:5432/portal", REDIS_URL="redis://redis:6379/0")
        assert result.returncode == 0, result.stderr
        engine, broker, _debug, _backend, _path, max_age, health = result.stdout.split()
        assert engine == "django.db.backends.postgresql"
        assert broker == "redis://redis:6379/0"
        assert (max_age, health) == ("60", "True")


class TestBadValues:
    @pytest.mark.parametrize(
        ("variables", "named"),
        [
            ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
            ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
            ({"REDIS_URL": "amqp://guest@localhost//"}, "REDIS_URL"),
            ({"DEBUG": "maybe"}, "DEBUG"),
            ({"TIME_ZONE": "Mars/Olympus"}, "TIME_ZONE"),
            ({"EMAIL_URL": "pigeon://loft"}, "EMAIL_URL"),
            ({"PORTAL_BASE_URL": "portal.example.com"}, "PORTAL_BASE_URL"),
            ({"DEBUG": "false", "ALLOWED_HOSTS": "portal.example.com"}, "SECRET_KEY"),
            ({"DEBUG": "false", "SECRET_KEY": "x" * 60}, "ALLOWED_HOSTS"),
        ],
    )
    def test_it_stops_start_up_naming_the_variable(self, tmp_path, variables, named):
        result = load_settings(tmp_path, **variables)
        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr
        assert named in result.stderr.strip().splitlines()[-1]


class TestEmailUrl:
    @pytest.mark.parametrize(
        ("url", "backend"),
        [
            ("smtp://user:pass@mail.example.com:25", "django.core.mail.backends.smtp.EmailBackend"),
            ("smtp+tls://user:pass@mail.example.com:587", "django.core.mail.backends.smtp.EmailBackend"),
            ("consolemail://", "django.core.mail.backends.console.EmailBackend"),
            ("filemail:///tmp/opsportal-mail", "django.core.mail.backends.filebased.EmailBackend"),
        ],
    )
    def test_it_accepts_the_documented_schemes(self, tmp_path, url, backend):
        result = load_settings(tmp_path, EMAIL_URL=url)
        assert result.returncode == 0, result.stderr
        assert result.stdout.split()[3] == backend
        if url.startswith("filemail"):
            assert result.stdout.split()[4] == "/tmp/opsportal-mail"


class TestDeployCheck:
    def test_production_settings_pass_check_deploy_with_no_warning(self, tmp_path):
        env = {key: value for key, value in os.environ.items() if key not in SERVICE_VARIABLES}
        env.update(
            DEBUG="false",
            SECRET_KEY="k3y-" + "a1B2c3D4e5F6g7H8i9J0" * 3,
            ALLOWED_HOSTS="portal.example.com",
            OPSPORTAL_VAR_DIR=str(tmp_path),
        )
        result = subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
