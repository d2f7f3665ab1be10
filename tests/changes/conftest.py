"""Fixtures of the changes tests: deployment stages and a change factory (the fast hasher is in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from changes.models import ChangeRequest, DeploymentStage, StandardChangeTemplate
from opsportal.roles import Role

STAGES = ["Development", "Staging", "Pre-Production", "Production", "Post-Deployment"]


@pytest.fixture
def requester(make_user: Callable[..., Any]) -> Any:
    """An on-call engineer who raised the changes under test (so managers may decide them)."""
    return make_user("rita.requester", Role.ONCALL)


@pytest.fixture
def stages(db: Any) -> dict[str, DeploymentStage]:
    return {name: DeploymentStage.objects.create(order=order, name=name) for order, name in enumerate(STAGES, start=1)}


def standard_template_for_tests(**fields: Any) -> StandardChangeTemplate:
    """Return the pre-approved template the factory's standard changes come from (created once)."""
    values: dict[str, Any] = {
        "implementation_plan": "Drain, patch, undrain.",
        "rollback_plan": "Reinstall 4.1.",
        "description": "Vendor patch of the load balancer.",
        "likelihood": "low",
        "impact": "low",
        "risk": "low",
    }
    values.update(fields)
    return StandardChangeTemplate.objects.get_or_create(name="Patch the load balancer", defaults=values)[0]


@pytest.fixture
def standard_template(db: Any) -> StandardChangeTemplate:
    return standard_template_for_tests()


@pytest.fixture
def make_change(db: Any, requester: Any) -> Callable[..., ChangeRequest]:
    """Return a factory for a complete change in any status (set directly, as a fixture may)."""

    def factory(status: str = "initiation", change_type: str = "normal", **fields: Any) -> ChangeRequest:
        start = timezone.now() + timedelta(days=2)
        values: dict[str, Any] = {
            "title": "Upgrade the load balancer",
            "change_type": change_type,
            "status": status,
            "business_justification": "Security fix.",
            "description": "Apply vendor patch 4.2.",
            "affected_services": "api",
            "implementation_plan": "Drain, patch, undrain.",
            "rollback_plan": "Reinstall 4.1.",
            "verification_plan": "Smoke tests.",
            "window_start": start,
            "window_end": start + timedelta(hours=2),
            "requester": requester,
            "status_changed_at": timezone.now(),
            "approved_at": timezone.now() if status in ("implementation", "verification", "documentation") else None,
            "risk_rule": "likelihood low (1) × impact low (1) = 1; 1–2 is low",
        }
        if change_type == "standard" and "standard_template" not in fields:
            values["standard_template"] = standard_template_for_tests()
        values.update(fields)
        return ChangeRequest.objects.create(**values)

    return factory
