from django.apps import AppConfig


class CoordinationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coordination"
    verbose_name = "Team coordination"

    def ready(self) -> None:
        # Register this area's Today section, procedure loader and demo seeder.
        from coordination import demo, procedures, views  # noqa: F401
