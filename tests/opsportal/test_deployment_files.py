"""docker-compose.yml cannot run here (no Docker engine), so its shape is checked instead."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


class TestDockerCompose:
    def test_it_has_the_production_services(self):
        assert set(compose()["services"]) >= {"db", "redis", "web", "worker", "beat"}

    def test_web_worker_and_beat_share_one_anchor(self):
        text = (ROOT / "docker-compose.yml").read_text()
        assert "x-app: &app" in text
        services = compose()["services"]
        for name in ("web", "worker", "beat", "migrate"):
            assert services[name]["image"] == "opsportal:latest"
            assert services[name]["environment"]["REDIS_URL"] == "redis://redis:6379/0"
            assert services[name]["environment"]["DATABASE_URL"].startswith("postgres://")
        assert text.count("<<: *app") == 4

    def test_each_service_runs_the_right_command(self):
        services = compose()["services"]
        assert services["web"]["command"][0] == "gunicorn"
        assert "opsportal.wsgi:application" in services["web"]["command"]
        assert services["worker"]["command"][:4] == ["celery", "-A", "opsportal", "worker"]
        assert services["beat"]["command"][:4] == ["celery", "-A", "opsportal", "beat"]
        assert "migrate" in " ".join(services["migrate"]["command"])

    def test_the_migrate_one_shot_imports_procedures_only_into_an_empty_database(self):
        # On every start: a deploy must never re-import over what admins have edited.
        command = " ".join(compose()["services"]["migrate"]["command"])
        assert "import_procedures --if-empty" in command
        assert command.count("import_procedures") == 1

    def test_postgres_is_15_or_newer_with_a_volume_and_healthcheck(self):
        db = compose()["services"]["db"]
        assert int(db["image"].split(":")[1]) >= 15
        assert any("/var/lib/postgresql/data" in volume for volume in db["volumes"])
        assert "pg_isready" in " ".join(db["healthcheck"]["test"])

    def test_redis_is_append_only_and_never_evicts(self):
        redis = compose()["services"]["redis"]
        command = " ".join(redis["command"])
        assert "--appendonly yes" in command
        assert "--maxmemory-policy noeviction" in command
        assert "redis-cli" in redis["healthcheck"]["test"]

    def test_app_services_wait_for_healthy_db_and_redis(self):
        services = compose()["services"]
        for name in ("web", "worker", "beat"):
            depends = services[name]["depends_on"]
            assert depends["db"]["condition"] == "service_healthy"
            assert depends["redis"]["condition"] == "service_healthy"
            assert depends["migrate"]["condition"] == "service_completed_successfully"

    def test_web_is_health_checked_on_healthz(self):
        assert "/healthz" in " ".join(compose()["services"]["web"]["healthcheck"]["test"])

    def test_env_example_names_every_configuration_variable(self):
        text = (ROOT / ".env.example").read_text()
        for name in (
            "SECRET_KEY",
            "DEBUG",
            "ALLOWED_HOSTS",
            "TIME_ZONE",
            "EMAIL_URL",
            "DEFAULT_FROM_EMAIL",
            "PORTAL_BASE_URL",
        ):
            assert f"{name}=" in text


class TestDockerfile:
    def test_it_installs_requirements_collects_static_and_runs_unprivileged(self):
        text = (ROOT / "Dockerfile").read_text()
        assert "FROM python:3.11" in text
        assert "pip install -r requirements.txt" in text
        assert "collectstatic" in text
        assert "USER opsportal" in text
