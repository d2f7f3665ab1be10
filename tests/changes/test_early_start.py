"""Implementation before the window starts needs an early-start reason, which is recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from changes import services

NOW = datetime(2026, 10, 24, 22, 0, tzinfo=UTC)
WINDOW_START = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 3 h 30 min later, across the London clock change


@pytest.fixture
def planned(make_change):
    return make_change(
        status="planning", approved_at=NOW - timedelta(days=1), window_start=WINDOW_START,
        window_end=WINDOW_START + timedelta(hours=2),
    )  # fmt: skip


def _start(client, change, **data):
    return client.post(
        f"/api/v1/changes/{change.pk}/transition/", {"to": "implementation", **data}, content_type="application/json"
    )


@pytest.mark.django_db
class TestEarlyStartOverTheApi:
    @time_machine.travel(NOW, tick=False)
    def test_starting_before_the_window_without_a_reason_is_refused_naming_reason(
        self, client_for, oncall_user, planned
    ):
        response = _start(client_for(oncall_user), planned)
        assert response.status_code == 400
        error = response.json()["error"]
        assert list(error["fields"]) == ["reason"]
        assert "2026-10-25 01:30 UTC" in error["fields"]["reason"][0]
        assert "3 h 30 min" in error["fields"]["reason"][0]  # elapsed time, not wall-clock
        planned.refresh_from_db()
        assert planned.status == "planning"

    @time_machine.travel(NOW, tick=False)
    def test_an_early_start_with_a_reason_is_recorded_on_the_change_and_its_history(
        self, client_for, oncall_user, planned
    ):
        response = _start(client_for(oncall_user), planned, reason="Vendor maintenance moved forward.")
        assert response.status_code == 200, response.json()
        assert response.json()["early_start_reason"] == "Vendor maintenance moved forward."
        entry = planned.history.get(to_status="implementation")
        assert entry.message == (
            "Start implementation, early start 3 h 30 min before the window (2026-10-25 01:30 UTC): "
            "Vendor maintenance moved forward."
        )
        detail = client_for(oncall_user).get(f"/api/v1/changes/{planned.pk}/").json()
        assert "early start" in detail["history"][-1]["message"]

    @time_machine.travel(WINDOW_START, tick=False)
    def test_starting_when_the_window_opens_needs_no_reason(self, client_for, oncall_user, planned):
        response = _start(client_for(oncall_user), planned)
        assert response.status_code == 200, response.json()
        assert response.json()["early_start_reason"] == ""

    @time_machine.travel(NOW, tick=False)
    def test_an_emergency_implemented_first_records_its_reason_as_the_early_start(self, oncall_user, make_change):
        change = make_change(change_type="emergency", window_start=WINDOW_START,
                             window_end=WINDOW_START + timedelta(hours=1))  # fmt: skip
        change = services.change_transition(change=change, to="implementation", by=oncall_user, reason="Outage.")
        assert change.early_start_reason == "Outage."

    @time_machine.travel(NOW, tick=False)
    def test_the_service_refuses_it_too(self, oncall_user, planned):
        with pytest.raises(ValidationError) as error:
            services.change_transition(change=planned, to="implementation", by=oncall_user)
        assert "early-start reason" in error.value.message_dict["reason"][0]


@pytest.mark.django_db
class TestEarlyStartOnTheChangePage:
    @time_machine.travel(NOW, tick=False)
    def test_the_action_asks_for_a_reason_and_the_page_shows_it(self, client_for, oncall_user, planned):
        client = client_for(oncall_user)
        page = client.get(f"/changes/{planned.pk}/").content.decode()
        assert 'data-testid="early-start-reason"' in page
        response = client.post(f"/changes/{planned.pk}/transition/", {"to": "implementation"})
        assert response.status_code == 400
        assert response.context["errors"]["reason"]
        response = client.post(f"/changes/{planned.pk}/transition/", {"to": "implementation", "reason": "Quiet night."})
        assert response.status_code == 302
        page = client.get(f"/changes/{planned.pk}/").content.decode()
        assert 'data-testid="early-start"' in page and "Quiet night." in page

    @time_machine.travel(WINDOW_START + timedelta(minutes=5), tick=False)
    def test_no_reason_is_asked_once_the_window_is_open(self, client_for, oncall_user, planned):
        page = client_for(oncall_user).get(f"/changes/{planned.pk}/").content.decode()
        assert 'data-testid="early-start-reason"' not in page
