from django.apps import AppConfig


class ChecklistsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "checklists"
    verbose_name = "Checklists"

    def ready(self) -> None:
        # Register this area's Today section, procedure loader and demo seeder.
        from checklists import demo, procedures, views  # noqa: F401
