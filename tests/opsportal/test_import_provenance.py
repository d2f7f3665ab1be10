"""import_procedures keeps what admins edited: provenance per row, conflicts, --overwrite, --if-empty."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

from changes.models import DeploymentStage, ProcessStep
from checklists.models import ChecklistItem, ChecklistRun, ChecklistTemplate
from checklists.services import runs_generate
from incidents.models import Severity
from opsportal.models import ImportedRecord
from opsportal.procedures.importer import DEFAULT_DOCUMENT
from reporting.models import KpiDefinition, ReportSchedule

BUNDLED = DEFAULT_DOCUMENT.read_text(encoding="utf-8")
FIRST_ITEM = "Review overnight system alerts and notifications"
SECOND_ITEM = "Check backup completion status and verify integrity"
BEFORE = datetime(2026, 11, 30, tzinfo=UTC)


def run_import(*args: str) -> str:
    out = io.StringIO()
    call_command("import_procedures", *args, stdout=out)
    return out.getvalue()


def write(tmp_path, text: str, name: str = "procedures.md") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def morning() -> ChecklistTemplate:
    return ChecklistTemplate.objects.get(key="daily-morning-startup")


def morning_item(position: int) -> ChecklistItem:
    return morning().items.get(position=position)


def edit_as_admin() -> None:
    """The three edits of the issue: an item's text, a template's time, P1's SLA (saved as admin saves)."""
    item = morning_item(1)
    item.text = "Review overnight alerts in PagerDuty and Grafana"
    item.save()
    template = morning()
    template.time_of_day = time(7, 30)
    template.save()
    p1 = Severity.objects.get(code="P1")
    p1.response_minutes = 30
    p1.save()


@pytest.mark.django_db
class TestProvenance:
    def test_each_imported_row_records_its_heading_line_and_fingerprint(self):
        run_import()
        record = ImportedRecord.objects.get(source_key="checklists.template:daily-morning-startup")
        assert record.content_object == morning()
        assert (record.loader, record.heading, record.line) == ("checklists.calendar", "Morning Startup (8:00 AM)", 7)
        assert len(record.fingerprint) == 64 and record.edited_at is None
        item = ImportedRecord.objects.get(source_key="checklists.template:daily-morning-startup/item-1")
        assert (item.content_object.text, item.line) == (FIRST_ITEM, 8)
        severity = ImportedRecord.objects.get(source_key="incidents.severity:P1")
        assert (severity.content_object.code, severity.heading) == ("P1", "High (P1) - Major Impact")
        for prefix in ("changes.process_step:", "changes.deployment_stage:", "reporting.kpi:", "reporting.schedule:"):
            assert ImportedRecord.objects.filter(source_key__startswith=prefix).exists(), prefix
        phases = ImportedRecord.objects.filter(source_key__startswith="checklists.template:incident-phase-")
        assert phases.exclude(source_key__contains="/item-").count() == 4


@pytest.mark.django_db
class TestAdminEditsSurviveAReimport:
    def test_an_edited_item_time_and_sla_survive_and_are_reported_as_conflicts(self):
        run_import()
        edit_as_admin()
        out = run_import()
        assert morning_item(1).text == "Review overnight alerts in PagerDuty and Grafana"
        assert morning().time_of_day == time(7, 30)
        assert Severity.objects.get(code="P1").response_minutes == 30
        assert "conflict: checklist “Morning Startup”, item 1: edited since the last import (text)" in out
        assert "conflict: checklist “Morning Startup”: edited since the last import (time_of_day)" in out
        assert "conflict: severity P1: edited since the last import (response_minutes)" in out
        assert "3 conflict(s)" in out and "--overwrite" in out
        record = ImportedRecord.objects.get(source_key="incidents.severity:P1")
        assert record.edited_at is not None

    def test_the_document_still_updates_what_nobody_edited(self, tmp_path):
        run_import()
        edit_as_admin()
        changed = BUNDLED.replace(SECOND_ITEM, "Check last night's backups").replace(
            "#### Midday Review (12:00 PM)", "#### Midday Review (12:30 PM)"
        )
        out = run_import(write(tmp_path, changed))
        assert morning_item(2).text == "Check last night's backups"
        assert ChecklistTemplate.objects.get(key="daily-midday-review").time_of_day == time(12, 30)
        assert morning_item(1).text != FIRST_ITEM and morning().time_of_day == time(7, 30)
        assert "3 conflict(s)" in out

    def test_overwrite_restores_the_document_on_purpose(self):
        run_import()
        edit_as_admin()
        out = run_import("--overwrite")
        assert morning_item(1).text == FIRST_ITEM
        assert morning().time_of_day == time(8, 0)
        assert Severity.objects.get(code="P1").response_minutes == 60
        assert "conflict" not in out
        assert ImportedRecord.objects.get(source_key="incidents.severity:P1").edited_at is None
        assert "conflict" not in run_import()  # and the next import finds nothing edited

    def test_every_loader_keeps_its_admin_edits(self):
        run_import()
        ProcessStep.objects.filter(status="approval").update(description="CAB every Tuesday")
        DeploymentStage.objects.filter(name="Staging").update(description="Blue/green staging")
        KpiDefinition.objects.filter(slug="active-users").update(name="Weekly active users")
        ReportSchedule.objects.filter(kind="daily").update(description="Ops health")
        phase = ChecklistTemplate.objects.get(key="incident-phase-immediate-response")
        phase_item = phase.items.get(position=1)
        phase_item.text = "Acknowledge in the portal"
        phase_item.save()
        out = run_import()
        assert ProcessStep.objects.get(status="approval").description == "CAB every Tuesday"
        assert DeploymentStage.objects.get(name="Staging").description == "Blue/green staging"
        assert KpiDefinition.objects.get(slug="active-users").name == "Weekly active users"
        assert ReportSchedule.objects.get(kind="daily").description == "Ops health"
        assert phase.items.get(position=1).text == "Acknowledge in the portal"
        for label in ("change step Approval", "deployment stage Staging", "KPI Active users", "daily report schedule"):
            assert f"conflict: {label}: edited since the last import" in out, label
        assert "conflict: checklist “Immediate Response”, item 1" in out

    def test_a_row_deleted_in_admin_stays_deleted_until_overwrite(self):
        run_import()
        morning_item(6).delete()
        out = run_import()
        assert morning().items.count() == 5
        assert "item 6: deleted since the last import (kept deleted)" in out
        run_import("--overwrite")
        assert morning().items.count() == 6

    def test_a_malformed_document_is_rejected_with_its_line_and_nothing_is_half_imported(self, tmp_path):
        run_import()
        edit_as_admin()
        records = list(ImportedRecord.objects.order_by("pk").values())
        bad = BUNDLED.replace(SECOND_ITEM, "Check backups").replace("(6:00 PM)", "(25:00 PM)")
        with pytest.raises(CommandError, match=r"line 22: '25:00 PM' is not a time of day.*Nothing was imported"):
            run_import(write(tmp_path, bad), "--overwrite")
        assert morning_item(2).text == SECOND_ITEM and morning().time_of_day == time(7, 30)
        assert list(ImportedRecord.objects.order_by("pk").values()) == records


