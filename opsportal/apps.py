from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OpsPortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "opsportal"
    verbose_name = "OpsPortal"

    def ready(self) -> None:
        from opsportal.groups import sync_role_permissions

        # Permissions of every app exist only after its migrations ran: grant them afterwards.
        post_migrate.connect(sync_role_permissions, dispatch_uid="opsportal.sync_role_permissions")
