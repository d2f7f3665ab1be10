"""The procedure loaders: KPI definitions and report schedules from the reference document."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from opsportal.procedures.document import ProcedureError
from opsportal.procedures.importer import DEFAULT_DOCUMENT, procedures_import
from reporting.models import KpiDefinition, ReportSchedule

KPI_DOC = """# Reporting

## Key Performance Indicators (KPIs)
- **Financial**: Monthly recurring revenue, customer acquisition cost
- **System Performance**: Uptime, response times, error rates

## Reporting Schedule
- **Daily**: Operational metrics
- **Monthly**: Comprehensive review
"""


@pytest.mark.django_db
class TestKpiLoader:
    def test_it_loads_one_definition_per_item_of_the_reference_document(self):
        procedures_import(source=DEFAULT_DOCUMENT.read_text(encoding="utf-8"))
        kpis = {kpi.slug: kpi for kpi in KpiDefinition.objects.all()}
        assert len(kpis) == 12
        assert kpis["monthly-recurring-revenue"].category == "financial"
        assert (kpis["monthly-recurring-revenue"].unit, kpis["monthly-recurring-revenue"].direction) == (
            "EUR",
            "higher",
        )
        assert kpis["monthly-recurring-revenue"].aggregation == "last"
        assert (kpis["customer-acquisition-cost"].unit, kpis["customer-acquisition-cost"].direction) == ("EUR", "lower")
        assert (kpis["error-rates"].unit, kpis["error-rates"].direction) == ("%", "lower")
        assert (kpis["uptime"].unit, kpis["uptime"].direction) == ("%", "higher")
        assert (kpis["response-times"].unit, kpis["response-times"].direction) == ("ms", "lower")
        assert kpis["active-users"].category == "user_engagement"
        assert kpis["completion-rates"].category == "content_performance"
        assert {kpi.source for kpi in kpis.values()} == {"manual"}

    def test_it_is_idempotent_and_keeps_what_admins_tuned(self):
        procedures_import(source=KPI_DOC)
        KpiDefinition.objects.filter(slug="uptime").update(unit="percent", target=99.95)
        report = procedures_import(source=KPI_DOC)
        assert KpiDefinition.objects.count() == 5
        assert ReportSchedule.objects.count() == 2
        uptime = KpiDefinition.objects.get(slug="uptime")
        assert (uptime.unit, float(uptime.target)) == ("percent", 99.95)
        results = {name: result for name, _title, result in report.loaded}
        assert (results["reporting.kpis"].created, results["reporting.kpis"].unchanged) == (0, 5)

    def test_it_updates_a_category_in_place(self):
        procedures_import(source=KPI_DOC)
        procedures_import(source=KPI_DOC.replace("**System Performance**", "**Operations**"))
        assert KpiDefinition.objects.get(slug="uptime").category == "operations"
        assert KpiDefinition.objects.count() == 5

    def test_it_rejects_an_unknown_category_with_its_line_and_saves_nothing(self):
        bad = KPI_DOC.replace("**System Performance**", "**Happiness**")
        with pytest.raises(ProcedureError) as error:
            procedures_import(source=bad)
        assert error.value.line == 5
        assert "Happiness" in error.value.message
        assert not KpiDefinition.objects.exists()
        assert not ReportSchedule.objects.exists()

    def test_the_command_names_the_line(self, tmp_path):
        path = tmp_path / "bad.md"
        path.write_text(KPI_DOC.replace("**Financial**", "**Money talk**"), encoding="utf-8")
        with pytest.raises(CommandError, match="line 4"):
            call_command("import_procedures", str(path))


@pytest.mark.django_db
class TestScheduleLoader:
    def test_it_loads_the_reference_schedule(self):
        procedures_import(source=DEFAULT_DOCUMENT.read_text(encoding="utf-8"))
        schedules = {schedule.kind: schedule for schedule in ReportSchedule.objects.all()}
        assert set(schedules) == {"daily", "weekly", "monthly", "quarterly"}
        assert schedules["weekly"].description == "Business performance and user analytics"
        assert all(schedule.enabled and schedule.recipients_group == "Manager" for schedule in schedules.values())

    def test_it_keeps_an_admins_edits_on_reload(self):
        procedures_import(source=KPI_DOC)
        ReportSchedule.objects.filter(kind="daily").update(enabled=False)
        procedures_import(source=KPI_DOC.replace("Operational metrics", "Operational metrics and health"))
        daily = ReportSchedule.objects.get(kind="daily")
        assert (daily.enabled, daily.description) == (False, "Operational metrics and health")

    def test_it_rejects_an_unknown_kind_with_its_line(self):
        with pytest.raises(ProcedureError) as error:
            procedures_import(source=KPI_DOC.replace("**Monthly**", "**Fortnightly**"))
        assert error.value.line == 9
