"""Reminders and flags fire exactly once: action items, skills flags per episode, expiring skills, contracts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from coordination.models import Meeting, MeetingActionItem, ScheduleCoverage, Skill, SkillFlag, Vendor
from coordination.services import (
    coordination_reminders,
    meeting_actions_remind_due,
    skill_flags_sweep,
    skills_remind_expiring,
    vendors_remind_contract_end,
)
from incidents.models import Service
from oncall.models import Layer, LayerMember, Schedule
from opsportal.models import Notification
from opsportal.roles import Role

NOW = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)


def _subjects(user):
    return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("subject", flat=True))


@pytest.fixture
def team(make_user, utc):
    return {
        "manager": make_user("maria.manager", Role.MANAGER),
        "alice": make_user("alice", Role.ONCALL),
        "bob": make_user("bob", Role.ONCALL),
    }


@pytest.mark.django_db
class TestActionItemReminder:
    def test_it_reminds_the_owner_once_on_the_due_date(self, schedules, team):
        meeting = Meeting.objects.create(
            schedule=schedules["standup"], date=date(2026, 3, 9), kind="standup", name="Daily standup",
            starts_at=NOW - timedelta(days=2), ends_at=NOW - timedelta(days=2), opened_at=NOW - timedelta(days=2),
        )  # fmt: skip
        item = MeetingActionItem.objects.create(
            meeting=meeting, description="Fix the alert", owner=team["alice"], due_date=date(2026, 3, 12),
            created_at=NOW,
        )  # fmt: skip
        assert meeting_actions_remind_due(now=NOW) == 0  # due tomorrow
        assert meeting_actions_remind_due(now=NOW + timedelta(days=1)) == 1
        assert meeting_actions_remind_due(now=NOW + timedelta(days=1, hours=1)) == 0
        assert meeting_actions_remind_due(now=NOW + timedelta(days=3)) == 0
        assert _subjects(team["alice"]) == ["Action item due: Fix the alert"]
        item.done_at = NOW
        item.save()


@pytest.mark.django_db
class TestSkillFlags:
    def test_an_understaffed_service_notifies_managers_once_per_episode(self, team):
        payments = Service.objects.create(name="Payments")
        Skill.objects.create(user=team["alice"], service=payments, trained_on=date(2026, 1, 1))
        assert skill_flags_sweep(now=NOW) == (1, 0)
        assert skill_flags_sweep(now=NOW + timedelta(hours=1)) == (0, 0)
        assert _subjects(team["manager"]) == ["Skills gap: Payments: 1 trained (at least 2 needed)."]
        # Bob is trained: the episode closes. His skill expires: a new episode, a second notice.
        bob = Skill.objects.create(user=team["bob"], service=payments, trained_on=date(2026, 1, 1))
        assert skill_flags_sweep(now=NOW + timedelta(hours=2)) == (0, 1)
        bob.expires_on = date(2026, 3, 11)
        bob.save()
        assert skill_flags_sweep(now=NOW + timedelta(hours=3)) == (1, 0)
        assert skill_flags_sweep(now=NOW + timedelta(hours=4)) == (0, 0)
        assert len(_subjects(team["manager"])) == 2
        assert SkillFlag.objects.filter(closed_at=None).count() == 1

    def test_an_oncall_shift_without_the_skill_is_flagged_once(self, team):
        payments = Service.objects.create(name="Payments")
        search = Service.objects.create(name="Search")
        for user in (team["alice"], team["bob"]):
            Skill.objects.create(user=user, service=payments, trained_on=date(2026, 1, 1))
        Skill.objects.create(user=team["alice"], service=search, trained_on=date(2026, 1, 1))
        Skill.objects.create(user=team["manager"], service=search, trained_on=date(2026, 1, 1))
        schedule = Schedule.objects.create(
            name="Platform", time_zone="UTC", created_at=datetime(2026, 1, 5, tzinfo=UTC)
        )
        layer = Layer.objects.create(schedule=schedule, shift_days=7, handoff_time=time(9), starts_on=date(2026, 3, 2))
        LayerMember.objects.create(layer=layer, user=team["alice"], position=0)
        LayerMember.objects.create(layer=layer, user=team["bob"], position=1)
        ScheduleCoverage.objects.create(schedule=schedule).services.set([payments, search])
        # Alice and Bob a week each, both within the next 14 days: only Bob lacks Search.
        assert skill_flags_sweep(now=NOW) == (1, 0)
        flag = SkillFlag.objects.get()
        assert (flag.kind, flag.user) == ("shift_gap", team["bob"])
        assert NOW < flag.shift_start < NOW + timedelta(days=14)
        assert "without a current skill on Search" in flag.detail
        assert skill_flags_sweep(now=NOW + timedelta(hours=1)) == (0, 0)
        assert len(_subjects(team["manager"])) == 1
        Skill.objects.create(user=team["bob"], service=search, trained_on=date(2026, 3, 11))
        assert skill_flags_sweep(now=NOW + timedelta(hours=2)) == (0, 1)


@pytest.mark.django_db
class TestExpiryAndContractReminders:
    def test_an_expiring_skill_reminds_its_holder_and_managers_once(self, team):
        payments = Service.objects.create(name="Payments")
        Skill.objects.create(
            user=team["alice"], service=payments, trained_on=date(2025, 1, 1), expires_on=date(2026, 4, 10)
        )
        assert skills_remind_expiring(now=NOW - timedelta(days=1)) == 0  # 31 days ahead
        assert skills_remind_expiring(now=NOW) == 1  # 30 days ahead
        assert skills_remind_expiring(now=NOW + timedelta(days=5)) == 0
        assert len(_subjects(team["alice"])) == 1 and len(_subjects(team["manager"])) == 1

    def test_a_contract_ending_in_thirty_days_reminds_managers_exactly_once(self, team):
        Vendor.objects.create(name="Stripe", support_contact="support@stripe.example", contract_end=date(2026, 4, 10))
        assert vendors_remind_contract_end(now=NOW - timedelta(days=1)) == 0  # 31 days before
        assert vendors_remind_contract_end(now=NOW) == 1  # 30 days before
        assert vendors_remind_contract_end(now=NOW) == 0
        assert coordination_reminders(now=NOW + timedelta(days=10))["contracts_reminded"] == 0
        assert _subjects(team["manager"]) == ["Contract ending: Stripe on 10 Apr 2026"]
        assert _subjects(team["alice"]) == []
