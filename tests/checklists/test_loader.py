"""The procedures loader: scheduled sections become templates, re-import updates in place."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from checklists.models import ChecklistTemplate
from opsportal.procedures.document import ProcedureError
from opsportal.procedures.importer import procedures_import
from opsportal.roles import Role

OTHER_DOCUMENT = """\
# Site Runbook

## Routine Duties

### Shift Handover (7:30 AM)
- [ ] Read the night log
- [ ] Check the pager rota

### Night Check (22:15)
- [ ] Confirm backups started

### Tuesday & Thursday - Patch Review
- Review pending patches
- Schedule reboots

### Second Week - Capacity Review
- Review disk growth
- Review licence counts
- Order hardware if needed

## Other Notes

### Contacts
- Facilities: ext. 100
"""


def load(source: str):
    return procedures_import(source=source)


@pytest.mark.django_db
class TestBundledDocument:
    def test_it_creates_the_daily_weekly_and_monthly_templates(self, procedures):
        # Incident response phases are on-demand templates of the incidents loader: not counted here.
        templates = {
            t.name: t for t in ChecklistTemplate.objects.select_related("owner_group").exclude(frequency="on_demand")
        }
        assert set(templates) == {
            "Morning Startup", "Midday Review", "Evening Wrap-up",
            "Monday - Planning and Strategy", "Wednesday - Content and Quality Assurance", "Friday - Analysis and Optimization",
            "First Week - Strategic Review", "Second Week - Technical Maintenance", "Third Week - Content and Marketing",
            "Fourth Week - Planning and Preparation",
            # The "Security Operations" routines (access/procedures.py).
            "Security assessment and penetration testing", "Access control review and permission audit",
            "Security awareness training",
        }  # fmt: skip
        morning = templates["Morning Startup"]
        assert (morning.frequency, morning.time_of_day.hour, morning.items.count()) == ("daily", 8, 6)
        assert templates["Evening Wrap-up"].time_of_day.hour == 18
        assert (
            templates["Wednesday - Content and Quality Assurance"].frequency,
            templates["Wednesday - Content and Quality Assurance"].weekdays,
        ) == ("weekly", [2])
        assert (
            templates["Third Week - Content and Marketing"].frequency,
            templates["Third Week - Content and Marketing"].week_of_month,
        ) == ("monthly", 3)
        security = {"Security assessment and penetration testing": Role.ADMIN.value,
                    "Access control review and permission audit": Role.MANAGER.value,
                    "Security awareness training": Role.MANAGER.value}  # fmt: skip
        assert {t.owner_group.name for name, t in templates.items() if name not in security} == {Role.OPS.value}
        assert {name: templates[name].owner_group.name for name in security} == security

    def test_importing_again_updates_in_place_and_never_duplicates(self, procedures):
        before = dict(ChecklistTemplate.objects.values_list("key", "pk"))
        call_command("import_procedures", stdout=open("/dev/null", "w"))  # noqa: SIM115
        assert dict(ChecklistTemplate.objects.values_list("key", "pk")) == before


@pytest.mark.django_db
class TestAnotherDocumentOfTheSameShape:
    def test_it_reads_titles_times_weekdays_and_weeks_from_the_document(self):
        load(OTHER_DOCUMENT)
        templates = {t.name: t for t in ChecklistTemplate.objects.all()}
        assert set(templates) == {
            "Shift Handover",
            "Night Check",
            "Tuesday & Thursday - Patch Review",
            "Second Week - Capacity Review",
        }
        assert (templates["Shift Handover"].time_of_day.hour, templates["Shift Handover"].time_of_day.minute) == (7, 30)
        assert templates["Night Check"].time_of_day.hour == 22
        assert templates["Tuesday & Thursday - Patch Review"].weekdays == [1, 3]
        assert templates["Second Week - Capacity Review"].week_of_month == 2
        assert templates["Second Week - Capacity Review"].items.count() == 3

    def test_an_edited_document_updates_items_and_times_in_place(self):
        load(OTHER_DOCUMENT)
        pk = ChecklistTemplate.objects.get(name="Shift Handover").pk
        edited = OTHER_DOCUMENT.replace("(7:30 AM)", "(7:45 AM)").replace("- [ ] Check the pager rota\n", "")
        report = load(edited)
        template = ChecklistTemplate.objects.get(name="Shift Handover")
        assert template.pk == pk
        assert template.time_of_day.minute == 45
        assert list(template.items.values_list("text", flat=True)) == ["Read the night log"]
        assert ChecklistTemplate.objects.count() == 4
        assert any(result.updated for _loader, _title, result in report.loaded)
        assert template.history.count() == 2  # created, then edited

    def test_a_bad_time_is_rejected_with_its_line_and_nothing_is_saved(self):
        broken = OTHER_DOCUMENT.replace("(22:15)", "(25:00 PM)")
        with pytest.raises(ProcedureError) as error:
            load(broken)
        assert error.value.line == 9
        assert ChecklistTemplate.objects.count() == 0

    def test_the_command_names_the_line(self, tmp_path):
        path = tmp_path / "bad.md"
        path.write_text(OTHER_DOCUMENT.replace("Tuesday & Thursday", "Funday"))
        with pytest.raises(CommandError, match="line 12"):
            call_command("import_procedures", str(path), stdout=open("/dev/null", "w"))  # noqa: SIM115
