"""Benchmark: build a monthly report over a year of KPI and operational data; print a Markdown table.

Seeds a year of daily values for every manual KPI into the configured database (the demo
seeder's data; existing values are kept) and a year of operational history (10 checklist
runs, 2 incidents and 1 change a day, see ``scripts/operational_history.py``; skipped when
that history is already there), then builds the last complete month's report N
times, each inside a transaction that is rolled back so every run builds from scratch, and
reports the median time and the number of queries. Run it like the portal itself:

    OPSPORTAL_VAR_DIR=var/bench python scripts/bench_reports.py --runs 15
    DATABASE_URL=postgres://user@host/db python scripts/bench_reports.py --runs 15
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project, and scripts as a package
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsportal.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="builds to time (default 15)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from reporting.demo import ensure_kpi_definitions, seed_measurements
    from reporting.kpis import operational_kpis
    from reporting.models import KpiDefinition, KpiMeasurement, Report
    from reporting.periods import last_complete_period
    from reporting.services import report_build
    from scripts.operational_history import seed_operational_history

    call_command("migrate", verbosity=0)
    ensure_kpi_definitions()
    today = timezone.localdate()
    started = time.perf_counter()
    seed_measurements(today - timedelta(days=365), today - timedelta(days=1))
    from changes.models import ChangeRequest
    from checklists.models import ChecklistRun
    from incidents.models import Incident

    if not ChecklistRun.objects.filter(template__key="history-daily-0").exists():
        seed_operational_history(start=today - timedelta(days=365), end=today - timedelta(days=1))
    print(f"Seeded a year of data in {time.perf_counter() - started:.1f} s.", file=sys.stderr)
    period = last_complete_period("monthly", today)

    timings: list[float] = []
    queries = 0
    for _ in range(args.runs):
        with transaction.atomic():
            Report.objects.filter(kind="monthly", period_start=period.start).delete()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                _report, created = report_build(period=period)
                timings.append((time.perf_counter() - started) * 1000)
            assert created
            queries = len(captured.captured_queries)
            transaction.set_rollback(True)  # leave the database as it was

    engine = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    kpis = KpiDefinition.objects.filter(source="manual").count()
    values = KpiMeasurement.objects.count()
    stored = f"{values:,} | {ChecklistRun.objects.count():,} | {Incident.objects.count():,} | {ChangeRequest.objects.count():,}"
    print(
        "| database | manual KPIs | KPI values | checklist runs | incidents | changes | operational KPIs | report "
        "| queries | builds | median | min | max |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|")
    print(
        f"| {engine} | {kpis} | {stored} | {len(operational_kpis())} | monthly {period.start:%Y-%m} | {queries} "
        f"| {len(timings)} | {statistics.median(timings):.1f} ms | {min(timings):.1f} ms | {max(timings):.1f} ms |"
    )
    print(f"\nTIME_ZONE={settings.TIME_ZONE}; Python {sys.version.split()[0]}.", file=sys.stderr)


if __name__ == "__main__":
    main()
