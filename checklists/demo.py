"""Demo seeder: the procedures' checklists and about 60 days of realistic run history."""

from __future__ import annotations

import random
from datetime import timedelta

from checklists.models import ChecklistRun, ChecklistTemplate, RunStatus
from checklists.procedures import claims_scheduled_checklists, load_scheduled_checklists
from checklists.services import run_backfill, runs_generate
from opsportal import clock
from opsportal.demo import DemoContext, register_seeder
from opsportal.procedures.document import parse_document
from opsportal.procedures.importer import DEFAULT_DOCUMENT
from opsportal.roles import Role

HISTORY_DAYS = 60


@register_seeder("checklists", order=10)
def seed(context: DemoContext) -> str:
    """Load the bundled checklists, generate 60 days of runs and tick most of them believably.

    Each past run's fate is drawn from a generator seeded by its id, so seeding twice gives the
    same history: about 80% completed on time, 8% late, the rest missed (part-ticked).
    """
    if not ChecklistTemplate.objects.exists():
        document = parse_document(DEFAULT_DOCUMENT.read_text(encoding="utf-8"))
        for section in document.walk():
            if claims_scheduled_checklists(section):
                load_scheduled_checklists(section)
    ops = context.users[Role.OPS]
    today = clock.local_date(context.now)
    result = runs_generate(start=today - timedelta(days=HISTORY_DAYS), end=today, now=context.now)
    past = ChecklistRun.objects.filter(
        period_date__lt=today, status=RunStatus.MISSED, items_done=0, period_date__isnull=False
    ).order_by("opens_at")
    touched = 0
    for run in past:
        rng = random.Random(run.pk)  # noqa: S311 - demo data, not security
        fate = rng.random()
        if fate < 0.80:
            ticked, finished_at = run.items_total, run.opens_at + timedelta(minutes=rng.randint(10, 55))
            finished_at = min(finished_at, run.due_at) if run.due_at else finished_at
        elif fate < 0.88:
            ticked = run.items_total
            finished_at = run.due_at + timedelta(minutes=rng.randint(5, 90)) if run.due_at else run.opens_at
            if run.missed_at:
                finished_at = min(finished_at, run.missed_at - timedelta(minutes=1))
        else:
            ticked = rng.randint(0, max(run.items_total - 1, 0))
            finished_at = run.opens_at + timedelta(minutes=rng.randint(10, 50))
        if ticked:
            run_backfill(run=run, by=ops, ticked=ticked, finished_at=finished_at)
            touched += 1
    return f"{HISTORY_DAYS} days of checklist runs ({result.created} new, {touched} past runs ticked)"
