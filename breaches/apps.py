from django.apps import AppConfig


class BreachesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "breaches"
    verbose_name = "Personal data breaches"

    def ready(self) -> None:
        # Register the privacy impact assessment loader of the procedures import.
        from breaches import procedures  # noqa: F401
