"""Two managers decide the same change at the same moment: exactly one decision stands."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from changes import services
from changes.models import ChangeHistory, ChangeRequest
from opsportal.errors import Conflict


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestConcurrentDecisions:
    def test_exactly_one_decision_stands_and_the_other_is_told(self, make_user, make_change):
        from opsportal.roles import Role

        first, second = make_user("mia.manager", Role.MANAGER), make_user("max.manager", Role.MANAGER)
        change = make_change(status="approval")
        barrier = threading.Barrier(2)
        outcomes: dict[str, str] = {}

        def decide(name, action):
            try:
                stale = ChangeRequest.objects.get(pk=change.pk)
                barrier.wait(timeout=10)
                action(stale)
                outcomes[name] = "decided"
            except Conflict as error:
                outcomes[name] = error.message
            finally:
                connection.close()

        threads = [
            threading.Thread(
                target=decide, args=("approve", lambda c: services.change_approve(change=c, by=first, comment="ok"))
            ),
            threading.Thread(
                target=decide, args=("reject", lambda c: services.change_reject(change=c, by=second, reason="no"))
            ),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes.values()).count("decided") == 1, outcomes
        loser = next(message for message in outcomes.values() if message != "decided")
        assert "Someone else acted on this change first" in loser
        change.refresh_from_db()
        assert change.status in {"planning", "rejected"}
        assert ChangeHistory.objects.filter(change=change, kind__in=["approved", "rejected"]).count() == 1
