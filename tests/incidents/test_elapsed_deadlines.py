"""Response deadlines are elapsed time on UTC instants, across every daylight-saving change.

Each incident is declared through the API and through the declare form with ``detected_at``
written in the portal zone's local offset around the spring and autumn changes of
Europe/London and America/New_York; the deadline must be exactly 15, 60 or 1440 real minutes
after detection.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from incidents.models import Incident

MINUTES = {"P0": 15, "P1": 60, "P3": 1440}
# The UTC instants at which the clocks change in 2026.
CHANGES = {
    "Europe/London": [datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC)],
    "America/New_York": [datetime(2026, 3, 8, 7, tzinfo=UTC), datetime(2026, 11, 1, 6, tzinfo=UTC)],
}
# How long before a change each severity is detected, so its deadline straddles it; plus
# detections inside the repeated (autumn) hour and right at the change.
LEADS = {"P0": [10, 0, -1], "P1": [30, 59, 0], "P3": [12 * 60, 1, 1439]}


def _cases() -> list[tuple[str, str, datetime]]:
    cases = []
    for zone_name, changes in CHANGES.items():
        for change in changes:
            for code, leads in LEADS.items():
                cases.extend((zone_name, code, change - timedelta(minutes=lead)) for lead in leads)
    return cases


# The three defects from issue 9, in Europe/London.
REPORTED = [
    ("Europe/London", "P3", datetime(2026, 3, 28, 12, tzinfo=UTC)),
    ("Europe/London", "P1", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    ("Europe/London", "P0", datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),
]
CASES = REPORTED + _cases()


def _ids(case: tuple[str, str, datetime]) -> str:
    zone_name, code, detected = case
    return f"{zone_name}-{code}-{detected:%Y%m%dT%H%MZ}"


def _local_offset(detected: datetime, zone_name: str) -> str:
    """Return ``detected`` as ISO 8601 with the zone's local offset at that instant."""
    return detected.astimezone(ZoneInfo(zone_name)).isoformat()


def _real_minutes(incident: Incident) -> float:
    return (incident.response_due_at - incident.detected_at).total_seconds() / 60


@pytest.mark.django_db
class TestDeclareThroughTheApiAcrossDaylightSaving:
    @pytest.mark.parametrize(("zone_name", "code", "detected"), CASES, ids=[_ids(case) for case in CASES])
    def test_it_gets_exactly_the_severitys_real_minutes(
        self, settings, client_for, oncall_user, severities, zone_name, code, detected
    ):
        settings.TIME_ZONE = zone_name
        client = client_for(oncall_user)
        with time_machine.travel(detected + timedelta(minutes=5), tick=False):
            response = client.post(
                "/api/v1/incidents/",
                {"title": "Site down", "severity": code, "detected_at": _local_offset(detected, zone_name)},
                content_type="application/json",
            )
        assert response.status_code == 201, response.content
        incident = Incident.objects.get(pk=response.json()["id"])
        assert incident.detected_at == detected
        assert _real_minutes(incident) == MINUTES[code]
        body_due = datetime.fromisoformat(response.json()["response_due_at"])
        assert body_due == detected + timedelta(minutes=MINUTES[code])


