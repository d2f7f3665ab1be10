"""Create the four role groups, so a fresh database has them."""

from django.db import migrations

ROLE_NAMES = ["Ops staff", "On-call engineer", "Manager", "Admin"]


def create_roles(apps, schema_editor):
    group = apps.get_model("auth", "Group")
    for name in ROLE_NAMES:
        group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("opsportal", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
