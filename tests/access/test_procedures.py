"""import_procedures turns the "Security Operations" bullets into scheduled checklists."""

from __future__ import annotations

import pytest

from checklists.models import ChecklistTemplate
from opsportal.procedures.importer import DEFAULT_DOCUMENT, procedures_import
from opsportal.roles import Role

NAMES = {
    "Security assessment and penetration testing": ("quarterly", 2, Role.ADMIN.value),
    "Access control review and permission audit": ("quarterly", 1, Role.MANAGER.value),
    "Security awareness training": ("monthly", 1, Role.MANAGER.value),
}


@pytest.mark.django_db
class TestSecurityRoutines:
    def test_the_bundled_document_makes_three_scheduled_routines(self):
        procedures_import(source=DEFAULT_DOCUMENT.read_text())
        templates = ChecklistTemplate.objects.filter(name__in=NAMES).select_related("owner_group")
        assert {t.name: (t.frequency, t.week_of_month, t.owner_group.name) for t in templates} == NAMES
        assert all(template.items.count() >= 3 for template in templates)

    def test_a_second_import_changes_nothing(self):
        procedures_import(source=DEFAULT_DOCUMENT.read_text())
        count = ChecklistTemplate.objects.count()
        procedures_import(source=DEFAULT_DOCUMENT.read_text())
        assert ChecklistTemplate.objects.count() == count

    def test_a_dropped_bullet_retires_its_routine(self):
        text = DEFAULT_DOCUMENT.read_text()
        procedures_import(source=text)
        procedures_import(source=text.replace("- Security awareness training and education\n", ""))
        assert not ChecklistTemplate.objects.get(name="Security awareness training").is_active
        assert ChecklistTemplate.objects.get(name="Access control review and permission audit").is_active
