from django.apps import AppConfig


class AccessConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "access"
    verbose_name = "Access reviews and training"

    def ready(self) -> None:
        # Start the role audit trail (the m2m hook on User.groups); register the procedure loader and demo seeder.
        from access import audit, demo, procedures  # noqa: F401
