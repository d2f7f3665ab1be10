from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "knowledge"
    verbose_name = "Knowledge library"

    def ready(self) -> None:
        # Register the quality-checklist procedure loader, the tick rule of quality runs and the demo seeder.
        from knowledge import demo, procedures, services  # noqa: F401
