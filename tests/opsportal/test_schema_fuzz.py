"""A bounded schemathesis run over the whole API schema: no server errors, no schema mismatches.

Every operation of ``/api/schema/`` is called with generated (valid and invalid) input as an
admin with a token, in-process against the WSGI app and the real database. Each answer must not
be a 5xx, must use a status code the schema documents, and must match the documented body.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 12  # ~40 operations: well inside the API throttle and ~60 s


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
def api_records(db: Any, admin_user: Any, oncall_user: Any) -> None:
    """A few records with low ids, so generated ids sometimes hit a real row."""
    from incidents.models import Severity
    from incidents.services import incident_declare

    severity = Severity.objects.order_by("pk").first()
    if severity is not None:
        incident_declare(by=oncall_user, title="Database down", severity=severity)


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


schema = load_schema()


@pytest.mark.postgres
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_within_its_schema(case: Any, admin_token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Token {admin_token}"}, checks=CHECKS)
