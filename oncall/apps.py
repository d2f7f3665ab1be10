from django.apps import AppConfig


class OncallConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "oncall"
    verbose_name = "On-call"

    def ready(self) -> None:
        # Register the demo seeder.
        from oncall import demo  # noqa: F401
