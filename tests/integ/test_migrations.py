"""The incidents migration that turns ``from_item_id`` into a foreign key keeps the links that exist."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("incidents", "0001_initial"), ("changes", "0001_initial")]


@pytest.mark.django_db(transaction=True)
class TestFromItemMigration:
    def test_existing_item_ids_become_links_and_dangling_ones_become_null(self):
        executor = MigrationExecutor(connection)
        latest = executor.loader.graph.leaf_nodes()
        # The state Django leaves after unapplying: apps that depend on later incidents or changes
        # migrations (coordination, compliance…) are unapplied with them, the rest stay at their latest.
        state = executor.migrate(BEFORE)
        try:
            apps = state.apps
            group = apps.get_model("auth", "Group").objects.create(name="Migration test group")
            template = apps.get_model("checklists", "ChecklistTemplate").objects.create(
                key="m", name="M", owner_group=group, frequency="on_demand"
            )
            when = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
            run = apps.get_model("checklists", "ChecklistRun").objects.create(
                template=template, name="M", opens_at=when
            )
            item = apps.get_model("checklists", "RunItem").objects.create(run=run, text="Check")
            severity = apps.get_model("incidents", "Severity").objects.create(code="P9", name="x", response_minutes=5)
            Incident = apps.get_model("incidents", "Incident")
            values = {"severity": severity, "detected_at": when, "declared_at": when, "response_due_at": when}
            linked = Incident.objects.create(title="linked", from_item_id=item.pk, **values)
            dangling = Incident.objects.create(title="dangling", from_item_id=item.pk + 1000, **values)
            plain = Incident.objects.create(title="plain", **values)
        finally:
            executor = MigrationExecutor(connection)
            executor.migrate(latest)
        from incidents.models import Incident as CurrentIncident

        found = dict(CurrentIncident.objects.values_list("pk", "from_item_id"))
        assert found == {linked.pk: item.pk, dangling.pk: None, plain.pk: None}
