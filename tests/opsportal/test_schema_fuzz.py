"""A bounded schemathesis run over the whole API schema: no server errors, no schema mismatches.

Every operation of ``/api/schema/`` is called with generated (valid and invalid) input as an
admin with a token, in-process against the WSGI app and the real database. Each answer must not
be a 5xx, must use a status code the schema documents, and must match the documented body.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from opsportal.procedures.importer import DEFAULT_DOCUMENT

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "12"))  # ~40 operations: inside the throttle, ~60 s


def load_schema() -> Any:
    """Return the API schema, rendered as /api/schema/ serves it, bound to the WSGI app.

    pytest-django has set Django up before collection; generating the schema reads no rows.
    """
    from django.core.wsgi import get_wsgi_application
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    loaded = schemathesis.openapi.from_dict(document)
    loaded.app = get_wsgi_application()
    loaded.location = "/api/schema/"
    return loaded


@pytest.fixture
def api_records(db: Any, admin_user: Any, oncall_user: Any, manager_user: Any) -> None:
    """Records of every kind, with empty and filled optional fields, so answers show both shapes."""
    from datetime import time, timedelta

    from django.utils import timezone

    from changes.services import change_create
    from checklists.services import runs_generate
    from incidents.models import Severity
    from incidents.services import incident_declare, incident_transition
    from opsportal.procedures.importer import procedures_import
    from reporting.models import KpiDefinition
    from reporting.periods import last_complete_period
    from reporting.services import MeasurementInput, measurements_record, report_build

    procedures_import(source=DEFAULT_DOCUMENT.read_text())
    today = timezone.localdate()
    runs_generate(start=today, end=today)
    severity = Severity.objects.get(code="P1")
    incident_declare(by=oncall_user, title="Database down", severity=severity)
    resolved = incident_declare(by=oncall_user, title="Slow API", severity=severity, users_affected=120)
    incident_transition(incident=resolved, action="acknowledge", by=oncall_user)
    incident_transition(incident=resolved, action="resolve", by=oncall_user)
    start = timezone.now() + timedelta(days=2)
    change_create(by=oncall_user, data={"title": "Patch the proxies"})
    change_create(
        by=oncall_user,
        data={"title": "Upgrade PostgreSQL", "window_start": start, "window_end": start + timedelta(hours=2)},
    )
    uptime = KpiDefinition.objects.get(slug="uptime")
    measurements_record(rows=[MeasurementInput(uptime, today - timedelta(days=1), Decimal("99.95"))], by=manager_user)
    report_build(period=last_complete_period("daily", today))
    from oncall.services import LayerInput, schedule_create

    schedule_create(by=manager_user, name="Platform", time_zone="Europe/London", layers=[
        LayerInput(members=[oncall_user, manager_user], shift_days=7, handoff_time=time(9), starts_on=today),
        LayerInput(members=[manager_user], shift_days=1, handoff_time=time(0), starts_on=today, weekdays=[5, 6],
                   hours=(time(18), time(8)), role="backup"),
    ])  # fmt: skip
    from coordination.models import MeetingSchedule, Vendor
    from coordination.services import meeting_open

    meeting_open(schedule=MeetingSchedule.objects.get(kind="standup"), day=today)
    Vendor.objects.create(name="Stripe", support_contact="support@stripe.example", contract_end=today)
    from checklists.services import run_item_tick
    from knowledge.selectors import quality_runs
    from knowledge.services import page_create, page_update, version_publish

    runbook = page_create(by=oncall_user, title="Failover", body="## Steps\n\n1. Promote.", tags=["db"])
    first = runbook.versions.get(number=1)
    for item in quality_runs(first)[0].items.all():  # the quality checklist came with the import
        run_item_tick(item=item, by=manager_user)
    version_publish(version=first, by=oncall_user)
    page_update(page=runbook, by=oncall_user, body="A draft.")
    # A personal data breach (GET /api/v1/breaches/, POST /api/v1/incidents/{id}/breach-notified/).
    incident_declare(by=oncall_user, title="Customer list leaked", severity=severity, personal_data_breach=True)
    from access.services import access_review_decide, access_review_open

    review = access_review_open()[0]  # an access review with a decided and an undecided line
    access_review_decide(line=review.lines.get(user=oncall_user), decision="keep", reason="On call", by=manager_user)


@pytest.fixture
def admin_token(admin_user: Any, api_records: None) -> Iterator[str]:
    """Return an admin's token, and keep the test's connection open across requests.

    The WSGI handler closes the database connection when a request ends, which would end the
    test's transaction; Django's own test client disconnects the same signal handler.
    """
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield Token.objects.create(user=admin_user).key
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


SCHEMA = load_schema()


@pytest.mark.postgres
def test_every_operation_answers_within_its_schema(admin_token: str) -> None:
    """Call each operation with valid and invalid input; collect every finding, then fail listing them all."""
    findings: list[str] = []
    for result in SCHEMA.get_all_operations():
        operation = result.ok()
        strategy = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
        )

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=not os.environ.get("FUZZ_EXAMPLES"),
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def answers_within_schema(case: Any) -> None:
            case.call_and_validate(headers={"Authorization": f"Token {admin_token}"}, checks=CHECKS)

        try:
            answers_within_schema()
        except Exception as error:  # every finding of every operation, not just the first
            findings.append(f"{operation.label}: {error}")
    assert not findings, "\n\n".join(findings)
