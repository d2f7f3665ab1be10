"""Access reviews: opened once per quarter, decided line by line (never one's own), revocations
applied and logged, complete when every line is decided, overdue reviews reminded once."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction

from access.models import AccessNotice, AccessReview, AccessReviewLine, RoleChange
from access.services import (
    access_review_decide,
    access_review_open,
    access_reviews_remind_overdue,
    access_sweep,
    quarter_of,
)
from opsportal.errors import Conflict
from opsportal.models import Notification
from opsportal.roles import Role

from .conftest import OPENED


@pytest.mark.django_db
class TestOpenReview:
    def test_it_opens_one_review_per_quarter_however_often_it_runs(self, team):
        first, created = access_review_open(now=OPENED)
        again, created_again = access_review_open(now=OPENED + timedelta(days=20))
        assert (created, created_again) == (True, False)
        assert first.pk == again.pk
        assert first.quarter == "2026-Q4"
        assert AccessReviewLine.objects.filter(review=first).count() == get_user_model().objects.count()

    def test_the_next_quarter_gets_its_own_review(self, team):
        access_review_open(now=OPENED)
        _, created = access_review_open(now=datetime(2027, 1, 1, 0, 5, tzinfo=UTC))
        assert created
        assert sorted(AccessReview.objects.values_list("quarter", flat=True)) == ["2026-Q4", "2027-Q1"]

    def test_the_quarter_is_the_portal_zones(self, settings):
        settings.TIME_ZONE = "Pacific/Kiritimati"  # UTC+14: 31 Dec 12:00 UTC is already 1 January there
        from opsportal import clock

        assert quarter_of(clock.local_date(datetime(2026, 12, 31, 12, tzinfo=UTC))) == "2027-Q1"

    def test_a_line_holds_roles_flags_last_login_and_the_dormant_mark(self, review, team, line_of):
        olly, otto = line_of(team["olly"]), line_of(team["otto"])
        assert olly.roles == [Role.OPS.value]
        assert sorted(otto.roles) == sorted([Role.ONCALL.value, Role.OPS.value])
        assert (olly.dormant, otto.dormant) == (False, True)  # otto last logged in 155 days before
        assert otto.last_login == datetime(2026, 6, 1, tzinfo=UTC)
        assert review.due_at == OPENED + timedelta(days=14)

    def test_inactive_users_get_no_line(self, team, make_user):
        make_user("gone", Role.OPS, is_active=False)
        review = access_review_open(now=OPENED)[0]
        assert not review.lines.filter(user__username="gone").exists()


@pytest.mark.django_db
class TestDecide:
    def test_a_manager_keeps_a_line_with_a_reason(self, review, team, line_of):
        line = access_review_decide(
            line=line_of(team["olly"]), decision="keep", reason="Still on the rota", by=team["maria"]
        )
        assert (line.decision, line.reason, line.decided_by) == ("keep", "Still on the rota", team["maria"])
        assert line.decided_at is not None

    def test_revoke_removes_the_roles_deactivates_and_is_logged(self, review, team, line_of):
        otto = team["otto"]
        access_review_decide(line=line_of(otto), decision="revoke", reason="Left the team", by=team["maria"])
        otto.refresh_from_db()
        assert not otto.is_active
        assert not otto.groups.exists()
        logged = RoleChange.objects.filter(user=otto, action="revoked")
        assert sorted(logged.values_list("role", flat=True)) == sorted([Role.ONCALL.value, Role.OPS.value])
        assert set(logged.values_list("by_id", "via")) == {(team["maria"].pk, "access review 2026-Q4")}

    def test_a_manager_may_not_decide_their_own_line(self, review, team, line_of):
        with pytest.raises(PermissionDenied, match="your own line"):
            access_review_decide(line=line_of(team["maria"]), decision="keep", reason="Me", by=team["maria"])
        assert line_of(team["maria"]).decision == ""

    def test_ops_and_oncall_may_not_decide(self, review, team, line_of):
        with pytest.raises(PermissionDenied):
            access_review_decide(line=line_of(team["maria"]), decision="keep", reason="x", by=team["olly"])

    def test_it_names_the_bad_field(self, review, team, line_of):
        with pytest.raises(ValidationError) as caught:
            access_review_decide(line=line_of(team["olly"]), decision="maybe", reason="  ", by=team["maria"])
        assert set(caught.value.message_dict) == {"decision", "reason"}

    def test_a_decided_line_is_a_conflict_naming_who_decided(self, review, team, line_of):
        access_review_decide(line=line_of(team["olly"]), decision="keep", reason="ok", by=team["maria"])
        with pytest.raises(Conflict, match=r"maria\.manager"):
            access_review_decide(line=line_of(team["olly"]), decision="revoke", reason="no", by=team["mark"])
        assert line_of(team["olly"]).decision == "keep"

    def test_the_review_completes_only_when_every_line_is_decided(self, review, team, line_of):
        lines = list(review.lines.exclude(user=team["maria"]))
        for line in lines:
            access_review_decide(line=line, decision="keep", reason="ok", by=team["maria"])
        review.refresh_from_db()
        assert review.completed_at is None  # maria's own line is still open
        access_review_decide(line=line_of(team["maria"]), decision="keep", reason="ok", by=team["mark"])
        review.refresh_from_db()
        assert review.completed_at is not None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestConcurrentDecisions:
    def test_two_managers_deciding_the_same_line_one_wins_the_other_gets_a_conflict(self, review, team, line_of):
        """Maria's decision holds the row until she commits; Mark's UPDATE waits on it, then finds it decided."""
        line = line_of(team["olly"])
        maria_updated, release = threading.Event(), threading.Event()
        outcome: dict[str, object] = {}

        def maria() -> None:
            try:
                with transaction.atomic():
                    access_review_decide(line=line, decision="keep", reason="On the rota", by=team["maria"])
                    maria_updated.set()
                    release.wait(timeout=10)
                outcome["maria"] = "decided"
            except Exception as error:  # reported below
                outcome["maria"] = error
            finally:
                connection.close()

        def mark() -> None:
            try:
                maria_updated.wait(timeout=10)
                access_review_decide(line=line, decision="revoke", reason="Not needed", by=team["mark"])
                outcome["mark"] = "decided"
            except Exception as error:  # reported below
                outcome["mark"] = error
            finally:
                connection.close()

        threads = [threading.Thread(target=maria), threading.Thread(target=mark)]
        for thread in threads:
            thread.start()
        maria_updated.wait(timeout=10)
        time.sleep(0.5)  # let Mark's UPDATE reach the row lock
        assert "mark" not in outcome  # still waiting for Maria's transaction
        release.set()
        for thread in threads:
            thread.join(timeout=30)
        assert outcome["maria"] == "decided"
        assert isinstance(outcome["mark"], Conflict)
        assert "maria.manager" in outcome["mark"].message
        line.refresh_from_db()
        assert (line.decision, line.decided_by_id) == ("keep", team["maria"].pk)
        team["olly"].refresh_from_db()
        assert team["olly"].is_active  # the losing revocation changed nothing


@pytest.mark.django_db
class TestOverdueReminders:
    def test_each_manager_is_reminded_once(self, review, team):
        assert access_reviews_remind_overdue(now=OPENED + timedelta(days=13)) == 0
        later = OPENED + timedelta(days=14, minutes=1)
        assert access_reviews_remind_overdue(now=later) == 2
        assert access_reviews_remind_overdue(now=later + timedelta(hours=1)) == 0
        reminded = Notification.objects.filter(key=f"access.review.{review.pk}.overdue")
        assert sorted(reminded.values_list("recipient__username", flat=True)) == ["maria.manager", "mark.manager"]
        assert AccessNotice.objects.filter(key__startswith=f"review:{review.pk}:overdue:").count() == 2

    def test_a_complete_review_is_not_reminded(self, review, team):
        AccessReview.objects.filter(pk=review.pk).update(completed_at=OPENED)
        assert access_reviews_remind_overdue(now=OPENED + timedelta(days=30)) == 0


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
class TestSweepOnAWorker:
    def test_two_sweeps_on_a_worker_open_one_review_and_remind_each_manager_once(self, celery_worker, team):
        from access.tasks import sweep
        from opsportal import clock
        from tests.conftest import wait_for

        # Opened 15 days ago (this quarter's, in the portal's zone): already overdue.
        now = clock.now()
        AccessReview.objects.create(quarter=quarter_of(clock.local_date(now)), opened_at=now - timedelta(days=15),
                                    due_at=now - timedelta(days=1))  # fmt: skip
        from access.models import TrainingRecord

        today = clock.local_date(now)
        training = TrainingRecord.objects.create(person=team["olly"], topic="Security awareness", recorded_at=now,
                                                 completed_on=today - timedelta(days=350),
                                                 expires_on=today + timedelta(days=10))  # fmt: skip
        sweep.delay()
        sweep.delay()
        wait_for(lambda: Notification.objects.filter(key__startswith="access.review.").count() >= 2, timeout=60)
        wait_for(lambda: Notification.objects.filter(key=f"access.training.{training.pk}.expiry").count() >= 3)
        time.sleep(2)  # the second sweep has run too
        assert AccessReview.objects.count() == 1
        assert Notification.objects.filter(key__startswith="access.review.").count() == 2  # one per manager
        trained = Notification.objects.filter(key=f"access.training.{training.pk}.expiry")
        assert sorted(trained.values_list("recipient__username", flat=True)) == ["maria.manager", "mark.manager",
                                                                                  "olly.ops"]  # fmt: skip
        assert access_sweep() == {"opened": 0, "review_reminders": 0, "training_reminders": 0}
