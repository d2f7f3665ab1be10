from django.apps import AppConfig


class ReportingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reporting"
    verbose_name = "Reporting"

    def ready(self) -> None:
        # Register this area's Today section, procedure loaders and demo seeder.
        from reporting import demo, procedures, views  # noqa: F401
