"""Demo data of the reporting app: a year of daily KPI values and the latest reports."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from decimal import Decimal

from opsportal import clock
from opsportal.demo import DemoContext, register_seeder
from opsportal.procedures.document import parse_document
from opsportal.procedures.importer import DEFAULT_DOCUMENT
from reporting.models import KpiDefinition, KpiMeasurement, Source
from reporting.periods import last_complete_period
from reporting.procedures import _is_kpi_section, _is_schedule_section, load_kpi_definitions, load_report_schedules

# (start, end of year, relative noise, weekend factor, target) by (unit, direction); the
# value drifts linearly from start to end, with weekly seasonality and noise.
PROFILES: dict[tuple[str, str], tuple[float, float, float, float, float]] = {
    ("EUR", "higher"): (1150.0, 1420.0, 0.03, 1.0, 1400.0),
    ("EUR", "lower"): (185.0, 150.0, 0.08, 1.0, 160.0),
    ("%", "lower"): (0.9, 0.45, 0.25, 0.8, 0.5),
    ("%", "higher"): (34.0, 47.0, 0.05, 0.9, 45.0),
    ("ms", "lower"): (340.0, 255.0, 0.07, 0.85, 280.0),
    ("min", "higher"): (10.5, 13.2, 0.06, 1.15, 12.0),
    ("users", "higher"): (1750.0, 2650.0, 0.05, 0.7, 2500.0),
    ("score", "higher"): (3.8, 4.3, 0.03, 1.0, 4.2),
}
MRR = (42_000.0, 61_000.0, 0.004, 1.0, 60_000.0)  # a level that grows through the year
UPTIME = (99.9, 99.97, 0.0008, 1.0, 99.9)


def _profile(kpi: KpiDefinition) -> tuple[float, float, float, float, float]:
    if kpi.aggregation == "last" and kpi.unit == "EUR":
        return MRR
    if kpi.slug.startswith("uptime"):
        return UPTIME
    return PROFILES.get((kpi.unit, kpi.direction), (100.0, 120.0, 0.05, 1.0, 110.0))


def demo_values(kpi: KpiDefinition, first: date, last: date) -> list[tuple[date, Decimal]]:
    """Return deterministic, realistic daily values of ``kpi`` from ``first`` to ``last``."""
    start, end, noise, weekend, _target = _profile(kpi)
    rng = random.Random(f"opsportal-demo-{kpi.slug}")  # noqa: S311 - demo data, not security
    days = (last - first).days + 1
    values = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        progress = offset / max(days - 1, 1)
        value = start + (end - start) * progress
        seasonality = 0.0 if kpi.slug.startswith("uptime") else 0.02
        value *= 1 + seasonality * math.sin(2 * math.pi * offset / 30)
        if day.weekday() >= 5:
            value *= weekend
        value *= 1 + rng.gauss(0, noise)
        if kpi.unit == "%" or kpi.slug.startswith("uptime"):
            value = min(value, 100.0)
        if kpi.unit == "score":
            value = min(value, 5.0)
        values.append((day, Decimal(f"{max(value, 0):.4f}")))
    return values


def ensure_kpi_definitions() -> None:
    """Load the bundled document's KPI list and reporting schedule when none exist yet."""
    if KpiDefinition.objects.exists():
        return
    for section in parse_document(DEFAULT_DOCUMENT.read_text(encoding="utf-8")).walk():
        if _is_kpi_section(section):
            load_kpi_definitions(section)
        elif _is_schedule_section(section):
            load_report_schedules(section)


def seed_measurements(first: date, last: date) -> int:
    """Add demo values of every manual KPI from ``first`` to ``last``, keeping existing ones."""
    rows: list[KpiMeasurement] = []
    for kpi in KpiDefinition.objects.filter(source=Source.MANUAL):
        if kpi.target is None:
            kpi.target = Decimal(str(_profile(kpi)[4]))
            kpi.save(update_fields=["target"])
        rows.extend(KpiMeasurement(kpi=kpi, date=day, value=value) for day, value in demo_values(kpi, first, last))
    KpiMeasurement.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)


@register_seeder("reporting", order=90)
def seed(context: DemoContext) -> str:
    """Seed a year of daily KPI values up to yesterday and build the latest reports."""
    from reporting.services import report_build

    ensure_kpi_definitions()
    today = clock.local_date(context.now)
    count = seed_measurements(today - timedelta(days=365), today - timedelta(days=1))
    built = 0
    for kind, how_many in (("daily", 3), ("weekly", 4), ("monthly", 3), ("quarterly", 2)):
        period = last_complete_period(kind, today)
        for _ in range(how_many):
            built += report_build(period=period, now=context.now)[1]
            period = period.previous()
    return f"{count} KPI values over a year, {built} reports built"
