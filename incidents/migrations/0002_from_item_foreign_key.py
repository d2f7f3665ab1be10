"""Turn ``Incident.from_item_id`` (a plain integer) into a foreign key to ``checklists.RunItem``.

The old integer was accepted from the API without a check, so existing values are kept only
where they name a run item that exists; the others become NULL (nothing to link to).
"""

import django.db.models.deletion
from django.db import migrations, models


def copy_existing_links(apps, schema_editor):
    Incident = apps.get_model("incidents", "Incident")
    RunItem = apps.get_model("checklists", "RunItem")
    rows = list(Incident.objects.filter(from_item_ref__isnull=False).values_list("pk", "from_item_ref"))
    existing = set(RunItem.objects.filter(pk__in={ref for _, ref in rows}).values_list("pk", flat=True))
    for pk, ref in rows:
        if ref in existing:
            Incident.objects.filter(pk=pk).update(from_item_id=ref)


def copy_back(apps, schema_editor):
    Incident = apps.get_model("incidents", "Incident")
    for pk, ref in Incident.objects.filter(from_item__isnull=False).values_list("pk", "from_item_id"):
        Incident.objects.filter(pk=pk).update(from_item_ref=ref)


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0001_initial"),
        ("incidents", "0001_initial"),
    ]

    operations = [
        # Free the column name "from_item_id" for the foreign key.
        migrations.RenameField(model_name="incident", old_name="from_item_id", new_name="from_item_ref"),
        migrations.AddField(
            model_name="incident",
            name="from_item",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="incidents",
                to="checklists.runitem",
            ),
        ),
        migrations.RunPython(copy_existing_links, copy_back),
        migrations.RemoveField(model_name="incident", name="from_item_ref"),
    ]
