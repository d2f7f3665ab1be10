"""Done when: the monthly report's query count does not grow with the operational data.

The history comes from scripts/operational_history.py (the benchmark's seeder): ten
checklist runs, two incidents and one change a day, with reviews and deployment stages.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from changes.models import ChangeRequest
from checklists.models import ChecklistRun
from incidents.models import Incident
from reporting.models import Report
from reporting.periods import period_containing
from reporting.services import report_build
from tests.reporting.conftest import operational_history

NOVEMBER = period_containing("monthly", date(2026, 11, 1))


# Per period (the report computes this month and the previous one), the KPIs sharing reads:
#  the grouped count of checklist runs (completion, on-time, missed); the count of incidents
#  per severity; the period's incidents (time to acknowledge and to resolve, wall clock and
#  business time, SLA compliance); the grouped count of reviews; the count of changes per
#  type (changes, emergency share); the changes app's failure-rate aggregate (success and
#  failure rate); the first Production pass per change (lead time); the on-call shift log and
#  the escalation notifications (on-call load).
OPERATIONAL_QUERIES_PER_PERIOD = 9
# Once per build: the default business calendar (the default row, then any row; none here).
CALENDAR_QUERIES = 2
# Plus the report's own: snapshot lookup, KPI definitions, savepoint, insert, release (no
# business KPI is defined here).
REPORT_QUERIES = 5 + 2 * OPERATIONAL_QUERIES_PER_PERIOD + CALENDAR_QUERIES


def _seed_and_count(first: date, last: date) -> int:
    Report.objects.all().delete()
    with time_machine.travel(datetime(2026, 12, 2, 6, tzinfo=UTC), tick=False):
        operational_history.seed_operational_history(start=first, end=last)
        with CaptureQueriesContext(connection) as captured:
            report, created = report_build(period=NOVEMBER)
    assert created
    assert report.data["operational"]
    return len(captured.captured_queries)


@pytest.mark.django_db
class TestMonthlyReportQueryBudget:
    def test_it_needs_the_same_queries_for_one_month_and_twelve_months_of_data(self):
        one_month = _seed_and_count(date(2026, 11, 1), date(2026, 11, 30))
        assert (ChecklistRun.objects.count(), Incident.objects.count(), ChangeRequest.objects.count()) == (300, 60, 30)
        one_year = _seed_and_count(date(2025, 12, 1), date(2026, 10, 31))  # the eleven months before November
        assert (ChecklistRun.objects.count(), Incident.objects.count(), ChangeRequest.objects.count()) == (
            10 * 365,
            2 * 365,
            365,
        )
        assert one_month == one_year == REPORT_QUERIES

    def test_the_year_of_data_gives_believable_figures(self):
        with time_machine.travel(datetime(2026, 12, 2, 6, tzinfo=UTC), tick=False):
            operational_history.seed_operational_history(start=date(2025, 12, 1), end=date(2026, 11, 30))
            report, _ = report_build(period=NOVEMBER)
        rows = {row["slug"]: row for row in report.data["operational"]}
        assert 80 < rows["checklist-completion-rate"]["value"] < 100
        assert rows["incidents"]["value"] == 60
        assert rows["changes"]["value"] == 30
        assert 0 < rows["change-failure-rate"]["value"] < 40
        assert rows["time-to-acknowledge-business"]["value"] <= rows["time-to-acknowledge"]["value"]
