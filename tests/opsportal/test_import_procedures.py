"""import_procedures: the parser, the registry and the command's errors."""

from datetime import time, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from opsportal.procedures import registry
from opsportal.procedures.document import ProcedureError, parse_document
from opsportal.procedures.importer import DEFAULT_DOCUMENT

BUNDLED = DEFAULT_DOCUMENT.read_text()

OTHER_TEAM = """\
# Runbook of the Platform Team

## Routine

### Shift Checklist

#### Opening Checks (7:30 AM)
- [ ] Read the handover notes
- [ ] Check the queue depth

#### Closing Checks (21:15)
- [ ] Write the handover notes

### Weekly Rhythm

#### Tuesday - Capacity Review
- Review disk growth
- Review the error budget

#### Thu - Vendor Sync
- Call the hosting provider

### Monthly Rhythm

#### Week 2 - Patch Window
- Apply operating system patches

#### Fourth Week - Cost Review
- Review cloud spend
"""


class TestParser:
    def test_it_reads_every_section_of_the_bundled_document(self):
        document = parse_document(BUNDLED)
        sections = {section.name: section for section in document.walk()}
        assert sections["Morning Startup"].time_of_day == time(8, 0)
        assert sections["Midday Review"].time_of_day == time(12, 0)
        assert sections["Evening Wrap-up"].time_of_day == time(18, 0)
        assert [
            len(sections[name].entries_of("checkbox"))
            for name in ("Morning Startup", "Midday Review", "Evening Wrap-up")
        ] == [6, 5, 5]
        assert sections["Monday - Planning and Strategy"].weekdays == (0,)
        assert sections["Wednesday - Content and Quality Assurance"].weekdays == (2,)
        assert sections["Friday - Analysis and Optimization"].weekdays == (4,)
        assert [sections[f"{word} Week - {label}"].week_of_month for word, label in (
            ("First", "Strategic Review"), ("Second", "Technical Maintenance"),
            ("Third", "Content and Marketing"), ("Fourth", "Planning and Preparation"))] == [1, 2, 3, 4]  # fmt: skip
        critical = sections["Critical (P0) - System Down"]
        assert critical.fields["Response Time"] == "Immediate (within 15 minutes)"
        assert sections["Immediate Response"].window == (timedelta(0), timedelta(minutes=15))
        assert sections["Investigation Phase"].window == (timedelta(minutes=15), timedelta(hours=2))
        assert sections["Post-Incident Review"].window == (timedelta(0), timedelta(hours=48))
        assert sections["Resolution Phase"].window_text == "varies by severity"
        steps = sections["Change Request Process"].entries_of("step")
        assert [(step.number, step.key) for step in steps][:2] == [(1, "Initiation"), (2, "Assessment")]
        assert list(sections["Deployment Procedures"].fields) == [
            "Development",
            "Staging",
            "Pre-Production",
            "Production",
            "Post-Deployment",
        ]
        assert list(sections["Reporting Schedule"].fields) == ["Daily", "Weekly", "Monthly", "Quarterly"]
        assert "Financial" in sections["Key Performance Indicators"].fields

    def test_it_reads_another_teams_document_of_the_same_shape(self):
        sections = {section.name: section for section in parse_document(OTHER_TEAM).walk()}
        assert sections["Opening Checks"].time_of_day == time(7, 30)
        assert sections["Closing Checks"].time_of_day == time(21, 15)
        assert sections["Tuesday - Capacity Review"].weekdays == (1,)
        assert sections["Thu - Vendor Sync"].weekdays == (3,)
        assert sections["Week 2 - Patch Window"].week_of_month == 2

    @pytest.mark.parametrize(
        ("source", "line", "words"),
        [
            ("- [ ] an item before any heading\n# Title\n", 1, "outside any heading"),
            ("# Daily\n\n#### Night Shift (25:00 PM)\n- [ ] Check\n", 3, "'25:00 PM' is not a time of day"),
            ("# Daily\n#### Late (23:75)\n- [ ] Check\n", 2, "'23:75' is not a time of day"),
            ("# Weekly\n\n\n#### Funday - Planning\n- Plan\n", 4, "'Funday' is not a weekday"),
            ("# Monthly\n#### Sixth Week - Review\n- Review\n", 2, "not a week of the month"),
            ("# Title\n```\nnever closed\n", 3, "code block"),
            ("", 1, "no headings"),
        ],
    )
    def test_it_rejects_a_malformed_document_with_the_line(self, source, line, words):
        with pytest.raises(ProcedureError) as raised:
            parse_document(source)
        assert raised.value.line == line
        assert words in str(raised.value)


