"""The webhook settings: private targets refused in production by default, bad values refused by name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {"DEBUG": "false", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "ops.example"}


def webhook_settings(tmp_path, **variables: str) -> subprocess.CompletedProcess[str]:
    """Import the settings in a fresh interpreter with these variables; print the webhook ones."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("WEBHOOK_", "DEBUG"))}
    env.update(variables, OPSPORTAL_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="opsportal.settings")
    code = "from django.conf import settings as s; print(s.WEBHOOK_ALLOW_PRIVATE, s.WEBHOOK_ALLOWED_NETWORKS)"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False)


class TestWebhookSettings:
    def test_production_refuses_private_targets_by_default(self, tmp_path):
        result = webhook_settings(tmp_path, **PRODUCTION)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "False []"

    def test_production_admits_networks_on_the_allow_list(self, tmp_path):
        result = webhook_settings(tmp_path, **PRODUCTION, WEBHOOK_ALLOWED_NETWORKS="10.1.0.0/16, fd00::/8")
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "False ['10.1.0.0/16', 'fd00::/8']"

    def test_a_bad_network_stops_start_up_naming_the_variable(self, tmp_path):
        result = webhook_settings(tmp_path, WEBHOOK_ALLOWED_NETWORKS="10.1.0.0/99")
        assert result.returncode != 0
        assert "WEBHOOK_ALLOWED_NETWORKS: '10.1.0.0/99' is not a network" in result.stderr

    def test_a_bad_boolean_stops_start_up_naming_the_variable(self, tmp_path):
        result = webhook_settings(tmp_path, WEBHOOK_ALLOW_PRIVATE="maybe")
        assert result.returncode != 0
        assert "WEBHOOK_ALLOW_PRIVATE='maybe' is not a boolean" in result.stderr
