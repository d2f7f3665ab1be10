"""Create the default retention rule of every kind (admins edit the periods afterwards)."""

from django.db import migrations

DEFAULT_DAYS = {
    "notifications": 90,
    "report_emails": 90,
    "webhook_deliveries": 90,
    "sessions": 30,
    "login_attempts": 30,
    "closed_incidents": 730,
    "closed_changes": 730,
}


def create_defaults(apps, schema_editor):
    rule = apps.get_model("compliance", "RetentionRule")
    for kind, days in DEFAULT_DAYS.items():
        rule.objects.get_or_create(kind=kind, defaults={"days": days})


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_retention_and_erasure")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