@pytest.mark.django_db
class TestIfEmpty:
    def test_it_imports_into_an_empty_database_and_then_never_again(self):
        out = run_import("--if-empty")
        # 10 calendar checklists, 3 security routines, 4 response phases, the quality checklist and the PIA.
        assert "sections loaded" in out and ChecklistTemplate.objects.count() == 19
        edit_as_admin()
        out = run_import("--if-empty")
        assert "already imported: nothing done" in out
        assert morning().time_of_day == time(7, 30)

    def test_a_database_with_templates_made_in_admin_counts_as_not_empty(self):
        ChecklistTemplate.objects.create(
            key="daily-hand-made",
            name="Hand made",
            owner_group=Group.objects.get_or_create(name="Ops staff")[0],
            time_of_day=time(9),
        )
        assert "nothing done" in run_import("--if-empty")
        assert not ImportedRecord.objects.exists()


@pytest.mark.django_db
class TestHeadingsGoneFromTheDocument:
    def test_their_templates_are_deactivated_and_the_summary_says_so(self, tmp_path):
        run_import()
        runs_generate(start=date(2026, 12, 1), end=date(2026, 12, 1), now=BEFORE)
        kept_runs = ChecklistRun.objects.filter(template=ChecklistTemplate.objects.get(key="daily-evening-wrap-up"))
        assert kept_runs.count() == 1
        start, end = BUNDLED.index("#### Evening Wrap-up"), BUNDLED.index("### Weekly Operations")
        without_evening = BUNDLED[:start] + BUNDLED[end:]
        out = run_import(write(tmp_path, without_evening))
        evening = ChecklistTemplate.objects.get(key="daily-evening-wrap-up")
        assert not evening.is_active
        assert (
            "deactivated: Evening Wrap-up (its heading “Evening Wrap-up (6:00 PM)” is no longer in the document)" in out
        )
        assert "1 deactivated" in out
        assert kept_runs.count() == 1  # history kept
        runs_generate(start=date(2026, 12, 2), end=date(2026, 12, 3), now=BEFORE)
        assert ChecklistRun.objects.filter(template=evening).count() == 1  # no new runs
        assert ChecklistRun.objects.filter(template=morning(), period_date=date(2026, 12, 3)).exists()
        assert "deactivated" not in run_import(write(tmp_path, without_evening))  # said once, when it happened

    def test_a_phase_whose_heading_is_gone_is_deactivated_and_comes_back_with_its_heading(self, tmp_path):
        run_import()
        renamed = BUNDLED.replace(
            "#### Investigation Phase (15 minutes - 2 hours)", "#### Diagnosis (15 minutes - 2 hours)"
        )
        out = run_import(write(tmp_path, renamed))
        assert not ChecklistTemplate.objects.get(key="incident-phase-investigation-phase").is_active
        assert ChecklistTemplate.objects.get(key="incident-phase-diagnosis").is_active
        assert "deactivated: Investigation Phase" in out
        run_import()
        assert ChecklistTemplate.objects.get(key="incident-phase-investigation-phase").is_active