@pytest.mark.django_db
class TestDeclareThroughTheFormAcrossDaylightSaving:
    @pytest.mark.parametrize(("zone_name", "code", "detected"), CASES, ids=[_ids(case) for case in CASES])
    def test_it_gets_exactly_the_severitys_real_minutes(
        self, settings, client_for, oncall_user, severities, zone_name, code, detected
    ):
        settings.TIME_ZONE = zone_name
        client = client_for(oncall_user)
        with time_machine.travel(detected + timedelta(minutes=5), tick=False):
            response = client.post(
                "/incidents/declare/",
                {"title": "Site down", "severity": code, "detected_at": _local_offset(detected, zone_name)},
            )
        assert response.status_code == 302, response.content.decode()[:2000]
        incident = Incident.objects.get()
        assert incident.detected_at == detected
        assert _real_minutes(incident) == MINUTES[code]

    def test_a_wall_clock_time_the_day_before_the_spring_change_gets_a_full_day(
        self, london, client_for, oncall_user, severities
    ):
        client = client_for(oncall_user)
        with time_machine.travel(datetime(2026, 3, 28, 12, 5, tzinfo=UTC), tick=False):
            response = client.post(
                "/incidents/declare/", {"title": "Slow page", "severity": "P3", "detected_at": "2026-03-28T12:00"}
            )
        assert response.status_code == 302
        incident = Incident.objects.get()
        assert incident.response_due_at == datetime(2026, 3, 29, 12, tzinfo=UTC)
        assert _real_minutes(incident) == 1440

    def test_an_ambiguous_wall_clock_time_is_refused_next_to_the_field(
        self, london, client_for, oncall_user, severities
    ):
        client = client_for(oncall_user)
        with time_machine.travel(datetime(2026, 10, 25, 3, tzinfo=UTC), tick=False):
            response = client.post(
                "/incidents/declare/", {"title": "Site down", "severity": "P0", "detected_at": "2026-10-25T01:30"}
            )
        assert response.status_code == 400
        assert b'data-error-for="detected_at"' in response.content
        assert not Incident.objects.exists()


@pytest.mark.django_db
class TestSeverityChangeAcrossDaylightSaving:
    def test_the_new_deadline_counts_real_minutes_from_detection(self, london, oncall_user, severities):
        from incidents.services import incident_change_severity, incident_declare

        detected = datetime(2026, 10, 25, 0, 30, tzinfo=UTC).astimezone(ZoneInfo("Europe/London"))
        with time_machine.travel(datetime(2026, 10, 25, 0, 35, tzinfo=UTC), tick=False):
            incident = incident_declare(by=oncall_user, title="x", severity=severities["P3"], detected_at=detected)
            incident = incident_change_severity(incident=incident, severity=severities["P1"], by=oncall_user)
        incident.refresh_from_db()
        assert _real_minutes(incident) == 60


@pytest.mark.django_db
class TestOtherDurationsAcrossDaylightSaving:
    def test_escalation_steps_fall_due_their_delay_after_the_deadline_in_real_minutes(
        self, london, oncall_user, severities
    ):
        from incidents.services import incident_declare

        detected = datetime(2026, 10, 25, 0, 50, tzinfo=UTC).astimezone(ZoneInfo("Europe/London"))
        with time_machine.travel(datetime(2026, 10, 25, 0, 55, tzinfo=UTC), tick=False):
            incident = incident_declare(by=oncall_user, title="x", severity=severities["P1"], detected_at=detected)
        steps = list(incident.escalation_steps.order_by("position"))
        assert [step.delay_minutes for step in steps] == [0, 30]
        for step in steps:
            assert step.next_due_at == datetime(2026, 10, 25, 1, 50, tzinfo=UTC) + timedelta(minutes=step.delay_minutes)

    def test_the_review_is_due_48_real_hours_after_resolution(self, london, oncall_user, severities):
        from incidents.services import incident_declare, incident_transition

        resolved = datetime(2026, 10, 24, 12, tzinfo=UTC).astimezone(ZoneInfo("Europe/London"))
        with time_machine.travel(resolved - timedelta(hours=1), tick=False):
            incident = incident_declare(by=oncall_user, title="x", severity=severities["P1"])
        incident_transition(incident=incident, action="acknowledge", by=oncall_user, now=resolved)
        incident_transition(incident=incident, action="resolve", by=oncall_user, now=resolved)
        incident.review.refresh_from_db()
        assert incident.review.due_at - resolved == timedelta(hours=48)
        assert incident.review.due_at == datetime(2026, 10, 26, 12, tzinfo=UTC)
