"""Fixtures of the knowledge tests: the quality checklist from the bundled document, pages and reviews."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from checklists.models import AttachTo, ChecklistTemplate
from knowledge import services
from knowledge.models import Page, PageVersion
from knowledge.selectors import quality_runs


@pytest.fixture
def quality_template(db: Any) -> ChecklistTemplate:
    """Load the "Content Quality Standards" section of the bundled document as the quality checklist."""
    from knowledge.demo import _quality_template

    _quality_template()
    return ChecklistTemplate.objects.get(attach_to=AttachTo.PAGE_VERSION)


@pytest.fixture
def tick_all() -> Callable[[PageVersion, Any], None]:
    """Return a function ticking every quality item of a version as ``reviewer``."""
    from checklists.services import run_item_tick

    def tick(version: PageVersion, reviewer: Any) -> None:
        for run in quality_runs(version):
            for item in run.items.all():
                run_item_tick(item=item, by=reviewer)

    return tick


@pytest.fixture
def published_page(
    quality_template: ChecklistTemplate, oncall_user: Any, ops_user: Any, tick_all: Callable[..., None]
) -> Page:
    """Return a runbook written by the on-call engineer, reviewed by Ops and published (version 1)."""
    page = services.page_create(
        by=oncall_user,
        title="Database failover",
        body="## Steps\n\n1. Promote the replica.\n2. Repoint the pgbouncer pool.\n",
        tags=["database"],
    )
    version = page.versions.get(number=1)
    tick_all(version, ops_user)
    services.version_publish(version=version, by=oncall_user)
    page.refresh_from_db()
    return page
