"""On-call load per person (reporting/oncall_load.py) from fixture shifts and pages."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from reporting.oncall_load import Page, ShiftSpan, is_night, oncall_load

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
START = datetime(2026, 10, 1, tzinfo=UTC)
END = datetime(2026, 11, 1, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=UTC)


def load(shifts, pages, zone=LONDON):
    return {
        row["user"]: row for row in oncall_load(shifts, pages, period_start=START, period_end=END, default_zone=zone)
    }


class TestOncallLoad:
    def test_it_counts_elapsed_hours_clipped_to_the_period(self):
        shifts = [
            ShiftSpan("alice", datetime(2026, 9, 30, 12, tzinfo=UTC), at(1, 12), LONDON),  # 12 h inside
            ShiftSpan("alice", at(5, 9), at(12, 9), LONDON),  # one week: 168 h
            ShiftSpan("bob", at(31, 12), datetime(2026, 11, 2, tzinfo=UTC), LONDON),  # 12 h inside
        ]
        rows = load(shifts, [])
        assert rows["alice"]["hours_on_call"] == 180
        assert rows["bob"]["hours_on_call"] == 12

    def test_it_counts_a_dst_week_as_its_real_hours(self):
        # Europe/London leaves summer time on 25 October 2026: Monday 09:00 to Monday 09:00 is 169 hours.
        monday = datetime(2026, 10, 19, 9, tzinfo=LONDON)
        next_monday = datetime(2026, 10, 26, 9, tzinfo=LONDON)
        rows = load([ShiftSpan("alice", monday, next_monday, LONDON)], [])
        assert rows["alice"]["hours_on_call"] == 169

    def test_it_counts_overlapping_shifts_of_one_person_once(self):
        shifts = [
            ShiftSpan("alice", at(5, 0), at(6, 0), LONDON),
            ShiftSpan("alice", at(5, 12), at(6, 12), NEW_YORK),  # a second schedule at the same time
        ]
        assert load(shifts, [])["alice"]["hours_on_call"] == 36

    def test_it_counts_pages_and_night_pages_in_the_schedules_zone(self):
        shifts = [ShiftSpan("alice", at(5, 0), at(12, 0), NEW_YORK)]
        pages = [
            Page("alice", at(6, 3)),  # 23:00 in New York (EDT, UTC-4): night
            Page("alice", at(6, 12)),  # 08:00 in New York: day
            Page("alice", at(7, 10, 59)),  # 06:59 in New York: night
            Page("alice", at(7, 11)),  # 07:00 in New York: day
            Page("alice", datetime(2026, 11, 1, 3, tzinfo=UTC)),  # outside the period
        ]
        row = load(shifts, pages)["alice"]
        assert (row["pages"], row["night_pages"]) == (4, 2)

    def test_it_judges_a_page_outside_any_shift_in_the_portal_zone(self):
        pages = [Page("carol", at(10, 22, 30)), Page("carol", at(10, 21, 30))]  # London BST: 23:30 and 22:30
        row = load([], pages)["carol"]
        assert row == {"user": "carol", "hours_on_call": 0, "pages": 2, "night_pages": 2}
        assert load([], pages, zone=ZoneInfo("UTC"))["carol"]["night_pages"] == 1

    def test_it_lists_people_by_username(self):
        shifts = [ShiftSpan(name, at(2, 0), at(2, 1), LONDON) for name in ("zoe", "adam", "mia")]
        assert [
            row["user"] for row in oncall_load(shifts, [], period_start=START, period_end=END, default_zone=LONDON)
        ] == [
            "adam",
            "mia",
            "zoe",
        ]

    def test_night_runs_from_22_to_7(self):
        assert is_night(datetime(2026, 1, 1, 22, tzinfo=UTC), ZoneInfo("UTC"))
        assert is_night(datetime(2026, 1, 1, 6, 59, tzinfo=UTC), ZoneInfo("UTC"))
        assert not is_night(datetime(2026, 1, 1, 7, tzinfo=UTC), ZoneInfo("UTC"))
        assert not is_night(datetime(2026, 1, 1, 21, 59, tzinfo=UTC), ZoneInfo("UTC"))


class TestEscalationPages:
    def test_it_reads_the_escalation_notifications_of_the_period(self, db, oncall_user, ops_user):
        from opsportal.models import Notification
        from reporting.operational import escalation_pages

        def notify(user, key, created):
            row = Notification.objects.create(recipient=user, key=key, subject="s")
            Notification.objects.filter(pk=row.pk).update(created_at=created)

        notify(oncall_user, "incident-1-step-2-round-1", at(6, 3))
        notify(ops_user, "incident-1-step-2-round-1", at(6, 3))
        notify(oncall_user, "incident-1-step-2-round-2", datetime(2026, 11, 1, tzinfo=UTC))  # next month
        notify(oncall_user, "incident-1-review-overdue", at(6, 4))  # not a page
        pages = escalation_pages(START, END)
        assert sorted((page.user, page.at) for page in pages) == sorted(
            [(oncall_user.username, at(6, 3)), (ops_user.username, at(6, 3))]
        )


class TestOncallLoadKpi:
    """The operational KPI ``oncall-load``, from fixture shifts in the shift log and escalation notifications."""

    @pytest.fixture
    def october(self, db, make_user):
        from oncall.models import Schedule, ShiftLog
        from opsportal.models import Notification
        from opsportal.roles import Role

        alice, bob = make_user("alice", Role.ONCALL), make_user("bob", Role.ONCALL)
        london = Schedule.objects.create(name="Platform", time_zone="Europe/London")
        new_york = Schedule.objects.create(name="US", time_zone="America/New_York")
        for schedule, user, role, start, end in [
            (london, alice, "primary", at(5, 8), at(12, 8)),  # 168 h
            (london, bob, "secondary", at(5, 8), at(12, 8)),  # 168 h
            (new_york, bob, "primary", at(10, 12), at(13, 12)),  # 72 h, 44 of them beside the London shift
            (london, alice, "primary", datetime(2026, 11, 2, 9, tzinfo=UTC), datetime(2026, 11, 9, 9, tzinfo=UTC)),
        ]:
            ShiftLog.objects.create(schedule=schedule, user=user, role=role, start=start, end=end, source="layer")

        def page(user, key, created):
            row = Notification.objects.create(recipient=user, key=key, subject="s")
            Notification.objects.filter(pk=row.pk).update(created_at=created)

        page(alice, "incident-1-step-1-round-1", at(6, 22))  # 23:00 London (BST): night
        page(alice, "incident-2-step-1-round-1", at(7, 12))  # 13:00 London: day
        page(bob, "incident-3-step-2-round-1", at(12, 23))  # 19:00 New York (EDT): day
        page(bob, "incident-3-step-2-round-2", at(13, 3))  # 23:00 New York: night
        page(bob, "incident-3-review-overdue", at(13, 3))  # not a page
        return alice, bob

    def test_it_reports_hours_pages_and_night_pages_per_person(self, october):
        from reporting.operational import oncall_load_per_person

        with time_machine.travel(datetime(2026, 11, 5, tzinfo=UTC), tick=False):
            result = oncall_load_per_person(START, END)
        assert result == {
            "value": 4,
            "breakdown": [
                {"user": "alice", "hours_on_call": 168, "pages": 2, "night_pages": 1},
                {"user": "bob", "hours_on_call": 168 + 28, "pages": 2, "night_pages": 1},
            ],
        }

    def test_it_counts_hours_only_up_to_now(self, october):
        from reporting.operational import oncall_load_per_person

        with time_machine.travel(at(6, 8), tick=False):
            rows = oncall_load_per_person(START, END)["breakdown"]
        assert (rows[0]["user"], rows[0]["hours_on_call"]) == ("alice", 24)

    def test_it_reads_two_queries(self, october, django_assert_num_queries):
        from reporting.operational import oncall_load_per_person

        # 1. the shift log meeting the period (with user and zone), 2. the period's escalation notifications.
        with django_assert_num_queries(2):
            oncall_load_per_person(START, END)

    def test_it_is_in_the_monthly_report(self, october):
        from reporting.kpis import operational_kpis

        assert "oncall-load" in [kpi.slug for kpi in operational_kpis()]
