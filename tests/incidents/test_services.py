"""The incident services: declaring, the lifecycle, severity changes and the timeline."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from incidents.models import (
    EscalationStep,
    IncidentStatus,
    PostIncidentReview,
    Service,
    TimelineEntry,
    TimelineKind,
)
from incidents.services import (
    incident_acknowledge,
    incident_assign,
    incident_change_severity,
    incident_declare,
    incident_note_add,
    incident_resolve,
    incident_transition,
    review_update,
)
from opsportal.errors import Conflict

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
def declared(severities, oncall_user):
    with time_machine.travel(NOW, tick=False):
        return incident_declare(by=oncall_user, title="Checkout down", severity=severities["P1"])


@pytest.mark.django_db
class TestIncidentDeclare:
    @time_machine.travel(NOW, tick=False)
    def test_it_needs_only_a_title_and_a_severity(self, severities, ops_user):
        incident = incident_declare(by=ops_user, title="  Login broken ", severity=severities["P0"])
        assert incident.title == "Login broken"
        assert incident.status == IncidentStatus.DECLARED
        assert incident.detected_at == NOW
        assert incident.response_due_at == NOW + timedelta(minutes=15)
        assert incident.timeline.get().kind == TimelineKind.DECLARED

    @time_machine.travel(NOW, tick=False)
    def test_it_copies_the_policy_with_due_times(self, severities, ops_user):
        incident = incident_declare(
            by=ops_user, title="x", severity=severities["P0"], detected_at=NOW - timedelta(minutes=5)
        )
        steps = list(incident.escalation_steps.order_by("position"))
        assert [step.next_due_at for step in steps] == [NOW + timedelta(minutes=10), NOW + timedelta(minutes=25)]
        EscalationStep.objects.filter(severity=severities["P0"]).update(repeat_every_minutes=99)
        assert {step.repeat_every_minutes for step in incident.escalation_steps.all()} == {5, 15}

    @time_machine.travel(NOW, tick=False)
    def test_a_future_detection_time_is_a_field_error_and_saves_nothing(self, severities, ops_user):
        with pytest.raises(ValidationError) as error:
            incident_declare(by=ops_user, title="x", severity=severities["P1"], detected_at=NOW + timedelta(minutes=10))
        assert "detected_at" in error.value.message_dict
        assert not TimelineEntry.objects.exists()

    def test_an_outsider_may_not_declare(self, severities, outsider):
        with pytest.raises(PermissionDenied):
            incident_declare(by=outsider, title="x", severity=severities["P1"])

    @time_machine.travel(NOW, tick=False)
    def test_business_hours_severity_uses_the_calendar(self, severities, ops_user, london):
        friday = datetime(2026, 11, 27, 16, 30, tzinfo=UTC)  # 16:30 in London too (GMT)
        incident = incident_declare(by=ops_user, title="x", severity=severities["P2"], detected_at=friday, now=friday)
        assert incident.response_due_at == datetime(2026, 11, 30, 12, 30, tzinfo=UTC)


@pytest.mark.django_db
class TestIncidentLifecycle:
    def test_acknowledge_records_who_and_when(self, declared, oncall_user):
        with time_machine.travel(NOW + timedelta(minutes=3), tick=False):
            incident = incident_acknowledge(incident=declared, by=oncall_user)
        assert incident.status == IncidentStatus.ACKNOWLEDGED
        assert incident.acknowledged_at == NOW + timedelta(minutes=3)
        assert incident.acknowledged_by == oncall_user
        assert not incident.escalation_steps.filter(next_due_at__isnull=False).exists()

    def test_the_second_acknowledgement_is_told_who_was_first(self, declared, oncall_user, manager_user):
        incident_acknowledge(incident=declared, by=oncall_user)
        with pytest.raises(Conflict, match=r"Already acknowledged by oscar\.oncall"):
            incident_acknowledge(incident=declared, by=manager_user)

    def test_ops_staff_may_not_acknowledge(self, declared, ops_user):
        with pytest.raises(PermissionDenied):
            incident_acknowledge(incident=declared, by=ops_user)

    def test_resolving_opens_a_review_due_in_48_hours(self, declared, oncall_user):
        incident_acknowledge(incident=declared, by=oncall_user)
        with time_machine.travel(NOW + timedelta(hours=1), tick=False):
            incident = incident_resolve(incident=declared, by=oncall_user, note="Rolled back")
        assert incident.resolved_at == NOW + timedelta(hours=1)
        assert incident.review.due_at == NOW + timedelta(hours=49)

    def test_resolving_a_closed_incident_is_refused(self, declared, oncall_user):
        incident_acknowledge(incident=declared, by=oncall_user)
        incident_resolve(incident=declared, by=oncall_user)
        review_update(review=declared.review, by=oncall_user, complete=True, summary="s", root_cause="r")
        incident_transition(incident=declared, action="close", by=oncall_user)
        with pytest.raises(Conflict, match="Cannot resolve an incident that is closed"):
            incident_resolve(incident=declared, by=oncall_user)

    def test_review_needs_a_completed_review(self, declared, oncall_user):
        incident_acknowledge(incident=declared, by=oncall_user)
        incident_resolve(incident=declared, by=oncall_user)
        with pytest.raises(Conflict, match="Complete the post-incident review"):
            incident_transition(incident=declared, action="review", by=oncall_user)

    def test_reopen_after_close(self, declared, oncall_user):
        incident_acknowledge(incident=declared, by=oncall_user)
        incident_resolve(incident=declared, by=oncall_user)
        incident = incident_transition(incident=declared, action="reopen", by=oncall_user)
        assert incident.status == IncidentStatus.INVESTIGATING
        assert incident.resolved_at is None
        assert PostIncidentReview.objects.filter(incident=declared).count() == 1

    def test_every_step_is_on_the_timeline(self, declared, oncall_user, manager_user, severities):
        with time_machine.travel(NOW + timedelta(minutes=1)):  # after the declaration, whenever the suite runs
            incident_assign(incident=declared, assignee=manager_user, by=oncall_user)
            incident_change_severity(incident=declared, severity=severities["P0"], by=oncall_user)
            incident_note_add(incident=declared, by=oncall_user, text="Looking at the load balancer")
            incident_note_add(incident=declared, by=oncall_user, text="We are on it", kind=TimelineKind.MESSAGE)
            incident_acknowledge(incident=declared, by=oncall_user)
        kinds = list(declared.timeline.values_list("kind", flat=True))
        assert kinds == ["declared", "assignment", "severity", "note", "message", "status"]

    def test_a_blank_note_is_a_field_error(self, declared, oncall_user):
        with pytest.raises(ValidationError) as error:
            incident_note_add(incident=declared, by=oncall_user, text="  ")
        assert "text" in error.value.message_dict


@pytest.mark.django_db
class TestIncidentChangeSeverity:
    def test_it_recomputes_the_deadline_and_replaces_the_plan(self, declared, oncall_user, severities):
        old_steps = set(declared.escalation_steps.values_list("pk", flat=True))
        incident = incident_change_severity(incident=declared, severity=severities["P0"], by=oncall_user)
        incident.refresh_from_db()
        assert incident.response_due_at == NOW + timedelta(minutes=15)
        active = incident.escalation_steps.filter(next_due_at__isnull=False)
        assert not set(active.values_list("pk", flat=True)) & old_steps
        assert active.first().next_due_at == NOW + timedelta(minutes=15)
        entry = incident.timeline.get(kind="severity")
        assert (entry.from_value, entry.to_value) == ("P1", "P0")


@pytest.mark.django_db
def test_services_are_admin_editable_and_attach(severities, ops_user):
    service = Service.objects.create(name="Payments")
    incident = incident_declare(by=ops_user, title="x", severity=severities["P3"], services=[service])
    assert list(incident.services.all()) == [service]
    assert timezone.is_aware(incident.response_due_at)
