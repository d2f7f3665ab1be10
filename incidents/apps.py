from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        # Register this area's Today section and procedure loaders.
        from incidents import demo, procedures, views  # noqa: F401
