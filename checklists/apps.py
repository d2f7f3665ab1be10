from django.apps import AppConfig


class ChecklistsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "checklists"
    verbose_name = "Checklists"

    def ready(self) -> None:
        # Register this area's Today section and procedure loaders.
        from checklists import views  # noqa: F401
