from django.apps import AppConfig


class ReportingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reporting"
    verbose_name = "Reporting"

    def ready(self) -> None:
        # Register this area's Today section, procedure loaders and demo seeder, and the
        # operational KPIs computed from the checklists, incidents and changes apps.
        from reporting import demo, procedures, views  # noqa: F401
        from reporting.operational import register_operational_kpis

        register_operational_kpis()
