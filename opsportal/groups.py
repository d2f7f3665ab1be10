"""Keep the role groups' model permissions in step with the apps' models.

The groups themselves are created by a data migration (``opsportal/migrations/0002_roles``),
so a fresh database has them. Model permissions appear only after each app's migrations run,
so they are granted after every ``migrate``: Admin may change every portal model, users and
groups in Django admin; Manager may view the portal's models there.
"""

from __future__ import annotations

from typing import Any

PORTAL_APPS = (
    "opsportal",
    "checklists",
    "incidents",
    "changes",
    "reporting",
    "webhooks",
    "oncall",
    "coordination",
    "compliance",
    "knowledge",
    "breaches",
    "access",
)
ADMIN_EXTRA_APPS = ("auth", "authtoken", "axes")


def sync_role_permissions(sender: Any = None, using: str = "default", apps: Any = None, **kwargs: Any) -> None:
    """Grant Admin every permission of the portal apps (and users/groups), Manager view ones."""
    from django.contrib.auth.models import Group, Permission

    from opsportal.roles import Role

    admin = Group.objects.using(using).filter(name=Role.ADMIN.value).first()
    manager = Group.objects.using(using).filter(name=Role.MANAGER.value).first()
    portal = Permission.objects.using(using).filter(content_type__app_label__in=PORTAL_APPS)
    if admin is not None:
        extra = Permission.objects.using(using).filter(content_type__app_label__in=ADMIN_EXTRA_APPS)
        admin.permissions.add(*portal, *extra)
    if manager is not None:
        manager.permissions.add(*portal.filter(codename__startswith="view_"))
