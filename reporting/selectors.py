"""Reads of the reporting app: report figures, dashboard series and access checks.

Every figure is aggregated in SQL (or over a bounded period's rows), so the number of
queries a report or the dashboard needs does not grow with the data.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Avg, BooleanField, Case, Count, Max, Q, QuerySet, Sum, Value, When
from django.shortcuts import get_object_or_404

from opsportal import clock
from reporting import rules
from reporting.kpis import REPORT_CATEGORIES, operational_kpis, trend
from reporting.models import Aggregation, Category, KpiDefinition, KpiMeasurement, Report, Source
from reporting.periods import Period

# Access ---------------------------------------------------------------------------------------


def _kpi_identity(definition: KpiDefinition) -> dict[str, Any]:
    """Return the fields that name and describe a KPI in every figure built from it."""
    return {
        "slug": definition.slug,
        "name": definition.name,
        "category": definition.category,
        "category_label": Category(definition.category).label,
        "unit": definition.unit,
        "direction": definition.direction,
    }


def require_report_viewer(user: Any) -> None:
    """Raise PermissionDenied unless the user may read reports."""
    rules.require(rules.may_view_reports(user), rules.VIEW_DENIED)


def require_kpi_editor(user: Any) -> None:
    """Raise PermissionDenied unless the user may see the dashboard and enter KPI values."""
    rules.require(rules.may_enter_measurements(user), rules.ENTRY_DENIED)


def report_for_user(user: Any, pk: int) -> Report:
    """Return the report ``pk`` for a user who may read reports, or raise Http404/PermissionDenied."""
    require_report_viewer(user)
    return get_object_or_404(Report, pk=pk)


def report_list(*, kind: str = "") -> QuerySet[Report]:
    """Return reports newest first (without their data), optionally of one kind."""
    reports = Report.objects.defer("data")
    return reports.filter(kind=kind) if kind else reports


def manual_kpis() -> QuerySet[KpiDefinition]:
    """Return the KPIs whose values people enter."""
    return KpiDefinition.objects.filter(source=Source.MANUAL)


# Report figures ---------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    if value is None:
        return None
    return round(float(value), 4)


def _comparison(value: float | None, previous: float | None, target: float | None, direction: str) -> dict[str, Any]:
    delta = None if value is None or previous is None else round(value - previous, 4)
    delta_percent = None if delta is None or not previous else round(delta / abs(previous) * 100, 2)
    on_target = None
    if value is not None and target is not None:
        on_target = value >= target if direction == "higher" else value <= target
    return {
        "value": value,
        "previous": previous,
        "delta": delta,
        "delta_percent": delta_percent,
        "trend": trend(value, previous, direction),
        "target": target,
        "on_target": on_target,
    }


def _business_figures(period: Period, definitions: list[KpiDefinition]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Return the period's business KPI rows and daily series, in three queries at most."""
    previous = period.previous()
    ids = [definition.pk for definition in definitions]
    if not ids:
        return [], {}
    # Query 1: sum, average, count and last date per KPI, for this and the previous period.
    grouped = (
        KpiMeasurement.objects.filter(kpi_id__in=ids, date__gte=previous.start, date__lte=period.end)
        .annotate(
            current=Case(
                When(date__gte=period.start, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
        .values("kpi_id", "current")
        .annotate(total=Sum("value"), average=Avg("value"), count=Count("id"), last_date=Max("date"))
        .order_by()
    )
    stats = {(row["kpi_id"], row["current"]): row for row in grouped}
    # Query 2: the values on the last dates, for KPIs that aggregate as "last".
    last_kpis = {definition.pk for definition in definitions if definition.aggregation == Aggregation.LAST}
    wanted = [(row["kpi_id"], row["last_date"]) for row in stats.values() if row["kpi_id"] in last_kpis]
    last_values: dict[tuple[int, date], Decimal] = {}
    if wanted:
        condition = Q()
        for kpi_id, day in wanted:
            condition |= Q(kpi_id=kpi_id, date=day)
        last_values = {
            (kpi_id, day): value
            for kpi_id, day, value in KpiMeasurement.objects.filter(condition).values_list("kpi_id", "date", "value")
        }
    # Query 3: the period's daily values, for the report's charts.
    series: dict[str, list[list[Any]]] = defaultdict(list)
    slugs = {definition.pk: definition.slug for definition in definitions}
    for kpi_id, day, value in (
        KpiMeasurement.objects.filter(kpi_id__in=ids, date__gte=period.start, date__lte=period.end)
        .order_by("kpi_id", "date")
        .values_list("kpi_id", "date", "value")
    ):
        series[slugs[kpi_id]].append([day.isoformat(), _number(value)])

    def aggregate(definition: KpiDefinition, current: bool) -> tuple[float | None, int]:
        row = stats.get((definition.pk, current))
        if row is None or not row["count"]:
            return None, 0
        if definition.aggregation == Aggregation.SUM:
            return _number(row["total"]), row["count"]
        if definition.aggregation == Aggregation.LAST:
            return _number(last_values.get((definition.pk, row["last_date"]))), row["count"]
        return _number(row["average"]), row["count"]

    rows = []
    for definition in definitions:
        current_value, count = aggregate(definition, True)
        previous_value, _ = aggregate(definition, False)
        rows.append(
            {
                **_kpi_identity(definition),
                "aggregation": definition.aggregation,
                "measurements": count,
                **_comparison(current_value, previous_value, _number(definition.target), definition.direction),
            }
        )
    return rows, dict(series)


def operational_figures(
    *,
    bounds: tuple[datetime, datetime],
    previous: tuple[datetime, datetime],
    targets: dict[str, float | None],
    categories: tuple[str, ...] | None = None,
) -> list[dict[str, Any]]:
    """Return one row per registered operational KPI over [start, end), compared with ``previous``.

    The KPIs share their reads (``shared_reads``), so the whole table costs a fixed number
    of queries: see tests/reporting/test_report_queries.py.
    """
    from reporting.operational import shared_reads

    rows = []
    with shared_reads():
        for kpi in operational_kpis():
            if categories is not None and kpi.category not in categories:
                continue
            current = kpi.compute(*bounds)
            before = kpi.compute(*previous)
            rows.append(
                {
                    "slug": kpi.slug,
                    "name": kpi.name,
                    "category": kpi.category,
                    "unit": kpi.unit,
                    "direction": kpi.direction,
                    "breakdown": [dict(row) for row in current.get("breakdown", [])],
                    **_comparison(
                        _number(current.get("value")),
                        _number(before.get("value")),
                        targets.get(kpi.slug),
                        kpi.direction,
                    ),
                }
            )
    return rows


def _operational_figures(period: Period, targets: dict[str, float | None]) -> list[dict[str, Any]]:
    """Return one row per registered operational KPI, computed for this and the previous period."""
    zone = clock.portal_zone().key
    return operational_figures(
        bounds=period.bounds(zone),
        previous=period.previous().bounds(zone),
        targets=targets,
        categories=REPORT_CATEGORIES[period.kind],
    )


def _format(value: float | None, unit: str) -> str:
    if value is None:
        return "no data"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{text} {unit}".strip() if unit != "%" else f"{text}%"


def report_data_compute(*, period: Period) -> dict[str, Any]:
    """Return the figures of the ``period.kind`` report for ``period``, as JSON-ready data.

    Queries: 1 for the definitions, at most 3 for the business KPIs, plus whatever the
    registered operational KPIs need (a fixed number each) — none grows with the data.
    """
    categories = REPORT_CATEGORIES[period.kind]
    definitions = list(KpiDefinition.objects.all())
    manual = [d for d in definitions if d.source == Source.MANUAL and d.category in categories]
    targets = {d.slug: _number(d.target) for d in definitions}
    business, series = _business_figures(period, manual)
    operational = _operational_figures(period, targets)
    previous = period.previous()
    title = f"{period.kind.capitalize()} report — {period.label()}"
    key_figures = [row for row in business + operational if row["value"] is not None][:6]
    summary = "; ".join(f"{row['name']}: {_format(row['value'], row['unit'])}" for row in key_figures)
    return {
        "version": 1,
        "kind": period.kind,
        "title": title,
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat(), "label": period.label()},
        "previous_period": {
            "start": previous.start.isoformat(),
            "end": previous.end.isoformat(),
            "label": previous.label(),
        },
        "summary": summary or "No measurements in this period.",
        "business": business,
        "operational": operational,
        "series": series,
    }


# Dashboard ------------------------------------------------------------------------------------

RANGES = {
    "30d": ("Last 30 days, by day", 30, "day"),
    "90d": ("Last 90 days, by week", 91, "week"),
    "365d": ("Last 12 months, by month", 365, "month"),
}


def _bucket(day: date, size: str) -> date:
    if size == "week":
        return day - timedelta(days=day.weekday())
    if size == "month":
        return day.replace(day=1)
    return day


def dashboard_figures(*, range_key: str, today: date) -> dict[str, Any]:
    """Return, per manual KPI, its values over the range bucketed by day, week or month; and
    the operational KPIs over the range's days, compared with as many days before.

    Two queries for the definitions and the range's measurements (bounded by the range),
    plus the operational KPIs' fixed number.
    """
    _label, days, size = RANGES.get(range_key, RANGES["30d"])
    first = today - timedelta(days=days - 1)
    all_definitions = list(KpiDefinition.objects.all())
    definitions = [definition for definition in all_definitions if definition.source == Source.MANUAL]
    start = clock.local_midnight(first)
    end = clock.local_midnight(today + timedelta(days=1))
    before = clock.local_midnight(first - timedelta(days=days))
    operational = operational_figures(
        bounds=(start, end),
        previous=(before, start),
        targets={definition.slug: _number(definition.target) for definition in all_definitions},
    )
    by_kpi: dict[int, dict[date, list[tuple[date, Decimal]]]] = defaultdict(lambda: defaultdict(list))
    for kpi_id, day, value in (
        KpiMeasurement.objects.filter(kpi__source=Source.MANUAL, date__gte=first, date__lte=today)
        .order_by("date")
        .values_list("kpi_id", "date", "value")
    ):
        by_kpi[kpi_id][_bucket(day, size)].append((day, value))
    buckets = sorted({_bucket(first + timedelta(days=offset), size) for offset in range(days)})
    labels = [bucket.isoformat() if size != "month" else bucket.strftime("%Y-%m") for bucket in buckets]
    kpis = []
    for definition in definitions:
        values: list[float | None] = []
        for bucket in buckets:
            points = by_kpi[definition.pk].get(bucket)
            if not points:
                values.append(None)
            elif definition.aggregation == Aggregation.SUM:
                values.append(_number(sum(value for _day, value in points)))
            elif definition.aggregation == Aggregation.LAST:
                values.append(_number(points[-1][1]))
            else:
                values.append(_number(sum(value for _day, value in points) / len(points)))
        known = [value for value in values if value is not None]
        latest = known[-1] if known else None
        earlier = known[-2] if len(known) > 1 else None
        kpis.append(
            {
                "id": definition.pk,
                **_kpi_identity(definition),
                "values": values,
                **_comparison(latest, earlier, _number(definition.target), definition.direction),
            }
        )
    return {
        "range": range_key if range_key in RANGES else "30d",
        "labels": labels,
        "kpis": kpis,
        "operational": operational,
        "operational_period": f"{first:%d %b %Y} to {today:%d %b %Y}, compared with the {days} days before",
    }
