from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "compliance"
    verbose_name = "Compliance"

    def ready(self) -> None:
        # Show an erased user as "former user 17" wherever the portal prints a user; register the demo seeder.
        from compliance import demo  # noqa: F401
        from compliance.erasure import install_former_user_display

        install_former_user_display()
