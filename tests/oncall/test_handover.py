"""Shift handover (oncall/handover.py): the digest sent once per handoff, the note, the acknowledgement.

The fixture shift: the Platform schedule (tests/oncall/conftest.py) hands over on Mondays at
09:00 London; Monday 16 November 2026 09:00 London is 09:00 UTC.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import connection

from incidents.models import Incident, Severity
from oncall import selectors
from oncall.handover import (
    handover_acknowledge,
    handover_note_save,
    handover_prepare,
    handovers_send_due,
)
from oncall.models import Handover
from opsportal.errors import Conflict
from opsportal.models import Notification

HANDOFF = datetime(2026, 11, 16, 9, tzinfo=UTC)
JUST_AFTER = HANDOFF + timedelta(seconds=40)
DAY_BEFORE = HANDOFF - timedelta(days=1)


def people(schedule):
    """Return (outgoing, incoming) of the fixture handoff, as the rotation computes them."""
    (handoff,) = selectors.handoffs_between(schedule, HANDOFF - timedelta(minutes=1), HANDOFF)
    return handoff.outgoing, handoff.incoming


@pytest.fixture
def open_p1(db):
    severity = Severity.objects.create(code="P1", name="High", response_minutes=60, position=1)
    detected = HANDOFF - timedelta(hours=3)
    return Incident.objects.create(
        title="Payments down", severity=severity, detected_at=detected, response_due_at=detected + timedelta(hours=1)
    )


@pytest.mark.django_db
class TestHandoverSweep:
    def test_it_sends_the_incoming_person_the_digest_once_per_handoff(self, london_weekly, open_p1):
        outgoing, incoming = people(london_weekly)
        with time_machine.travel(JUST_AFTER, tick=False):
            assert handovers_send_due() == 1
            assert handovers_send_due() == 0
        handover = Handover.objects.get()
        assert (handover.schedule, handover.handoff_at) == (london_weekly, HANDOFF)
        assert (handover.outgoing, handover.incoming, handover.sent_at) == (outgoing, incoming, JUST_AFTER)
        notification = Notification.objects.get()
        assert notification.recipient == incoming
        assert notification.key == f"oncall-handover-{handover.pk}"
        assert notification.link == f"/oncall/handovers/{handover.pk}/"
        assert f"Handover note from {outgoing.username}:\nNo note." in notification.body
        assert (
            f"#{open_p1.pk} P1 Payments down (declared), response due Mon 16 Nov 07:00 UTC, BREACHED"
            in notification.body
        )

    def test_the_digest_covers_the_outgoing_shift_and_is_kept_as_sent(self, london_weekly, open_p1):
        with time_machine.travel(JUST_AFTER, tick=False):
            handovers_send_due()
        digest = Handover.objects.get().digest
        assert [row["title"] for row in digest["incidents"]] == ["Payments down"]
        assert digest["incidents"][0]["breached"] is True
        assert set(digest) == {"incidents", "runs", "changes", "kpis"}

    def test_it_carries_the_outgoing_persons_note(self, london_weekly):
        outgoing, _incoming = people(london_weekly)
        with time_machine.travel(DAY_BEFORE, tick=False):
            handover = handover_prepare(schedule=london_weekly, by=outgoing)
            handover_note_save(handover=handover, by=outgoing, note="Disk on db-2 at 85%; watch it.")
        assert handover.handoff_at == HANDOFF
        with time_machine.travel(JUST_AFTER, tick=False):
            handovers_send_due()
        assert Handover.objects.count() == 1
        assert "Disk on db-2 at 85%; watch it." in Notification.objects.get().body

    def test_it_sends_nothing_before_the_handoff_nor_for_a_handoff_hours_old(self, london_weekly):
        with time_machine.travel(HANDOFF - timedelta(seconds=1), tick=False):
            assert handovers_send_due() == 0
        with time_machine.travel(HANDOFF + timedelta(hours=7), tick=False):
            assert handovers_send_due() == 0
        assert not Notification.objects.exists()

    def test_the_note_cannot_change_once_sent(self, london_weekly):
        outgoing, _incoming = people(london_weekly)
        with time_machine.travel(JUST_AFTER, tick=False):
            handovers_send_due()
        with pytest.raises(Conflict):
            handover_note_save(handover=Handover.objects.get(), by=outgoing, note="late")

    def test_only_the_outgoing_person_prepares_and_writes_the_note(self, london_weekly, engineers):
        outgoing, incoming = people(london_weekly)
        (third,) = [user for user in engineers if user not in (outgoing, incoming)]
        with time_machine.travel(DAY_BEFORE, tick=False):
            with pytest.raises(PermissionDenied):
                handover_prepare(schedule=london_weekly, by=third)  # hands nothing over in two weeks
            handover = handover_prepare(schedule=london_weekly, by=outgoing)
            with pytest.raises(PermissionDenied):
                handover_note_save(handover=handover, by=incoming, note="not mine")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestConcurrentHandoverSweeps:
    def test_two_sweeps_at_once_send_one_notification(self, london_weekly):
        barrier = threading.Barrier(2)
        results, errors = [], []

        def sweep():
            try:
                barrier.wait(timeout=10)
                results.append(handovers_send_due(now=JUST_AFTER))
            except Exception as error:
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not errors
        assert sorted(results) == [0, 1]
        assert Handover.objects.count() == 1
        assert Notification.objects.count() == 1


@pytest.mark.django_db
class TestHandoverAcknowledge:
    def test_the_incoming_person_acknowledges_once(self, london_weekly):
        _outgoing, incoming = people(london_weekly)
        with time_machine.travel(JUST_AFTER, tick=False):
            handovers_send_due()
        handover = Handover.objects.get()
        with time_machine.travel(JUST_AFTER + timedelta(minutes=5), tick=False):
            handover_acknowledge(handover=handover, by=incoming)
        handover.refresh_from_db()
        assert handover.acknowledged_at == JUST_AFTER + timedelta(minutes=5)
        assert handover.acknowledged_by == incoming
        with pytest.raises(Conflict):
            handover_acknowledge(handover=handover, by=incoming)

    def test_nobody_else_acknowledges(self, london_weekly):
        outgoing, _incoming = people(london_weekly)
        with time_machine.travel(JUST_AFTER, tick=False):
            handovers_send_due()
        with pytest.raises(PermissionDenied):
            handover_acknowledge(handover=Handover.objects.get(), by=outgoing)
        assert Handover.objects.get().acknowledged_at is None


@pytest.mark.django_db
class TestHandoverPages:
    @pytest.fixture
    def sent(self, london_weekly, open_p1):
        with time_machine.travel(JUST_AFTER, tick=False):
            handovers_send_due()
        return Handover.objects.get()

    def test_the_page_shows_the_digest_and_the_acknowledge_button_to_the_incoming_person(self, client_for, sent):
        body = client_for(sent.incoming).get(f"/oncall/handovers/{sent.pk}/").content.decode()
        assert "Payments down" in body
        assert "breached" in body
        assert f'action="/oncall/handovers/{sent.pk}/acknowledge/"' in body

    def test_acknowledging_on_the_page_records_it(self, client_for, sent):
        response = client_for(sent.incoming).post(f"/oncall/handovers/{sent.pk}/acknowledge/")
        assert response.status_code == 302
        sent.refresh_from_db()
        assert sent.acknowledged_by == sent.incoming
        body = client_for(sent.incoming).get(f"/oncall/handovers/{sent.pk}/").content.decode()
        assert "Acknowledged" in body
        assert "/acknowledge/" not in body

    def test_others_see_it_without_the_button_and_cannot_acknowledge(self, client_for, sent, oncall_user):
        client = client_for(oncall_user)
        assert "/acknowledge/" not in client.get(f"/oncall/handovers/{sent.pk}/").content.decode()
        assert client.post(f"/oncall/handovers/{sent.pk}/acknowledge/").status_code == 403

    def test_the_list_shows_recent_handovers(self, client_for, sent, ops_user):
        body = client_for(ops_user).get("/oncall/handovers/").content.decode()
        assert f'href="/oncall/handovers/{sent.pk}/"' in body
        assert "sent" in body

    def test_the_oncall_page_shows_the_recent_handovers(self, client_for, sent):
        body = client_for(sent.incoming).get("/oncall/").content.decode()
        assert f'href="/oncall/handovers/{sent.pk}/"' in body
        assert "not acknowledged" in body

    def test_the_outgoing_person_writes_the_note_before_the_handoff(self, client_for, london_weekly):
        outgoing, _incoming = people(london_weekly)
        client = client_for(outgoing)
        with time_machine.travel(DAY_BEFORE, tick=False):
            assert "Write the handover note" in client.get("/oncall/handovers/").content.decode()
            response = client.post(f"/oncall/handovers/schedules/{london_weekly.pk}/prepare/")
            handover = Handover.objects.get()
            assert response["Location"] == f"/oncall/handovers/{handover.pk}/"
            assert client.post(f"/oncall/handovers/{handover.pk}/note/", {"note": "All quiet."}).status_code == 302
            too_long = client.post(f"/oncall/handovers/{handover.pk}/note/", {"note": "x" * 5001})
        assert too_long.status_code == 400
        assert "Keep the note under 5000 characters." in too_long.content.decode()
        handover.refresh_from_db()
        assert handover.note == "All quiet."

    def test_an_outsider_sees_nothing_and_a_missing_handover_is_404(self, client_for, sent, outsider, ops_user):
        assert client_for(outsider).get(f"/oncall/handovers/{sent.pk}/").status_code == 403
        assert client_for(outsider).get("/oncall/handovers/").status_code == 403
        assert client_for(ops_user).get("/oncall/handovers/999999/").status_code == 404
        assert client_for(ops_user).get("/oncall/handovers/abc/").status_code == 404


@pytest.mark.django_db
class TestHandoverBeatTask:
    def test_beat_runs_the_thin_task_that_sends_due_handovers(self, london_weekly, settings):
        from oncall.tasks import send_handovers

        assert settings.CELERY_BEAT_SCHEDULE["oncall-handovers"]["task"] == send_handovers.name
        with time_machine.travel(JUST_AFTER, tick=False):
            send_handovers()
            send_handovers()
        assert Handover.objects.get().sent_at == JUST_AFTER
        assert Notification.objects.count() == 1
