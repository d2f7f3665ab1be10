"""The clock-sensitive services at the hours that used to break them.

Each test runs at three instants of the portal's zone: Monday 00:05, the 1st of a month at
00:05, and 01:30 on the night the clocks go back (a local time that happens twice). The whole
suite can also be run from any instant with ``OPSPORTAL_FAKE_NOW`` (see tests/conftest.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from checklists.models import ChecklistItem, ChecklistRun, ChecklistTemplate, RunStatus
from checklists.selectors import runs_for_today
from checklists.services import runs_generate_due
from incidents.models import EscalationNotice
from incidents.services import incident_declare, sla_sweep
from opsportal import clock
from reporting.models import Report, ReportSchedule
from reporting.services import reports_build_due

LONDON = "Europe/London"
NEW_YORK = "America/New_York"
# (portal zone, local wall-clock instant, what it is)
INSTANTS = [
    (LONDON, datetime(2026, 11, 30, 0, 5), "monday-0005"),
    (LONDON, datetime(2026, 12, 1, 0, 5), "first-of-month-0005"),
    (LONDON, datetime(2026, 10, 25, 1, 30, fold=1), "dst-night-0130-second"),
    (LONDON, datetime(2026, 10, 25, 1, 30, fold=0), "dst-night-0130-first"),
    (NEW_YORK, datetime(2026, 11, 2, 0, 5), "new-york-monday-0005"),
    (NEW_YORK, datetime(2026, 11, 1, 1, 30, fold=1), "new-york-dst-night-0130"),
]


@pytest.fixture(params=INSTANTS, ids=[label for *_, label in INSTANTS])
def at_instant(request, settings):
    """Set the portal zone and travel to the instant; return it (UTC)."""
    zone_name, wall, _label = request.param
    settings.TIME_ZONE = zone_name
    instant = wall.replace(tzinfo=ZoneInfo(zone_name)).astimezone(UTC)
    with time_machine.travel(instant, tick=False):
        yield instant


@pytest.fixture
def midnight_checklist(db):
    """A daily checklist opening at local 00:00, due an hour later, owned by Ops staff."""
    from django.contrib.auth.models import Group

    from opsportal.roles import Role

    group = Group.objects.get_or_create(name=Role.OPS.value)[0]
    template = ChecklistTemplate.objects.create(
        key="daily-midnight", name="Midnight checks", owner_group=group, frequency="daily", time_of_day=time(0, 0)
    )
    ChecklistItem.objects.create(template=template, position=1, text="Check the backups")
    ChecklistTemplate.objects.filter(pk=template.pk).update(created_at=datetime(2026, 1, 1, tzinfo=UTC))
    return template


@pytest.mark.django_db
class TestTheClockAtAnyHour:
    def test_the_portal_clock_names_the_local_day_around_now(self, at_instant):
        today = clock.local_today()
        start, end = clock.local_day_bounds(today)
        assert start <= at_instant < end
        assert today == at_instant.astimezone(clock.portal_zone()).date()
        assert clock.after(at_instant.astimezone(clock.portal_zone()), timedelta(hours=1)) - at_instant == timedelta(
            hours=1
        )

    def test_generation_creates_todays_run_and_today_lists_it(self, at_instant, midnight_checklist, ops_user):
        runs_generate_due()
        runs_generate_due()  # idempotent at any hour
        today = clock.local_today()
        run = ChecklistRun.objects.get(template=midnight_checklist, period_date=today)
        assert run.opens_at == clock.local_midnight(today)
        assert run.due_at == run.opens_at + timedelta(hours=1)
        assert run.status == RunStatus.OPEN
        assert run in runs_for_today(ops_user)

    def test_the_today_page_answers(self, at_instant, midnight_checklist, ops_user, client_for):
        runs_generate_due()
        response = client_for(ops_user).get("/")
        assert response.status_code == 200
        assert "Midnight checks" in response.content.decode()

    def test_the_sla_sweep_reminds_once_exactly_when_due(self, at_instant, severities, oncall_user):
        detected = at_instant - timedelta(minutes=60)
        incident = incident_declare(by=oncall_user, title="Down", severity=severities["P1"], detected_at=detected)
        assert incident.response_due_at == at_instant
        sla_sweep()
        sla_sweep()
        first_step = incident.escalation_steps.order_by("position").first()
        assert EscalationNotice.objects.filter(incident=incident, step=first_step).count() == 1

    def test_due_reports_are_built_once_for_the_last_complete_local_day(self, at_instant):
        ReportSchedule.objects.create(kind="daily", build_time=time(0, 0), recipients_group="Manager")
        reports_build_due()
        reports_build_due()
        yesterday = clock.local_today() - timedelta(days=1)
        assert list(Report.objects.filter(kind="daily").values_list("period_start", "period_end")) == [
            (yesterday, yesterday)
        ]

    def test_a_report_whose_build_time_is_later_today_waits(self, at_instant):
        ReportSchedule.objects.create(kind="daily", build_time=time(6, 0), recipients_group="Manager")
        reports_build_due()
        assert not Report.objects.exists()


@pytest.fixture
def severities(db):
    from incidents.models import Severity
    from incidents.services import severity_default_policy_create

    found = {}
    for position, (code, minutes) in enumerate([("P0", 15), ("P1", 60), ("P3", 1440)], start=1):
        severity = Severity.objects.create(code=code, name=code, response_minutes=minutes, position=position)
        severity_default_policy_create(severity=severity)
        found[code] = severity
    return found


def test_the_instants_are_what_they_say():
    """Guard the table: Mondays are Mondays, firsts are firsts, DST nights repeat 01:30."""
    london_monday = datetime(2026, 11, 30, 0, 5, tzinfo=ZoneInfo(LONDON))
    assert london_monday.weekday() == 0 and date(2026, 12, 1).day == 1
    first = datetime(2026, 10, 25, 1, 30, fold=0, tzinfo=ZoneInfo(LONDON)).astimezone(UTC)
    second = datetime(2026, 10, 25, 1, 30, fold=1, tzinfo=ZoneInfo(LONDON)).astimezone(UTC)
    assert second - first == timedelta(hours=1)
