"""Schedules send notifications to webhooks: escalation pages and handover digests of a schedule.

An endpoint listening to a schedule gets every notification that concerns it (a page whose step
targets the schedule, a handover digest of it), once per notification key, whoever is on call.
The fixture schedule: Alice, Bob and Carol a week each, handing off on Mondays at 09:00 London.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, time, timedelta
from unittest import mock

import pytest
import time_machine
from django.db import connection

from incidents.models import EscalationTarget, Severity
from incidents.services import incident_declare, severity_default_policy_create, sla_sweep
from oncall.handover import handovers_send_due
from oncall.models import Handover, Layer, LayerMember, Schedule
from opsportal.notifications import notification_send
from opsportal.roles import Role
from webhooks.models import WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint
from webhooks.services import webhook_deliver

from .conftest import SECRET

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday: Bob's week
HANDOFF = datetime(2026, 11, 16, 9, tzinfo=UTC)  # Monday 09:00 London (= UTC in November)
JUST_AFTER = HANDOFF + timedelta(seconds=40)


@pytest.fixture
def engineers(make_user):
    return [make_user(name, Role.ONCALL) for name in ("alice", "bob", "carol")]


@pytest.fixture
def platform(engineers):
    """The oldest schedule, so the default policies page it."""
    schedule = Schedule.objects.create(
        name="Platform", time_zone="Europe/London", created_at=datetime(2026, 1, 5, tzinfo=UTC)
    )
    layer = Layer.objects.create(
        schedule=schedule, position=0, shift_days=7, handoff_time=time(9), starts_on=date(2026, 1, 5)
    )
    for position, user in enumerate(engineers):
        LayerMember.objects.create(layer=layer, user=user, position=position)
    return schedule


@pytest.fixture
def database(platform):
    return Schedule.objects.create(name="Database", time_zone="UTC", created_at=datetime(2026, 2, 1, tzinfo=UTC))


@pytest.fixture
def hooks(platform, database, receiver):
    """One generic endpoint per schedule, on the receiver at paths of their own; no groups."""

    def endpoint(name, schedule):
        created = WebhookEndpoint.objects.create(
            name=name, kind="generic", secret=SECRET, url=f"{receiver.url}/{schedule.name.lower()}"
        )
        created.schedules.add(schedule)
        return created

    return {"platform": endpoint("Platform hook", platform), "database": endpoint("Database hook", database)}


@pytest.fixture
def queued():
    """Record the deliveries queued for the worker instead of sending them to the broker."""
    with mock.patch("webhooks.services._queue_delivery") as queue:
        yield queue


def deliver_pending():
    """Post every pending delivery once, as the worker would."""
    for delivery in WebhookDelivery.objects.filter(status=WebhookDeliveryStatus.PENDING):
        assert webhook_deliver(delivery=delivery).sent


def posted(receiver):
    return [(request.path, json.loads(request.body)["subject"]) for request in receiver.requests]


@pytest.fixture
def p1(platform):
    severity = Severity.objects.create(code="P1", name="High", response_minutes=60, position=2)
    severity_default_policy_create(severity=severity)
    return severity


@pytest.mark.django_db
class TestEscalationPagesOfASchedule:
    def test_a_breached_p1_on_a_schedule_posts_once_to_that_schedules_endpoint_only(
        self, p1, hooks, engineers, queued, receiver, make_user
    ):
        with time_machine.travel(NOW, tick=False):
            incident = incident_declare(
                by=make_user("opsy", Role.OPS),
                title="API failures",
                severity=p1,
                detected_at=NOW - timedelta(minutes=61),
                now=NOW,
            )
            first = sla_sweep(now=NOW)
            again = sla_sweep(now=NOW)
            deliver_pending()
        step = incident.escalation_steps.get(position=1)
        assert step.target == EscalationTarget.SCHEDULE_PRIMARY
        assert first.notified == [f"incident-{incident.pk}-step-{step.pk}-round-1"]
        assert again.notified == []
        delivery = WebhookDelivery.objects.get()
        assert (delivery.endpoint, delivery.key) == (hooks["platform"], first.notified[0])
        assert posted(receiver) == [("/hook/platform", "P1 not acknowledged: API failures")]

    def test_a_page_to_a_group_does_not_go_to_schedule_endpoints(self, hooks, engineers, queued):
        notification_send(recipients=engineers, key="incident-9-step-1-round-1", subject="P2 not acknowledged")
        assert WebhookDelivery.objects.count() == 0

    def test_an_endpoint_of_both_the_recipients_group_and_the_schedule_gets_it_once(
        self, platform, hooks, engineers, queued, team
    ):
        endpoint = hooks["platform"]
        endpoint.groups.add(team)
        engineers[1].groups.add(team)
        notification_send(recipients=engineers, key="k", subject="s", schedule=platform)
        assert list(WebhookDelivery.objects.values_list("endpoint", flat=True)) == [endpoint.pk]

    def test_a_notification_about_a_schedule_with_nobody_to_notify_still_posts_to_its_endpoint(
        self, platform, hooks, queued
    ):
        assert notification_send(recipients=[None], key="k", subject="s", schedule=platform) == []
        assert list(WebhookDelivery.objects.values_list("endpoint", "key")) == [(hooks["platform"].pk, "k")]

    def test_an_inactive_schedule_endpoint_gets_nothing(self, platform, hooks, engineers, queued):
        WebhookEndpoint.objects.filter(pk=hooks["platform"].pk).update(active=False)
        notification_send(recipients=engineers, key="k", subject="s", schedule=platform)
        assert WebhookDelivery.objects.count() == 0

    def test_finding_the_endpoints_of_recipients_and_schedule_costs_one_query(
        self, platform, hooks, engineers, queued, django_assert_num_queries
    ):
        notification_send(recipients=engineers[:1], key="warm-up", subject="s", schedule=platform)
        # 1. existing notifications; 2-4. savepoint, insert, release per recipient (3 x 1);
        # 5. the endpoints of the recipient's groups or of the schedule (one query);
        # 6-8. savepoint, insert, release of the delivery; 9. the created notifications returned.
        with django_assert_num_queries(9):
            notification_send(recipients=engineers[1:2], key="k", subject="s", schedule=platform)


@pytest.mark.django_db
class TestHandoverDigestsOfASchedule:
    def test_a_handover_digest_posts_once_to_the_schedules_endpoint(self, platform, hooks, queued, receiver):
        with time_machine.travel(JUST_AFTER, tick=False):
            assert handovers_send_due() == 1
            assert handovers_send_due() == 0
            deliver_pending()
        handover = Handover.objects.get()
        delivery = WebhookDelivery.objects.get()
        assert (delivery.endpoint, delivery.key) == (hooks["platform"], f"oncall-handover-{handover.pk}")
        assert posted(receiver) == [("/hook/platform", "Handover: you are on call for Platform")]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestConcurrentScheduleSends:
    def test_two_concurrent_sends_of_one_key_about_a_schedule_write_one_delivery(
        self, platform, hooks, engineers, queued
    ):
        barrier = threading.Barrier(2)
        errors = []

        def send(recipients):
            try:
                barrier.wait(timeout=10)
                notification_send(
                    recipients=recipients, key="incident-7-step-1-round-1", subject="s", schedule=platform
                )
            except Exception as error:  # reported below
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=send, args=([person],)) for person in engineers[:2]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        assert list(WebhookDelivery.objects.values_list("endpoint", "key")) == [
            (hooks["platform"].pk, "incident-7-step-1-round-1")
        ]
        assert queued.call_count == 1


@pytest.mark.django_db
class TestEndpointAdminSchedules:
    def test_the_endpoint_form_shows_and_saves_the_schedules(self, client_for, make_user, platform, database):
        superuser = make_user("root", is_staff=True, is_superuser=True)
        client = client_for(superuser)
        assert 'name="schedules"' in client.get("/admin/webhooks/webhookendpoint/add/").content.decode()
        response = client.post(
            "/admin/webhooks/webhookendpoint/add/",
            {"name": "On-call room", "kind": "slack", "url": "https://hooks.example.com/x", "active": "on",
             "schedules": [platform.pk]},
        )  # fmt: skip
        assert response.status_code == 302
        assert list(WebhookEndpoint.objects.get(name="On-call room").schedules.all()) == [platform]
