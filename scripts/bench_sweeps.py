"""Benchmark: generate a year of checklist runs, and run the SLA sweep over 100,000 open incidents.

Against the configured database (``DATABASE_URL``; unset: the embedded SQLite file), this script
imports the bundled procedures if the database holds no scheduled checklist template (checklist templates, severities and
their escalation policies), then times, each inside a transaction that is rolled back so every
repetition starts from the same data and nothing is left behind:

1. ``checklists.services.runs_generate`` over the last 365 days (every active scheduled template);
2. ``incidents.services.sla_sweep`` with ``--incidents`` open (declared, unacknowledged) incidents,
   each with its severity's escalation steps copied, none of them due yet, plus ``--due`` of them
   due now (their reminders are sent, to nobody's mailbox: the e-mails are queued after commit,
   and the transaction is rolled back).

It prints a Markdown table of the median and best of ``--repeat`` timings. Run it on a scratch database:

    DATABASE_URL=postgres://root@127.0.0.1:5432/bench python scripts/bench_sweeps.py --repeat 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsportal.settings")


class Rollback(Exception):
    """Raised to roll a timed repetition back."""


def timed(setup: Callable[[], object], work: Callable[[object], object], repeat: int) -> tuple[list[float], object]:
    """Run ``setup`` then time ``work`` ``repeat`` times, each in a rolled-back transaction."""
    from django.db import transaction

    timings: list[float] = []
    result: object = None
    for _ in range(repeat):
        try:
            with transaction.atomic():
                prepared = setup()
                started = time.perf_counter()
                result = work(prepared)
                timings.append(time.perf_counter() - started)
                raise Rollback
        except Rollback:
            pass
    return timings, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed repetitions of each (default 5)")
    parser.add_argument("--incidents", type=int, default=100_000, help="open incidents (default 100000)")
    parser.add_argument("--due", type=int, default=0, help="of which due now (default 0)")
    arguments = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from checklists.models import ChecklistTemplate, Frequency
    from checklists.services import runs_generate
    from incidents import escalation
    from incidents.models import Incident, IncidentEscalationStep, IncidentStatus, Severity
    from incidents.services import sla_sweep
    from opsportal import clock

    call_command("migrate", "--no-input", "-v", "0")
    if not ChecklistTemplate.objects.filter(is_active=True).exclude(frequency=Frequency.ON_DEMAND).exists():
        call_command("import_procedures")
    settings.INCIDENT_REMINDER_TASKS = False  # time the sweep alone; queue no per-reminder tasks

    now = timezone.now()
    today = clock.local_date(now)
    templates = ChecklistTemplate.objects.filter(is_active=True).exclude(frequency=Frequency.ON_DEMAND).count()

    generate_times, generated = timed(
        lambda: None,
        lambda _: runs_generate(start=today - timedelta(days=364), end=today, now=now),
        arguments.repeat,
    )

    severity = Severity.objects.order_by("position").first()
    assert severity is not None, "no severities: import the procedures first"
    steps = list(severity.escalation_steps.order_by("position"))

    def seed() -> None:
        def incident(number: int) -> Incident:
            due = now - timedelta(minutes=1) if number < arguments.due else now + timedelta(hours=1)
            return Incident(
                title=f"Sweep benchmark {number}", severity=severity, status=IncidentStatus.DECLARED,
                detected_at=now - timedelta(hours=2), declared_at=now - timedelta(hours=2), response_due_at=due,
            )  # fmt: skip

        incidents = Incident.objects.bulk_create((incident(n) for n in range(arguments.incidents)), batch_size=5000)
        IncidentEscalationStep.objects.bulk_create(
            (escalation.step_copy(step, incident=incident, active=True) for incident in incidents for step in steps),
            batch_size=5000,
        )

    sweep_times, swept = timed(seed, lambda _: sla_sweep(now=now + timedelta(seconds=1)), arguments.repeat)

    database = settings.DATABASES["default"]
    where = "PostgreSQL" if database["ENGINE"].endswith("postgresql") else "SQLite"
    print(f"\n{where}, {os.cpu_count()} CPU cores, {arguments.repeat} repetitions each (rolled back)\n")
    print("| work | size | median | best |")
    print("|---|---|---|---|")
    print(
        f"| generate a year of checklist runs | {templates} templates, {getattr(generated, 'created', 0)} runs "
        f"| {statistics.median(generate_times):.3f} s | {min(generate_times):.3f} s |"
    )
    print(
        f"| SLA sweep | {arguments.incidents} open incidents ({len(steps)} steps each), "
        f"{getattr(swept, 'reminders', 0)} reminders due | {statistics.median(sweep_times):.3f} s "
        f"| {min(sweep_times):.3f} s |"
    )
    command = " ".join(["python scripts/bench_sweeps.py", *sys.argv[1:]])
    print(f"\nCommand: `{command}`")


if __name__ == "__main__":
    main()
