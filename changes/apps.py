from django.apps import AppConfig


class ChangesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "changes"
    verbose_name = "Change requests"

    def ready(self) -> None:
        # Register this area's Today section and procedure loaders.
        from changes import views  # noqa: F401
