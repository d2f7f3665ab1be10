from django.apps import AppConfig


class ChangesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "changes"
    verbose_name = "Change requests"

    def ready(self) -> None:
        # Register this area's Today section, procedure loaders and demo seeder.
        from changes import demo, procedures, views  # noqa: F401
