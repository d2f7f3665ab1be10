"""Done when: the monthly report's operational figures match a fixture month counted by hand.

October 2026 in Europe/London: British Summer Time (UTC+1) until Sunday 25 October 02:00,
then GMT (UTC+0). The month therefore runs from 30 Sep 23:00 UTC to 1 Nov 00:00 UTC.
Every time below is written in local London time; the business calendar is the default
(no calendar row: Monday–Friday 09:00–17:00 in the portal's zone, no holidays).
Rows just outside the month (30 Sep 23:30 local, 1 Nov 00:30 local) prove the boundaries.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.management import call_command

from changes.models import ChangeRequest, DeploymentStage, StageResult
from checklists.models import ChecklistRun, ChecklistTemplate
from incidents.models import Incident, PostIncidentReview, Severity
from incidents.services import response_due_at
from reporting.models import Report

LONDON = ZoneInfo("Europe/London")


def local(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LONDON)


@pytest.fixture
def london(settings):
    settings.TIME_ZONE = "Europe/London"


@pytest.fixture
def severities(db):
    return {
        "P1": Severity.objects.create(code="P1", name="High", response_minutes=60, position=1),
        "P2": Severity.objects.create(
            code="P2", name="Medium", response_minutes=240, business_hours_only=True, position=2
        ),
        "P3": Severity.objects.create(code="P3", name="Low", response_minutes=1440, position=3),
    }


def _incident(severity, detected, due, acknowledged=None, resolved=None):
    return Incident.objects.create(
        title=f"{severity.code} at {detected:%d %b %H:%M}",
        severity=severity,
        detected_at=detected,
        response_due_at=due,
        acknowledged_at=acknowledged,
        resolved_at=resolved,
    )


@pytest.fixture
def incidents(severities):
    p1, p2, p3 = severities["P1"], severities["P2"], severities["P3"]
    # name: detected, acknowledged (wall min, business min), resolved (wall min, business min)
    # A  P1 Thu 1 Oct 00:30 BST (first half hour of the month), ack 00:50 (20, 0), resolved 02:30 (120, 0)
    a = _incident(p1, local(10, 1, 0, 30), local(10, 1, 1, 30), local(10, 1, 0, 50), local(10, 1, 2, 30))
    # B  P1 Mon 5 Oct 10:00, ack 10:40 (40, 40), resolved 13:00 (180, 180)
    _incident(p1, local(10, 5, 10), local(10, 5, 11), local(10, 5, 10, 40), local(10, 5, 13))
    # C  P1 Tue 6 Oct 16:30, due 17:30, ack 17:45: THE SLA BREACH (75, 30: 16:30–17:00),
    #    resolved Wed 7 Oct 10:00 (17 h 30 = 1050, 30 + 60 = 90)
    c = _incident(p1, local(10, 6, 16, 30), local(10, 6, 17, 30), local(10, 6, 17, 45), local(10, 7, 10))
    # D  P2 (4 business hours) Fri 9 Oct 15:00, due Mon 12 Oct 11:00 (2 h Fri + 2 h Mon);
    #    ack Mon 09:30 (66 h 30 = 3990, 120 + 30 = 150), resolved Mon 12:00 (69 h = 4140, 120 + 180 = 300)
    _incident(p2, local(10, 9, 15), local(10, 12, 11), local(10, 12, 9, 30), local(10, 12, 12))
    # E  P3 Sun 25 Oct 00:30 BST (23:30 UTC on the 24th), across the clock change:
    #    ack 01:30 GMT (2 h = 120, 0 on a Sunday), resolved Mon 26 Oct 10:00 GMT (34 h 30 = 2070, 60: 09:00–10:00)
    detected_e = datetime(2026, 10, 24, 23, 30, tzinfo=UTC)
    _incident(
        p3,
        detected_e,
        detected_e + timedelta(days=1),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
        local(10, 26, 10),
    )
    # G  P3 Wed 28 Oct 14:00, ack 14:30 (30, 30), not resolved
    _incident(p3, local(10, 28, 14), local(10, 29, 14), local(10, 28, 14, 30))
    # H  P3 Sat 31 Oct 23:30 GMT (last half hour of the month), ack Sun 00:10 (40, 0), resolved 00:30 (60, 0)
    _incident(p3, local(10, 31, 23, 30), local(11, 1, 23, 30), local(11, 1, 0, 10), local(11, 1, 0, 30))
    # Outside: Wed 30 Sep 23:30 BST (September: ack 5 min) and Sun 1 Nov 00:30 GMT (a breach, November).
    _incident(p1, local(9, 30, 23, 30), local(10, 1, 0, 30), local(9, 30, 23, 35), local(9, 30, 23, 40))
    _incident(p1, local(11, 1, 0, 30), local(11, 1, 1, 30), local(11, 1, 9, 0), local(11, 1, 10, 0))
    # Reviews due in October: A's on time, C's late -> 50 %.
    PostIncidentReview.objects.create(incident=a, due_at=local(10, 3, 2, 30), completed_at=local(10, 2, 12))
    PostIncidentReview.objects.create(incident=c, due_at=local(10, 9, 10), completed_at=local(10, 10, 9))


@pytest.fixture
def runs(db):
    ops = Group.objects.get_or_create(name="Ops staff")[0]
    oncall = Group.objects.get_or_create(name="On-call engineer")[0]
    daily = ChecklistTemplate.objects.create(key="daily", name="Daily checks", owner_group=ops, time_of_day=time(8))
    weekly = ChecklistTemplate.objects.create(
        key="weekly", name="Weekly review", owner_group=oncall, frequency="weekly", weekdays=[0], time_of_day=time(8)
    )

    def run(template, day, status):
        opens = datetime.combine(day, time(8), tzinfo=LONDON)
        ChecklistRun.objects.create(
            template=template, name=template.name, period_date=day, opens_at=opens, status=status,
            due_at=opens + timedelta(hours=2), missed_at=opens + timedelta(days=1),
        )  # fmt: skip

    # Daily checks, 1–31 Oct: 24 completed, 3 completed late, 3 missed, 1 still open (the 31st).
    statuses = ["completed"] * 24 + ["completed_late"] * 3 + ["missed"] * 3 + ["open"]
    for day, status in enumerate(statuses, start=1):
        run(daily, date(2026, 10, day), status)
    # Weekly review, the Mondays 5, 12, 19, 26 Oct: completed, completed, completed late, missed.
    for day, status in zip((5, 12, 19, 26), ["completed", "completed", "completed_late", "missed"], strict=True):
        run(weekly, date(2026, 10, day), status)
    # Outside: 30 Sep and 1 Nov, both missed.
    run(daily, date(2026, 9, 30), "missed")
    run(daily, date(2026, 11, 1), "missed")


@pytest.fixture
def changes(db, manager_user):
    production = DeploymentStage.objects.create(order=4, name="Production")

    def change(change_type, created, status, close_code="", completed=None, production_at=None, rolled_back=None):
        request = ChangeRequest.objects.create(
            title=f"{change_type} change", change_type=change_type, status=status, close_code=close_code,
            requester=manager_user, status_changed_at=completed or created, completed_at=completed,
        )  # fmt: skip
        ChangeRequest.objects.filter(pk=request.pk).update(created_at=created)  # auto_now_add on create
        if production_at:
            StageResult.objects.create(
                change=request, stage=production, outcome="passed", recorded_by=manager_user, recorded_at=production_at
            )
        if rolled_back:
            StageResult.objects.create(
                change=request, stage=production, outcome="rolled_back", recorded_by=manager_user,
                recorded_at=rolled_back, rolled_back="release 4.2",
            )  # fmt: skip

    # Completed in October: 1 closed, 2 rolled back -> Failed, 3 closed, 4 closed with issues.
    # 1 normal: raised Thu 1 Oct 10:00, Production Wed 7 Oct 10:00 (lead time 144 h), closed 8 Oct.
    change("normal", local(10, 1, 10), "closed", "successful", local(10, 8, 12), production_at=local(10, 7, 10))
    # 2 normal: raised 2 Oct, rolled back at Production 14 Oct (the service moves it to Failed).
    change("normal", local(10, 2, 10), "failed", "unsuccessful", local(10, 14, 11), rolled_back=local(10, 14, 11))
    # 3 standard: raised Mon 19 Oct 09:00, Production 16:00 (7 h), closed 20 Oct.
    change("standard", local(10, 19, 9), "closed", "successful", local(10, 20, 9), production_at=local(10, 19, 16))
    # 4 emergency: raised Fri 30 Oct 02:00 GMT, Production 04:00 (2 h), closed 31 Oct.
    change(
        "emergency",
        local(10, 30, 2),
        "closed",
        "successful_with_issues",
        local(10, 31, 9),
        production_at=local(10, 30, 4),
    )
    # 5 normal: raised 21 Oct, rejected 22 Oct (never ran: in neither count of the failure rate).
    change("normal", local(10, 21, 10), "rejected", "", local(10, 22, 10))
    # Outside: failed Wed 30 Sep 23:30 BST and Sun 1 Nov 00:30 GMT (both raised in September).
    change("normal", local(9, 15, 10), "failed", "unsuccessful", local(9, 30, 23, 30))
    change("normal", local(9, 16, 10), "failed", "unsuccessful", local(11, 1, 0, 30))


def _rows(report: Report) -> dict[str, dict]:
    return {row["slug"]: row for row in report.data["operational"]}


@pytest.mark.django_db
class TestTheMonthlyReportOfAFixtureMonth:
    @pytest.fixture
    def report(self, london, incidents, runs, changes):
        output = io.StringIO()
        with time_machine.travel(datetime(2026, 11, 10, 12, tzinfo=UTC), tick=False):
            call_command("build_report", "monthly", "--date", "2026-10-15", stdout=output)
        assert "Built: " in output.getvalue()
        return Report.objects.get(kind="monthly", period_start=date(2026, 10, 1))

    def test_time_to_acknowledge_matches_the_hand_count(self, report):
        rows = _rows(report)
        acknowledge = rows["time-to-acknowledge"]
        # Wall clock: A 20 + B 40 + C 75 + D 3990 + E 120 + G 30 + H 40 = 4315 over 7 = 616.428… -> 616.43.
        assert acknowledge["value"] == 616.43
        by_severity = {row["severity"]: row for row in acknowledge["breakdown"]}
        # P1: A 20, B 40, C 75 -> mean 45, median 40. P2: D 3990. P3: E 120, G 30, H 40 -> 63.33, median 40.
        assert (by_severity["P1"]["mean_minutes"], by_severity["P1"]["median_minutes"]) == (45.0, 40.0)
        assert (by_severity["P2"]["mean_minutes"], by_severity["P2"]["median_minutes"]) == (3990.0, 3990.0)
        assert (by_severity["P3"]["mean_minutes"], by_severity["P3"]["median_minutes"]) == (63.33, 40.0)
        # All: sorted 20, 30, 40, 40, 75, 120, 3990 -> median 40.
        assert (by_severity["All"]["acknowledged"], by_severity["All"]["median_minutes"]) == (7, 40.0)
        # September's one incident (outside): acknowledged after 5 minutes.
        assert acknowledge["previous"] == 5.0

        business = rows["time-to-acknowledge-business"]
        # Business: A 0 + B 40 + C 30 + D 150 + E 0 + G 30 + H 0 = 250 over 7 = 35.714… -> 35.71.
        assert business["value"] == 35.71
        by_severity = {row["severity"]: row for row in business["breakdown"]}
        # Sorted 0, 0, 0, 30, 30, 40, 150 -> median 30. P1: 0, 40, 30 -> mean 23.33, median 30.
        assert by_severity["All"]["business_median_minutes"] == 30.0
        assert (by_severity["P1"]["business_mean_minutes"], by_severity["P1"]["business_median_minutes"]) == (
            23.33,
            30.0,
        )
        assert by_severity["P2"]["business_mean_minutes"] == 150.0

    def test_time_to_resolve_matches_the_hand_count(self, report):
        rows = _rows(report)
        resolve = rows["time-to-resolve"]
        # Wall clock, resolved only (G is not): A 120 + B 180 + C 1050 + D 4140 + E 2070 + H 60 = 7620 over 6 = 1270.
        assert resolve["value"] == 1270.0
        by_severity = {row["severity"]: row for row in resolve["breakdown"]}
        # Sorted 60, 120, 180, 1050, 2070, 4140 -> median (180 + 1050) / 2 = 615.
        assert (by_severity["All"]["resolved"], by_severity["All"]["median_minutes"]) == (6, 615.0)
        # P1: A 120, B 180, C 1050 -> mean 450, median 180. P3: E 2070, H 60 (G unresolved) -> 1065.
        assert (by_severity["P1"]["mean_minutes"], by_severity["P1"]["median_minutes"]) == (450.0, 180.0)
        assert (by_severity["P3"]["incidents"], by_severity["P3"]["resolved"]) == (3, 2)
        assert by_severity["P3"]["mean_minutes"] == 1065.0

        business = rows["time-to-resolve-business"]
        # Business: A 0 + B 180 + C 90 + D 300 + E 60 + H 0 = 630 over 6 = 105; sorted 0, 0, 60, 90, 180, 300 -> 75.
        assert business["value"] == 105.0
        assert business["breakdown"][-1]["business_median_minutes"] == 75.0

    def test_sla_compliance_matches_the_hand_count(self, report):
        compliance = _rows(report)["sla-response-compliance"]
        # 7 incidents judged, C breached (ack 17:45 after its 17:30 deadline): 6 / 7 = 85.714… -> 85.71.
        assert compliance["value"] == 85.71
        by_severity = {row["severity"]: row for row in compliance["breakdown"]}
        assert by_severity["P1"] == {"severity": "P1", "judged": 3, "met": 2, "breached": 1, "percent": 66.67}
        # D's deadline, as the incidents app computes it: 2 business hours on Friday, 2 on Monday.
        assert response_due_at(detected_at=local(10, 9, 15), severity=Severity.objects.get(code="P2")) == local(
            10, 12, 11
        )
        # September: its one incident met its deadline; November's breach is in neither month.
        assert compliance["previous"] == 100.0

    def test_checklist_completion_rate_matches_the_hand_count(self, report):
        rows = _rows(report)
        completion = rows["checklist-completion-rate"]
        # Judged: Daily 24 + 3 + 3 = 30, Weekly 2 + 1 + 1 = 4 -> 34 (the open run of the 31st is left out).
        # Completed (on time or late): Daily 27, Weekly 3 -> 30 / 34 = 88.235… -> 88.24.
        assert completion["value"] == 88.24
        by_template = {row["template"]: row for row in completion["breakdown"]}
        assert by_template["Daily checks"] == {
            "group": "Ops staff", "template": "Daily checks", "runs": 31, "completed": 27, "on_time": 24, "late": 3,
            "missed": 3, "open": 1, "percent": 90.0,
        }  # fmt: skip
        assert by_template["Weekly review"]["percent"] == 75.0  # 3 / 4
        # On time: 24 + 2 = 26 / 34 = 76.47. Missed: 3 + 1 = 4 (30 Sep and 1 Nov are outside).
        assert rows["checklist-on-time-rate"]["value"] == 76.47
        assert rows["checklist-missed-runs"]["value"] == 4
        assert rows["checklist-missed-runs"]["previous"] == 1  # 30 Sep

    def test_change_failure_rate_matches_the_hand_count(self, report):
        rows = _rows(report)
        failure = rows["change-failure-rate"]
        # Completed in October: changes 1–4 (5 was rejected: never ran). Failed: 2 (rolled back). 1 / 4 = 25 %.
        assert failure["value"] == 25.0
        assert failure["breakdown"] == [{"completed": 4, "succeeded": 3, "failed": 1, "percent": 25.0}]
        assert failure["previous"] == 100.0  # September: the one failed at 30 Sep 23:30 BST
        assert rows["change-success-rate"]["value"] == 75.0
        # Raised in October: 1, 2, 3, 4, 5 -> 5 changes, 1 emergency = 20 %.
        assert rows["changes"]["value"] == 5
        assert rows["emergency-change-share"]["value"] == 20.0
        # Lead time: 144 h + 7 h + 2 h = 153 h over 3 = 51 h (change 2 never passed Production).
        assert rows["change-lead-time"]["value"] == 51.0

    def test_the_other_incident_figures_match_the_hand_count(self, report):
        rows = _rows(report)
        assert rows["incidents"]["value"] == 7
        assert rows["incidents"]["breakdown"] == [
            {"severity": "P1", "name": "High", "incidents": 3},
            {"severity": "P2", "name": "Medium", "incidents": 1},
            {"severity": "P3", "name": "Low", "incidents": 3},
        ]
        assert rows["reviews-on-time"]["value"] == 50.0  # A's on time, C's a day late


@pytest.mark.django_db
class TestAChangeThatCausedAnIncident:
    def test_it_counts_as_failed_in_the_built_report(self, london, incidents, changes, manager_user):
        from changes.models import ChangeIncidentLink
        from incidents.models import Incident

        # Change 1 (closed successful on 8 Oct) is linked as the cause of an October incident:
        # 4 completed, now 2 failed (the rollback and this one) -> 50 %.
        change = ChangeRequest.objects.get(title="normal change", status="closed")
        ChangeIncidentLink.objects.create(
            change=change, incident=Incident.objects.order_by("pk").first(), kind="caused",
            linked_by=manager_user, linked_at=local(10, 9, 9),
        )  # fmt: skip
        with time_machine.travel(datetime(2026, 11, 10, 12, tzinfo=UTC), tick=False):
            call_command("build_report", "monthly", "--date", "2026-10-15", stdout=io.StringIO())
        failure = _rows(Report.objects.get(kind="monthly", period_start=date(2026, 10, 1)))["change-failure-rate"]
        assert failure["value"] == 50.0
        assert failure["breakdown"] == [{"completed": 4, "succeeded": 2, "failed": 2, "percent": 50.0}]
