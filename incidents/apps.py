from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        # Register this area's Today section and procedure loaders.
        from checklists.services import subject_item_hook_register
        from incidents import demo, procedures, views  # noqa: F401
        from incidents.services import incident_phase_item_changed

        # Ticking "Acknowledge the incident" acknowledges it, and unticking it is refused after.
        subject_item_hook_register(model_label="incidents.incident", hook=incident_phase_item_changed)