@pytest.fixture
def group_loader():
    """Register a throw-away loader that turns each checklist heading into a Group (so writes are visible)."""
    saved = dict(registry._loaders)
    registry._loaders.clear()  # alone, so the apps' loaders cannot claim the sections first

    def claims(section):
        return bool(section.entries_of("checkbox"))

    @registry.register_loader("test.groups", claims=claims, order=1)
    def load(section):
        if "Explode" in section.title:
            raise ProcedureError(section.line, "this section cannot be loaded")
        _, created = Group.objects.get_or_create(name=f"imported: {section.name}")
        return registry.LoadResult(created=int(created), unchanged=int(not created))

    yield
    registry._loaders.clear()
    registry._loaders.update(saved)


@pytest.mark.django_db
class TestImportProceduresCommand:
    def test_it_imports_the_bundled_document_by_default(self, group_loader, capsys):
        call_command("import_procedures")
        assert Group.objects.filter(name="imported: Morning Startup").exists()
        assert "sections loaded" in capsys.readouterr().out

    def test_rerunning_updates_and_never_duplicates(self, group_loader):
        call_command("import_procedures")
        count = Group.objects.count()
        call_command("import_procedures")
        assert Group.objects.count() == count

    def test_a_malformed_document_names_the_line_and_saves_nothing(self, group_loader, tmp_path):
        path = tmp_path / "bad.md"
        path.write_text(OTHER_TEAM.replace("#### Thu - Vendor Sync", "#### Thursday (25:00 PM) - Vendor Sync"))
        before = set(Group.objects.values_list("name", flat=True))
        with pytest.raises(CommandError, match=r"line 20: '25:00 PM' is not a time of day.*Nothing was imported"):
            call_command("import_procedures", str(path))
        assert set(Group.objects.values_list("name", flat=True)) == before

    def test_a_loader_error_rolls_back_what_earlier_sections_wrote(self, group_loader, tmp_path):
        path = tmp_path / "explodes.md"
        path.write_text(OTHER_TEAM + "\n#### Explode (9:00 AM)\n- [ ] Boom\n")
        before = Group.objects.count()
        line = len(OTHER_TEAM.splitlines()) + 2
        with pytest.raises(CommandError, match=f"line {line}: this section cannot be loaded"):
            call_command("import_procedures", str(path))
        assert Group.objects.count() == before

    def test_a_missing_file_is_a_clear_error(self):
        with pytest.raises(CommandError, match="Cannot read"):
            call_command("import_procedures", str(Path("/nonexistent/procedures.md")))

    def test_every_loader_claims_only_by_shape_or_loose_words(self):
        # The registry offers a second team's document section by section; nothing depends on exact titles.
        assigned, _ = registry.assign_sections(parse_document(OTHER_TEAM))
        assert all(section.title for _, section in assigned)


@pytest.mark.django_db
class TestImportWithEveryLoader:
    def test_the_bundled_document_loads_and_reloads_without_duplicates(self, capsys):
        from checklists.models import ChecklistTemplate
        from incidents.models import Severity

        call_command("import_procedures")
        counts = (ChecklistTemplate.objects.count(), Severity.objects.count())
        call_command("import_procedures")
        assert (ChecklistTemplate.objects.count(), Severity.objects.count()) == counts
        # 10 calendar checklists, 3 security routines, 4 incident response phases, the knowledge pages'
        # quality checklist and the privacy impact assessment
        assert counts == (19, 4)
        assert "0 created" in capsys.readouterr().out
